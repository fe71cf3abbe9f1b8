# energy.gp: energy versus makespan, one point per run coloured by strategy, one panel per
# trace x topology on machines with P and E cores. Variables: W H ttl data out fmt scriptdir,
# npanel, cols, rows, gnames, cfgs, cstrat/cvar (see common.gp), cfgI (strategy indexes present
# in panel I), tscale/tunit (ns per unit of time), escale/eunit (J per unit of energy).
# Data: cfg makespan_ns energy_j seed run_id.
load scriptdir.'/common.gp'

set xlabel sprintf('makespan (%s)', tunit)
set ylabel sprintf('energy (%s)', eunit)
set grid xtics ytics
set xtics nomirror
set ytics nomirror
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
unset key

# colour = strategy, open symbol shape = parameter set in a sweep (else strategy), size =
# configuration, so that runs with equal results stay visible (nested), not hidden
shape(c) = word('6 4 8 10 12 14 1 2 3', c % 9 + 1) + 0
size(c) = 1.1 + 0.35 * (c % 9)
form(c) = shape(nvar > 1 ? cv(c) : cs(c))

# one legend under the title listing every strategy, drawn with the first panel (the margins
# are fixed, so the panels stay aligned)
lg_names = cfgs
lg_box = 0
lg_lt(k) = cs(k - 1) + 1
lg_pt(k) = form(k - 1)
lg_ps(k) = size(k - 1)
load scriptdir.'/legend.gp'

set multiplot layout rows, cols title ttl font ',13' margins 80.0/W, 1 - 20.0/W, 60.0/H, \
    1 - (lg_top + 30.0)/H spacing 90.0/W, 110.0/H
do for [i=1:npanel] {
    set title word(gnames, i) font ',10'
    present = value(sprintf('cfg%d', i))
    if (i == 2) { load scriptdir.'/legend_off.gp' }
    plot for [c in present] data index (i - 1) \
        using ($1 == c + 0 ? $2 / tscale : NaN):($3 / escale) \
        with points lt cs(c) + 1 pt form(c) ps size(c) lw 1.5 notitle
}
unset multiplot
