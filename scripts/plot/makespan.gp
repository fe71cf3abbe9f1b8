# makespan.gp: strategy comparison as a dot plot, one panel per trace x topology: each
# strategy's mean makespan as per cent above the group's best mean, with its 95% confidence
# interval over the seeds, on an axis that spans the data (not from zero) so that differences of
# a few per cent show; the right axis gives the same scale in absolute time.
# Variables: W H ttl data out fmt scriptdir, ncfg, cfgs (strategy labels, one gnuplot word each),
# cstrat/cvar (see common.gp), npanel, cols, rows, gtitles (panel titles), per panel I: yloI,
# yhiI (y range, per cent), bestI (the best mean in tunitI); xrot (1: turn the strategy names),
# bm, lm (bottom and left margins, pixels).
# Data block 0: x group cfg n mean_ns half_ns norm norm_half (block 1: group labels, unused).
load scriptdir.'/common.gp'

set xrange [-0.6:ncfg - 0.2]   # room right of the last dot for its label
set xtics () nomirror scale 0 font ',9'
do for [c=0:ncfg-1] { set xtics add (word(cfgs, c + 1) c) }
if (xrot) { set xtics rotate by 30 right }
set ytics nomirror
set mytics 2
set y2tics nomirror
set format y '%+g%%'
set ylabel 'mean makespan above the best (%)'
unset grid
set grid ytics
unset key

# sweep parameter sets: one symbol each; else all filled circles
sym(c) = (nvar > 1 ? word('7 5 9 11 13 15 4 6 8', cv(c) % 9 + 1) + 0 : 7)
lab(norm, n) = (norm == 1 ? 'best' : sprintf('+%.3g%%', 100 * (norm - 1))) \
               .(n == 1 ? ' (1 seed)' : '')

# fixed margins (pixels): lm left (more when the names are turned) and 80 right
set multiplot layout rows, cols title ttl font ',13' margins lm * 1.0/W, 1 - 80.0/W, bm * 1.0/H, \
    1 - 60.0/H spacing 190.0/W, (bm + 50.0)/H
do for [i=1:npanel] {
    g = i - 1
    lo = value(sprintf('ylo%d', i))
    hi = value(sprintf('yhi%d', i))
    b = value(sprintf('best%d', i))
    set title word(gtitles, i) font ',10'
    set yrange [lo:hi]
    # the same points in absolute time: best x (1 + y / 100)
    set y2range [b * (1 + lo / 100.0):b * (1 + hi / 100.0)]
    set y2label sprintf('mean makespan (%s)', value(sprintf('tunit%d', i)))
    set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead dt 2 lc rgb '#888888' back
    plot for [c=0:ncfg-1] data index 0 \
             using ($2 == g && $3 == c ? $3 : NaN):(100 * ($7 - 1)):(100 * $8) \
             with yerrorbars lt cs(c) + 1 pt sym(c) ps 1.5 lw 1.5 notitle, \
         data index 0 using ($2 == g ? $3 : NaN):(100 * ($7 - 1)):(lab($7, $4)) \
             with labels left offset 1.3, 0 font ',8' notitle
}
unset multiplot
