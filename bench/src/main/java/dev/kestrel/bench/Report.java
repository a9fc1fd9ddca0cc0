package dev.kestrel.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The rows: ours, the baseline measured in the same run, their ratio, and the target if any. */
final class Report {
  /**
   * @param lowerIsBetter whether the target bounds the ratio (or value) from above
   * @param targetRatio the ratio ours/baseline must stay within, or NaN
   * @param targetValue the absolute bound of ours, or NaN
   */
  record Row(
      String row,
      String engine,
      String metric,
      String unit,
      double ours,
      double baseline,
      String baselineName,
      boolean lowerIsBetter,
      double targetRatio,
      double targetValue) {

    double ratio() {
      return ours / baseline;
    }

    String target() {
      String op = lowerIsBetter ? "≤ " : "≥ ";
      if (!Double.isNaN(targetRatio)) {
        return op + fmt(targetRatio) + "×";
      }
      if (!Double.isNaN(targetValue)) {
        return op + fmt(targetValue) + " " + unit;
      }
      return "";
    }

    /** Null when the row has no target. */
    Boolean holds() {
      if (!Double.isNaN(targetRatio)) {
        return lowerIsBetter ? ratio() <= targetRatio : ratio() >= targetRatio;
      }
      if (!Double.isNaN(targetValue)) {
        return lowerIsBetter ? ours <= targetValue : ours >= targetValue;
      }
      return null;
    }
  }

  private final List<Row> rows = new ArrayList<>();
  private final Map<String, Object> notes = new LinkedHashMap<>();

  void add(Row row) {
    rows.add(row);
    System.out.println("  " + line(row));
  }

  /** A row added before, by its row, engine and metric. */
  Row find(String row, String engine, String metric) {
    return rows.stream()
        .filter(r -> r.row().equals(row) && r.engine().equals(engine) && r.metric().equals(metric))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("no row " + row + " / " + engine + " / " + metric));
  }

  void note(String key, Object value) {
    notes.put(key, value);
    System.out.println("  " + key + ": " + value);
  }

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("| row | engine | metric | ours | baseline | ratio | target | holds |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      Boolean holds = r.holds();
      md.append("| ")
          .append(r.row())
          .append(" | ")
          .append(r.engine())
          .append(" | ")
          .append(r.metric())
          .append(" | ")
          .append(fmt(r.ours()))
          .append(' ')
          .append(r.unit())
          .append(" | ")
          .append(fmt(r.baseline()))
          .append(' ')
          .append(r.unit())
          .append(" (")
          .append(r.baselineName())
          .append(')')
          .append(" | ")
          .append(fmt(r.ratio()))
          .append("×")
          .append(" | ")
          .append(r.target())
          .append(" | ")
          .append(holds == null ? "" : holds ? "yes" : "**no**")
          .append(" |\n");
    }
    return md.toString();
  }

  void write(Path out) throws IOException {
    Files.createDirectories(out);
    Map<String, Object> json = new LinkedHashMap<>();
    List<Map<String, Object>> list = new ArrayList<>();
    for (Row r : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("row", r.row());
      m.put("engine", r.engine());
      m.put("metric", r.metric());
      m.put("unit", r.unit());
      m.put("ours", r.ours());
      m.put("baseline", r.baseline());
      m.put("baselineName", r.baselineName());
      m.put("ratio", r.ratio());
      m.put("target", r.target());
      m.put("holds", r.holds());
      list.add(m);
    }
    json.put("rows", list);
    json.put("notes", notes);
    new ObjectMapper()
        .enable(SerializationFeature.INDENT_OUTPUT)
        .writeValue(out.resolve("bench-results.json").toFile(), json);
    Files.writeString(out.resolve("bench-results.md"), markdown());
  }

  private static String line(Row r) {
    Boolean holds = r.holds();
    return String.format(
        Locale.ROOT,
        "%-34s %-9s %-22s ours %10s  baseline %10s  ratio %6s  %s",
        r.row(),
        r.engine(),
        r.metric(),
        fmt(r.ours()),
        fmt(r.baseline()),
        fmt(r.ratio()),
        holds == null ? "" : (holds ? "ok " : "MISS ") + r.target());
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (Math.abs(v) >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (Math.abs(v) >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
