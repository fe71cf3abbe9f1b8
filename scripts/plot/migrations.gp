# migrations.gp: migrations by distance class, stacked bars per strategy, one panel per trace x
# topology. Variables: W H ttl data out fmt scriptdir, npanel, cols, rows, gnames (panel titles),
# mempty (the panels whose runs made no migration, one word each).
# Data columns: x cfg n smt cluster node remote s1 s2 s3 s4 label (s = cumulative tops).
load scriptdir.'/common.gp'

set style fill solid 0.9 border rgb '#333333'
set boxwidth 0.7
set yrange [0:*]
set ylabel 'migrations per run (mean over seeds)'
set xtics rotate by 35 right nomirror scale 0 font ',9'
set ytics nomirror
set grid ytics
set grid noxtics
set offsets 0.6, 0.6, graph 0.05, 0
unset key
# one legend under the title, drawn with the first panel (the margins are fixed, so the panels
# stay aligned)
lg_names = '"smt (sibling thread)" "cluster (same L2)" "node (another cluster)" '. \
           '"remote (another NUMA node)"'
colors = '#004488 #66BBEE #EE9922 #CC3311'
lg_color(k) = word(colors, k)
lg_box = 1
load scriptdir.'/legend.gp'

set multiplot layout rows, cols title ttl font ',13' margins 70.0/W, 1 - 20.0/W, 110.0/H, \
    1 - (lg_top + 30.0)/H spacing 80.0/W, 150.0/H
do for [i=1:npanel] {
    set title word(gnames, i) font ',10'
    if (i == 2) { load scriptdir.'/legend_off.gp' }
    # runs without a migration: say so rather than leave an empty panel
    none = 0
    do for [e in mempty] { if (e + 0 == i) { none = 1 } }
    if (none) {
        set label 3 'no migrations' at graph 0.5, graph 0.5 center font ',12' \
            tc rgb '#555555' front
        set yrange [0:1]
        set ytics ('0' 0)
    } else {
        unset label 3
        set yrange [0:*]
        set ytics autofreq
    }
    # stacked: each class's bar reaches the cumulative sum, drawn largest first
    plot data index (i - 1) using 1:11:xticlabels(stringcolumn(12)) with boxes \
             lc rgb lg_color(4), \
         '' index (i - 1) using 1:10 with boxes lc rgb lg_color(3), \
         '' index (i - 1) using 1:9 with boxes lc rgb lg_color(2), \
         '' index (i - 1) using 1:8 with boxes lc rgb lg_color(1)
}
unset multiplot
