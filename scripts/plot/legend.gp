# legend.gp: one legend for all panels of a multiplot, centred under the page title (gnuplot's
# own key is confined to one panel, where a long one wraps into the data). Loaded by a plot
# script before `set multiplot`, with:
#   lg_names    the entries, one gnuplot word each
#   lg_box      1: a filled box of colour lg_color(k); 0: the point lt lg_lt(k), pt lg_pt(k),
#               ps lg_ps(k); 2: a line lt lg_lt(k), lw lg_lw(k), dt lg_dt(k), with that point
#               on it when lg_ps(k) > 0
# It sets objects/arrows/labels 1000+k and 2000+k (remove them after the first panel with
# legend_off.gp) and lg_top, the pixels from the top of the canvas the legend ends at.

lg_n = words(lg_names)
array lg_x[lg_n]
array lg_r[lg_n]
array lg_w[lg_n]
lg_rows = 1
lg_cur = 0
do for [k=1:lg_n] {
    lg_w[k] = 0
}
do for [k=1:lg_n] {
    # ~7.3 px per character of a 10-point font, plus the marker and a gap
    w = strlen(word(lg_names, k)) * 7.3 + 52
    if (lg_cur > 0 && lg_cur + w > W - 80) {
        lg_rows = lg_rows + 1
        lg_cur = 0
    }
    lg_x[k] = lg_cur
    lg_r[k] = lg_rows
    lg_cur = lg_cur + w
    lg_w[lg_rows] = lg_cur
}
do for [k=1:lg_n] {
    x0 = (W - lg_w[lg_r[k]]) / 2.0 + lg_x[k]
    y = H - 44.0 - 20.0 * (lg_r[k] - 1)
    if (lg_box == 1) {
        set object 1000 + k rect from screen x0 / W, screen (y - 6) / H \
            to screen (x0 + 18) / W, screen (y + 6) / H \
            fc rgb lg_color(k) fillstyle solid 0.9 border lc rgb '#333333' front
    }
    if (lg_box == 2) {
        set arrow 1000 + k from screen x0 / W, screen y / H to screen (x0 + 18) / W, screen y / H \
            nohead lt lg_lt(k) lw lg_lw(k) dt lg_dt(k) front
    }
    if (lg_box == 0 || (lg_box == 2 && lg_ps(k) > 0)) {
        set label 1000 + k '' at screen (x0 + 9) / W, screen y / H \
            point lt lg_lt(k) pt lg_pt(k) ps lg_ps(k) lw 1.5 front
    }
    set label 2000 + k word(lg_names, k) at screen (x0 + 24) / W, screen y / H left font ',10' \
        front
}
lg_top = 44 + 20 * lg_rows
