# gantt.gp: the schedule of one run recorded with --timeline: one row per core, a box per slice.
# Variables: W H ttl data out fmt scriptdir, ncores, tmax (end of the last slice), unit.
# Data: core start end colour (0xRRGGBB; times in unit).
load scriptdir.'/common.gp'

set title ttl font ',12'
set xlabel 'time ('.unit.')'
set ylabel 'core'
set xrange [0:tmax]
set yrange [ncores - 0.5:-0.5]
set ytics 1 nomirror
if (ncores > 32) { set ytics 4 }
set xtics nomirror
set grid xtics
unset key
set style fill solid 1.0 noborder

plot data using (($2 + $3) / 2):1:(($3 - $2) / 2):(0.38):4 with boxxyerror lc rgb variable notitle
