package dev.kestrel.bench;

import dev.kestrel.bench.Report.Row;
import dev.kestrel.client.KestrelClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jdbi.v3.core.Jdbi;

/**
 * Row 4: {@code GET /task-runs/{id}} and {@code GET /tasks/{id}/runs} at 200 requests per second
 * with 10,000 runs of the task in the store, against the admin port's {@code /ping} at the same
 * rate (the floor of the HTTP stack they share).
 */
final class ReadPathBench {
  private ReadPathBench() {}

  static void run(Report report, KestrelServer server, String taskId, int storeSize, Duration each)
      throws Exception {
    KestrelClient api = server.api();
    List<String> ids = fill(server, taskId, storeSize);
    report.note("4 finished runs of the task in the store (10,000 runs of it in all)", ids.size());

    Load.Op getRun = () -> api.getRun(ids.get(ThreadLocalRandom.current().nextInt(ids.size())));
    Load.Op getList = () -> api.taskRuns(taskId);
    Load.Op ping = () -> Polling.getPlain(server.pingUrl());
    // Untimed first: the JIT compiles these paths and the database warms its page cache.
    for (Load.Op op : new Load.Op[] {getRun, getList, ping}) {
      Load.open(200, Duration.ofSeconds(3), op);
    }
    Load.Result run = Load.open(200, each, getRun);
    Load.Result list = Load.open(200, each, getList);
    Load.Result floor = Load.open(200, each, ping);
    SubmissionBench.check(run, "GET run");
    SubmissionBench.check(list, "GET list");
    Stats r = run.stats();
    Stats l = list.stats();
    Stats p = floor.stats();
    report.add(
        new Row(
            "4 GET /task-runs/{id} @200/s",
            "in-memory",
            "latency p50",
            "ms",
            r.p50(),
            p.p50(),
            "admin /ping",
            true,
            Double.NaN,
            Double.NaN));
    report.add(
        new Row(
            "4 GET /task-runs/{id} @200/s",
            "in-memory",
            "latency p99",
            "ms",
            r.p99(),
            p.p99(),
            "admin /ping",
            true,
            Double.NaN,
            25));
    report.add(
        new Row(
            "4 GET /tasks/{id}/runs @200/s",
            "in-memory",
            "latency p50",
            "ms",
            l.p50(),
            p.p50(),
            "admin /ping",
            true,
            Double.NaN,
            Double.NaN));
    report.add(
        new Row(
            "4 GET /tasks/{id}/runs @200/s",
            "in-memory",
            "latency p99",
            "ms",
            l.p99(),
            p.p99(),
            "admin /ping",
            true,
            Double.NaN,
            50));
  }

  /**
   * Adds finished runs of the task until it has {@code size}, in one statement (H2's row generator:
   * writing them one by one over the auto-server connection would take minutes), and returns the
   * ids of the task's finished runs (row 1 left the others PENDING).
   */
  private static List<String> fill(KestrelServer server, String taskId, int size) {
    Jdbi jdbi = Jdbi.create(server.databaseUrl(), "sa", "");
    return jdbi.inTransaction(
        h -> {
          String organizationId =
              h.createQuery("SELECT organization_id FROM tasks WHERE id = :t")
                  .bind("t", taskId)
                  .mapTo(String.class)
                  .one();
          int existing =
              h.createQuery("SELECT COUNT(*) FROM runs WHERE task_id = :t")
                  .bind("t", taskId)
                  .mapTo(Integer.class)
                  .one();
          long now = System.currentTimeMillis();
          h.createUpdate(
                  "INSERT INTO runs (id, organization_id, task_id, task_version, trigger_type, status, inputs, outputs, "
                      + "current_step, steps_total, workflow_started, created_at, started_at, finished_at) "
                      + "SELECT CAST(RANDOM_UUID() AS VARCHAR), :org, :task, 1, 'API', 'COMPLETED', "
                      + "'{\"orderId\": \"' || \"X\" || '\"}', '{\"status\": \"Shipped: ' || \"X\" || '\"}', 5, 5, TRUE, "
                      + ":now - (:n - \"X\") * 1000, :now - (:n - \"X\") * 1000 + 100, :now - (:n - \"X\") * 1000 + 900 "
                      + "FROM SYSTEM_RANGE(1, :n)")
              .bind("org", organizationId)
              .bind("task", taskId)
              .bind("now", now - 3_600_000L)
              .bind("n", Math.max(0, size - existing))
              .execute();
          return h.createQuery("SELECT id FROM runs WHERE task_id = :t AND status = 'COMPLETED'")
              .bind("t", taskId)
              .mapTo(String.class)
              .list();
        });
  }
}
