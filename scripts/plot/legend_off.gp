# legend_off.gp: remove the legend of legend.gp (after the first panel drew it).
do for [k=1:lg_n] {
    unset object 1000 + k
    unset arrow 1000 + k
    unset label 1000 + k
    unset label 2000 + k
}
