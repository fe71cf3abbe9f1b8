# steals.gp: the thief x victim steal matrix, one heatmap panel per strategy (mean steals per
# run over the seeds, log colour scale shared by the panels). Variables: W H ttl data out fmt
# scriptdir, npanel, cols, rows, titles, ncores, ystep, cbmin, cbmax, bounds (first cores of the
# clusters, one word each; empty when there are many), nbounds and sbounds (the same for NUMA
# nodes and sockets), lines (what the lines mean), kinds ("E 0-3, P 4-7" or ''), sempty (the
# panels of strategies that made no steal, one word each).
load scriptdir.'/common.gp'

# white (no steal) to dark red (many)
set palette defined (0 '#fff5b8', 0.35 '#feb24c', 0.7 '#f03b20', 1 '#67000d')
set logscale cb
set cbrange [cbmin:cbmax]
set cblabel 'steals per run' offset 0.5,0
set cbtics ('0.01' 0.01, '0.02' 0.02, '0.05' 0.05, '0.1' 0.1, '0.2' 0.2, '0.5' 0.5, '1' 1, \
            '2' 2, '5' 5, '10' 10, '20' 20, '50' 50, '100' 100, '200' 200, '500' 500, \
            '1000' 1e3, '2000' 2e3, '5000' 5e3, '1e4' 1e4, '1e5' 1e5, '1e6' 1e6, '1e7' 1e7)
set xrange [-0.5:ncores - 0.5]
set yrange [ncores - 0.5:-0.5]
set xtics 0, ystep out nomirror
set ytics 0, ystep out nomirror
unset grid
set size ratio -1
set xlabel 'victim core'
set ylabel 'thief core'
unset key
do for [b in bounds] {
    set arrow from b - 0.5, graph 0 to b - 0.5, graph 1 nohead lc rgb '#999999' lw 0.6 front
    set arrow from graph 0, first b - 0.5 to graph 1, first b - 0.5 nohead lc rgb '#999999' \
        lw 0.6 front
}
do for [b in nbounds] {
    set arrow from b - 0.5, graph 0 to b - 0.5, graph 1 nohead lc rgb '#333333' lw 1.6 front
    set arrow from graph 0, first b - 0.5 to graph 1, first b - 0.5 nohead lc rgb '#333333' \
        lw 1.6 front
}
do for [b in sbounds] {
    set arrow from b - 0.5, graph 0 to b - 0.5, graph 1 nohead lc rgb '#000000' lw 2.8 front
    set arrow from graph 0, first b - 0.5 to graph 1, first b - 0.5 nohead lc rgb '#000000' \
        lw 2.8 front
}

# fixed margins keep the square panels aligned; one colour bar, right of them
sub = (kinds eq '' ? '' : 'cores: '.kinds).(kinds ne '' && lines ne '' ? '; ' : '').lines
set multiplot layout rows, cols title ttl.(sub eq '' ? '' : "\n".sub) font ',13' \
    margins 70.0/W, 1 - 120.0/W, 60.0/H, 1 - (sub eq '' ? 70.0 : 90.0)/H spacing 70.0/W, 100.0/H
do for [i=1:npanel] {
    set title word(titles, i) font ',10'
    if (i == 1 && words(sempty) < npanel) {
        set colorbox user origin screen 1 - 95.0/W, screen 0.3 size screen 14.0/W, screen 0.4
    } else {
        unset colorbox
    }
    # a strategy without a steal: say so rather than leave a blank square
    none = 0
    do for [e in sempty] { if (e + 0 == i) { none = 1 } }
    if (none) {
        set label 3 'no steals' at graph 0.5, graph 0.5 center font ',12' tc rgb '#555555' front
    } else {
        unset label 3
    }
    plot data index (i - 1) matrix using 1:2:($3 > 0 ? $3 : NaN) with image
}
unset multiplot
