# sweep.gp: a parameter sweep as a sweep: mean makespan against the swept parameter's value, one
# line per strategy with 95% confidence intervals. Variables: W H ttl data out fmt scriptdir,
# nstrat, strats (strategy names, one gnuplot word each), param (the parameter), unit (of the
# makespan), logx (1: the values span decades), xtl (the x ticks: "label" value, ..., labels
# told apart), yfmt (y tick format, decimals enough for gnuplot's step). Data: one block per
# strategy: value mean half n.
load scriptdir.'/common.gp'

set title ttl font ',12'
set xlabel param.(logx ? ' (log scale)' : '')
set ylabel 'mean makespan ('.unit.'), 95% CI'
if (logx) { set logscale x 10 }
# the y axis spans the data (not zero) so that differences of a few per cent show
set autoscale y
set offsets graph 0.03, graph 0.03, graph 0.08, graph 0.08
set grid xtics ytics
set ytics nomirror
set xtics nomirror
set key outside right top vertical title 'strategy' Left reverse
set format y yfmt
# ticks at the swept values, each labelled apart from the others (1000 1001 1002, 1k 1.000001M)
eval('set xtics ('.xtl.')')

plot for [s=0:nstrat-1] data index s using 1:2:3 with yerrorlines lt s+1 pt 7 ps 0.8 \
         title word(strats, s+1)
