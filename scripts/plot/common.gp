# common.gp: terminal, fonts and colours shared by every schedlab plot script.
#
# Every script is run by `schedlab plot` as
#   gnuplot -e "W=..; H=..; ttl='..'; ...; data='DIR/NAME.dat'; out='DIR/NAME'; fmt='png'; \
#               scriptdir='scripts/plot'" scripts/plot/KIND.gp
# once with fmt='png' and once with fmt='svg'; it loads this file first.

set encoding utf8
if (fmt eq 'svg') {
    set terminal svg size W,H dynamic font 'DejaVu Sans,10' background '#ffffff'
} else {
    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {
        set terminal pngcairo size W,H font 'DejaVu Sans,10' background '#ffffff'
    } else {
        set terminal png size W,H background '#ffffff'
    }
}
set output out.'.'.fmt
# labels are trace specs and parameter names: '_' and '^' must stay literal
set termoption noenhanced

# Strategy colours (linetype k = the experiment's k-th strategy), colour-blind safe first.
set linetype 1 lc rgb '#0072B2' lw 2 pt 7
set linetype 2 lc rgb '#E69F00' lw 2 pt 5
set linetype 3 lc rgb '#009E73' lw 2 pt 9
set linetype 4 lc rgb '#CC79A7' lw 2 pt 11
set linetype 5 lc rgb '#56B4E9' lw 2 pt 13
set linetype 6 lc rgb '#D55E00' lw 2 pt 15
set linetype 7 lc rgb '#000000' lw 2 pt 7
set linetype 8 lc rgb '#F0E442' lw 2 pt 5
set linetype 9 lc rgb '#999999' lw 2 pt 9
set linetype 10 lc rgb '#882255' lw 2 pt 11
set linetype cycle 10

set border lw 1
set grid lc rgb '#dddddd' lw 1

# Configuration k (0-based) of an experiment: colour by its strategy, and in a parameter sweep
# its parameter set told apart by fill pattern, dash or symbol (cstrat, cvar: word lists).
cs(k) = word(cstrat, k + 1) + 0
cv(k) = word(cvar, k + 1) + 0
nvar = 1
if (exists('cvar')) {
    do for [w in cvar] {
        if (w + 1 > nvar) { nvar = w + 1 }
    }
}
