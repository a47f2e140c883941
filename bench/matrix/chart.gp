# Bar chart of each datapath's rates as a ratio to the kernel path, one panel per pod MTU.
# Usage: gnuplot -e "data='chart.dat'; output='chart.png'; titles='1500 9000'" chart.gp
# `data` holds one block per pod MTU, as bench/matrix/report.py writes it.

panels = words(titles)
set terminal pngcairo size 560 * panels + 80, 420 font "sans,9"
set output output
set multiplot layout 1, panels title "Ratio to the kernel path (log scale, higher is better)"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [0.01:10]
set ytics ("0.01" 0.01, "0.1" 0.1, "0.5" 0.5, "1" 1, "2" 2, "10" 10)
set grid ytics
set key top right font "sans,8"
set xtics nomirror
set bmargin 3

do for [i = 1:panels] {
    set title sprintf("pod MTU %s", word(titles, i))
    plot data index (i - 1) using 2:xtic(1) title "masqd" lc rgb "#d62728", \
         '' index (i - 1) using 3 title "kernel" lc rgb "#7f7f7f", \
         '' index (i - 1) using 4 title "pasta" lc rgb "#1f77b4", \
         '' index (i - 1) using 5 title "slirp4netns" lc rgb "#ff7f0e", \
         '' index (i - 1) using 6 title "no NAT" lc rgb "#2ca02c", \
         1 notitle with lines lc rgb "black" dt 2
}
unset multiplot
