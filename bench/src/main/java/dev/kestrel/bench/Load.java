package dev.kestrel.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Load drivers: a closed loop of N clients, and an open loop at a fixed rate. */
final class Load {
  private Load() {}

  interface Op {
    void run() throws Exception;
  }

  record Result(List<Double> latenciesMs, double seconds, int errors) {
    double perSecond() {
      return latenciesMs.size() / seconds;
    }

    Stats stats() {
      return Stats.of(latenciesMs);
    }
  }

  /**
   * {@code total} operations by {@code concurrency} clients, each starting its next as soon as one
   * ends.
   */
  static Result closed(int concurrency, int total, Op op) throws InterruptedException {
    List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    AtomicInteger errors = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(concurrency);
    CountDownLatch done = new CountDownLatch(concurrency);
    long start = System.nanoTime();
    for (int c = 0; c < concurrency; c++) {
      clients.execute(
          () -> {
            try {
              while (next.getAndIncrement() < total) {
                long t = System.nanoTime();
                try {
                  op.run();
                  latencies.add((System.nanoTime() - t) / 1e6);
                } catch (Exception e) {
                  errors.incrementAndGet();
                }
              }
            } finally {
              done.countDown();
            }
          });
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    clients.shutdown();
    return new Result(latencies, seconds, errors.get());
  }

  /**
   * Requests at a fixed rate whatever the answers' speed; latency counts from when a request was
   * due, so a slow answer that delays the next ones is not hidden (no coordinated omission).
   */
  static Result open(double perSecond, Duration duration, Op op) throws InterruptedException {
    List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger errors = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(64);
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    long periodNanos = (long) (1e9 / perSecond);
    int count = (int) (duration.toNanos() / periodNanos);
    CountDownLatch done = new CountDownLatch(count);
    long start = System.nanoTime();
    for (int i = 0; i < count; i++) {
      long due = start + i * periodNanos;
      ticker.schedule(
          () ->
              workers.execute(
                  () -> {
                    try {
                      op.run();
                      latencies.add((System.nanoTime() - due) / 1e6);
                    } catch (Exception e) {
                      errors.incrementAndGet();
                    } finally {
                      done.countDown();
                    }
                  }),
          due - System.nanoTime(),
          TimeUnit.NANOSECONDS);
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    ticker.shutdown();
    workers.shutdown();
    return new Result(latencies, seconds, errors.get());
  }
}
