package dev.kestrel.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles by nearest rank over latencies in milliseconds. */
record Stats(int n, double p50, double p95, double p99, double mean) {

  static Stats of(List<Double> millis) {
    List<Double> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    double sum = 0;
    for (double v : sorted) {
      sum += v;
    }
    return new Stats(
        sorted.size(),
        rank(sorted, 50),
        rank(sorted, 95),
        rank(sorted, 99),
        sorted.isEmpty() ? 0 : sum / sorted.size());
  }

  private static double rank(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }
}
