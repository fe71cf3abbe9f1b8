# util.gp: per-core utilisation over time, one heatmap panel per strategy (its median-makespan
# run), stacked over a shared time axis. Variables: W H ttl data out fmt scriptdir, npanel,
# titles (panel titles, one word each), cfgI (strategy index of panel I), dtI (sample interval of
# panel I in tunit), tmax, tunit, ncores, ystep (core tic step), kinds ("E 0-3, P 4-7" or '').
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

set multiplot layout npanel, 1 title ttl.(kinds eq '' ? '' : "\ncores: ".kinds) font ',13' \
    margins 80.0/W, 1 - 160.0/W, 60.0/H, 1 - (kinds eq '' ? 70.0 : 90.0)/H spacing 0, 64.0/H
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
