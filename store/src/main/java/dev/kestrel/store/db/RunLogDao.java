package dev.kestrel.store.db;

import dev.kestrel.model.LogLevel;
import dev.kestrel.model.Timestamps;
import dev.kestrel.model.api.LogEntry;
import dev.kestrel.store.LogLine;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * Run logs. A run keeps its first {@code maxEntries} entries; later ones are counted, and a last
 * entry says how many were dropped. Order is insertion order, which is time order.
 */
public class RunLogDao {
  private static final String INSERT_ENTRY =
      "INSERT INTO run_logs (id, run_id, ts, level, message, node_id) VALUES (:id, :run, :ts, :level, :message, :node)";
  private final Jdbi jdbi;
  private final int maxEntries;
  private final int maxMessageChars;

  public RunLogDao(Jdbi jdbi, int maxEntries, int maxMessageChars) {
    this.jdbi = jdbi;
    this.maxEntries = maxEntries;
    this.maxMessageChars = maxMessageChars;
  }

  public void append(String runId, LogLevel level, String message, String nodeId) {
    append(runId, List.of(new LogLine(level, message, nodeId)));
  }

  /**
   * Appends {@code lines} in order, in one transaction: a step's last entries and what the browser
   * said during it cost one commit, not two per entry. The run's counters are locked while its room
   * is counted, so concurrent writers never exceed the bound.
   */
  public void append(String runId, List<LogLine> lines) {
    if (!lines.isEmpty()) {
      jdbi.useTransaction(h -> append(h, runId, lines));
    }
  }

  /** The same within the caller's transaction. */
  public void append(org.jdbi.v3.core.Handle h, String runId, List<LogLine> lines) {
    Optional<Integer> count =
        h.createQuery("SELECT log_count FROM run_log_counts WHERE run_id = :id FOR UPDATE")
            .bind("id", runId)
            .mapTo(Integer.class)
            .findOne();
    if (count.isEmpty()) {
      return; // No such run: nothing to attach the entries to.
    }
    int kept = Math.min(lines.size(), Math.max(0, maxEntries - count.get()));
    if (kept > 0) {
      PreparedBatch insert = h.prepareBatch(INSERT_ENTRY);
      long now = System.currentTimeMillis();
      for (LogLine line : lines.subList(0, kept)) {
        bindEntry(insert, runId, now, line.level(), line.message(), line.nodeId()).add();
      }
      insert.execute();
    }
    h.createUpdate(
            "UPDATE run_log_counts SET log_count = log_count + :kept, log_dropped = log_dropped + :dropped WHERE run_id = :id")
        .bind("kept", kept)
        .bind("dropped", lines.size() - kept)
        .bind("id", runId)
        .execute();
  }

  /** Once a run is terminal: says how many entries the bound dropped, if any. */
  public void appendDroppedNotice(String runId) {
    jdbi.useHandle(
        h -> {
          int dropped =
              h.createQuery("SELECT log_dropped FROM run_log_counts WHERE run_id = :id")
                  .bind("id", runId)
                  .mapTo(Integer.class)
                  .findOne()
                  .orElse(0);
          if (dropped > 0) {
            insert(
                h,
                runId,
                LogLevel.WARNING,
                dropped + " later log entries were dropped: a run keeps at most " + maxEntries,
                null);
          }
        });
  }

  private void insert(
      org.jdbi.v3.core.Handle h, String runId, LogLevel level, String message, String nodeId) {
    bindEntry(
            h.createUpdate(INSERT_ENTRY), runId, System.currentTimeMillis(), level, message, nodeId)
        .execute();
  }

  private <S extends SqlStatement<S>> S bindEntry(
      S statement, String runId, long ts, LogLevel level, String message, String nodeId) {
    String text =
        message.length() > maxMessageChars
            ? message.substring(0, maxMessageChars - 1) + "…"
            : message;
    return statement
        .bind("id", UUID.randomUUID().toString())
        .bind("run", runId)
        .bind("ts", ts)
        .bind("level", level.name())
        .bind("message", text)
        .bind("node", nodeId);
  }

  /** Entries of a run in order; only those after the entry {@code afterId} when given. */
  public List<LogEntry> list(String runId, String afterId) {
    return jdbi.withHandle(
        h -> {
          long afterSeq = 0;
          if (afterId != null) {
            Optional<Long> seq =
                h.createQuery("SELECT seq FROM run_logs WHERE id = :id AND run_id = :run")
                    .bind("id", afterId)
                    .bind("run", runId)
                    .mapTo(Long.class)
                    .findOne();
            afterSeq = seq.orElse(0L);
          }
          return h.createQuery(
                  "SELECT id, ts, level, message, node_id FROM run_logs "
                      + "WHERE run_id = :run AND seq > :after ORDER BY seq")
              .bind("run", runId)
              .bind("after", afterSeq)
              .map((rs, ctx) -> entry(rs))
              .list();
        });
  }

  /** An entry with its position in the store's order, which webhook log batches use as a cursor. */
  public record Numbered(long seq, LogEntry entry) {}

  /** Up to {@code limit} entries of a run after position {@code afterSeq}, in order. */
  public List<Numbered> afterSeq(String runId, long afterSeq, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "SELECT seq, id, ts, level, message, node_id FROM run_logs "
                        + "WHERE run_id = :run AND seq > :after ORDER BY seq LIMIT :limit")
                .bind("run", runId)
                .bind("after", afterSeq)
                .bind("limit", limit)
                .map((rs, ctx) -> new Numbered(rs.getLong("seq"), entry(rs)))
                .list());
  }

  private static LogEntry entry(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new LogEntry(
        rs.getString("id"),
        Timestamps.iso(rs.getLong("ts")),
        LogLevel.valueOf(rs.getString("level")),
        rs.getString("message"),
        rs.getString("node_id"));
  }
}
