# results.png of perf/load/run.py. Variables set with -e: datafile (three
# blocks: req/s, CPU µs/req, bytes RSS per idle connection; each starts with
# a header row of proxy names), outfile, ncols (proxies), plottitle, panels
# (3 with the RSS block, 2 without).
set terminal pngcairo size 1400,1100 font "sans,10" noenhanced
set output outfile
set datafile missing "NaN"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key outside right top vertical
set multiplot layout panels,1 title plottitle
set logscale y
set ylabel "req/s (median, log scale)"
plot for [i=2:ncols+1] datafile index 0 using i:xtic(1) title columnheader(i)
set ylabel "proxy CPU µs per request (log scale)"
plot for [i=2:ncols+1] datafile index 1 using i:xtic(1) title columnheader(i)
if (panels > 2) {
  unset logscale y
  set yrange [0:*]
  set ylabel "bytes RSS per idle connection"
  plot for [i=2:ncols+1] datafile index 2 using i:xtic(1) title columnheader(i)
}
unset multiplot
