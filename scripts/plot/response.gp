# response.gp: response-time CDF per strategy, one panel per trace x topology. Variables: W H ttl
# data out fmt scriptdir, npanel, cols, rows, gnames, cfgs (strategy labels), cstrat/cvar (see
# common.gp); per panel I:
# cblkI (data blocks with a CDF from per-process rows) and ccfgI (their strategy indexes),
# sblkI/scfgI (blocks with only the p50/p95/p99 of the run summaries); lkinds (per strategy: 1
# CDF, 2 summary points, 3 both). Data: resp_ns fraction.
load scriptdir.'/common.gp'

set logscale x
set xtics ('1 ns' 1, '10 ns' 10, '100 ns' 100, '1 µs' 1e3, '10 µs' 1e4, '100 µs' 1e5, \
           '1 ms' 1e6, '10 ms' 1e7, '100 ms' 1e8, '1 s' 1e9, '10 s' 1e10, '100 s' 1e11) nomirror
set mxtics 10
set yrange [0:1.02]
set ytics 0, 0.1 nomirror
set grid xtics ytics
set xlabel 'response time, spawn to exit (log scale)'
set ylabel 'fraction of processes (CDF)'
unset key

# equal curves lie on top of each other: the later a strategy, the thinner its line, so every
# colour still shows at the edges
width(c) = (c < 6 ? 4.2 - 0.6 * c : 1)
# gnuplot evaluates the expressions of an empty 'for' once: word() of an empty list is ''
num(s) = (s eq '' ? 0 : s + 0)

# one legend for all panels under the title; the margins are fixed, so the panels stay aligned
# when no strategy has per-process rows, say so once in the title instead of in every entry
allsum = 1
do for [c=1:words(lkinds)] {
    if (word(lkinds, c) ne '2') { allsum = 0 }
}
sfx(k) = (allsum ? '' : k == 2 ? ' (p50/p95/p99 only)' \
          : k == 3 ? ' (points: p50/p95/p99 only)' : '')
if (allsum) { ttl = ttl.': p50, p95, p99 only (runs without per-process rows)' }
lg_names = ''
do for [c=1:words(cfgs)] {
    lg_names = lg_names.sprintf(' "%s%s"', word(cfgs, c), sfx(word(lkinds, c) + 0))
}
lg_box = 2
lg_lt(k) = cs(k - 1) + 1
lg_lw(k) = (word(lkinds, k) eq '2' ? 1.2 : width(k - 1))
lg_dt(k) = cv(k - 1) + 1
lg_pt(k) = 7
lg_ps(k) = (word(lkinds, k) eq '1' ? 0 : 1.2)
load scriptdir.'/legend.gp'

# the right margin leaves room for half of the last tic label ('1 ms' on the right border)
set multiplot layout rows, cols title ttl font ',13' margins 80.0/W, 1 - 36.0/W, 60.0/H, \
    1 - (lg_top + 30.0)/H spacing 90.0/W, 110.0/H
do for [i=1:npanel] {
    set title word(gnames, i) font ',10'
    if (i == 2) { load scriptdir.'/legend_off.gp' }
    cblk = value(sprintf('cblk%d', i))
    ccfg = value(sprintf('ccfg%d', i))
    sblk = value(sprintf('sblk%d', i))
    scfg = value(sprintf('scfg%d', i))
    plot for [k=1:words(cblk)] data index num(word(cblk, k)) using 1:2 with lines \
             lt cs(num(word(ccfg, k))) + 1 dt cv(num(word(ccfg, k))) + 1 \
             lw width(num(word(ccfg, k))) notitle, \
         for [k=1:words(sblk)] data index num(word(sblk, k)) using 1:2 with linespoints \
             lt cs(num(word(scfg, k))) + 1 dt cv(num(word(scfg, k))) + 1 lw 1.2 pt 7 ps 1.2 \
             notitle
}
unset multiplot
