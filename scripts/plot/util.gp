# util.gp: per-core utilisation over time, one heatmap panel per strategy (its median-makespan
# run), stacked over a shared time axis. Variables: W H ttl data out fmt scriptdir, npanel,
# titles (panel titles, one word each), cfgI (strategy index of panel I), dtI (sample interval of
# panel I in tunit), tmax, tunit, ncores, ystep (core tic step), kinds ("E 0-3, P 4-7" or ''),
# bounds, nbounds, sbounds (first cores of the clusters, NUMA nodes and sockets but the first,
# one word each; empty: none or too many) and lines (what the lines mean, for the subtitle).
load scriptdir.'/common.gp'

# viridis: dark = idle, yellow = busy the whole interval
set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21908d', 0.75 '#5dc963', 1 '#fde725')
set cbrange [0:1]
set cbtics 0.25
set cblabel 'busy fraction of interval' offset 1,0
set xrange [0:tmax]
set yrange [-0.5:ncores - 0.5]
set ytics 0, ystep nomirror
set mytics 1
set xtics nomirror
unset grid
set tics out
set ylabel 'core'
unset key

# machine boundaries across the time axis, a white line on a dark one so that it shows on both
# idle (dark) and busy (yellow) cells: clusters thin, NUMA nodes dashed, sockets thick
hline(b, w, d) = sprintf('set arrow from graph 0, first %g to graph 1, first %g nohead ' \
                         .'lc rgb "%s" lw %g dt %d front', b - 0.5, b - 0.5, \
                         w > 0 ? '#ffffff' : '#000000', abs(w), d)
do for [b in bounds] {
    eval hline(b + 0, -1.6, 1)
    eval hline(b + 0, 0.6, 1)
}
do for [b in nbounds] {
    eval hline(b + 0, -3.2, 1)
    eval hline(b + 0, 1.6, 2)
}
do for [b in sbounds] {
    eval hline(b + 0, -4.4, 1)
    eval hline(b + 0, 2.6, 1)
}
sub = (kinds eq '' ? '' : 'cores: '.kinds).(kinds ne '' && lines ne '' ? '; ' : '').lines

set multiplot layout npanel, 1 title ttl.(sub eq '' ? '' : "\n".sub) font ',13' \
    margins 80.0/W, 1 - 160.0/W, 60.0/H, 1 - (sub eq '' ? 70.0 : 90.0)/H spacing 0, 64.0/H
do for [i=1:npanel] {
    set title word(titles, i) font ',10' offset 0, -0.3
    if (i == npanel) { set xlabel sprintf('time (%s)', tunit) } else { unset xlabel }
    dt = value(sprintf('dt%d', i))
    # the colour bar once (the margins are fixed, so the panels stay aligned)
    if (i == 1) {
        set colorbox user origin screen 1 - 135.0/W, screen 0.3 size screen 14.0/W, screen 0.4
    } else {
        unset colorbox
    }
    plot data index (i - 1) matrix using (($1 + 0.5) * dt):2:3 with image
}
unset multiplot
