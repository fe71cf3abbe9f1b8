# makespan.gp: strategy comparison bars: mean makespan / best mean per trace x topology, with
# 95% confidence intervals over seeds. Variables: W H ttl data out fmt scriptdir, ncfg (number
# of strategies), cfgs (their labels, one gnuplot word each), cstrat/cvar (see common.gp), xmax
# (last bar's x), ymax (highest bar top including its error bar), glines (label lines).
# Data block 0: x group cfg n mean_ns half_ns norm norm_half; block 1: x label (with \n).
load scriptdir.'/common.gp'

# the title centred on the canvas (a plot title centres on the plot area, which the key shifts)
set label 1 ttl at screen 0.5, screen 1 - 22.0/H center font ',13'
set tmargin 3
set ylabel 'mean makespan / best mean (1 = best)'
# the group labels have glines lines, which gnuplot does not know before it reads them
set xlabel 'trace, machine, best strategy with its mean makespan' offset 0, -(glines - 1)
set xrange [-0.8:xmax + 0.8]
# error bars are drawn as vectors with flat heads (yerrorbars would put a marker on each bar)
# bars start at 0 so their lengths compare honestly; the printed values show small differences
set yrange [0:ymax * 1.2]
set ytics nomirror
unset grid
set grid ytics
set xtics nomirror scale 0 font ',9'
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.82
set key outside right top vertical title 'strategy' Left reverse
set bmargin glines + 3

# colour = strategy; a sweep's parameter sets: solid, then hatch patterns
pat(v) = word('3 4 5 6 7 1 2', v % 7 + 1) + 0

plot for [i=0:ncfg-1] data index 0 using ($3 == i ? $1 : NaN):7 with boxes lt cs(i) + 1 \
         fs pattern pat(cv(i)) border rgb '#333333' title word(cfgs, i+1), \
     data index 0 using 1:($7 - $8):(0):(2 * $8) with vectors heads size screen 0.006,90 \
         lc rgb '#222222' lw 1.2 notitle, \
     data index 0 using 1:($7 + $8):(sprintf('%.3f%s', $7, $4 == 1 ? ' (1 seed)' : '')) \
         with labels rotate by 90 left \
         offset 0,0.5 font ',8' notitle, \
     data index 1 using 1:(NaN):xticlabels(2) with points notitle
