package dev.kestrel.activities.browser;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;

/**
 * One run's browser context and page on a slot. The Playwright objects are touched only on the
 * slot's thread; the flags are read and written from the activity threads too.
 */
public final class BrowserSession {
  private final String id;
  private final String runId;
  private final BrowserSlot slot;
  final BrowserContext context;
  final Page page;

  private volatile boolean cancelRequested;
  private volatile boolean busy;
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile String currentNodeId;
  private volatile boolean claimed;

  BrowserSession(String id, String runId, BrowserSlot slot, BrowserContext context, Page page) {
    this.id = id;
    this.runId = runId;
    this.slot = slot;
    this.context = context;
    this.page = page;
  }

  public String id() {
    return id;
  }

  public String runId() {
    return runId;
  }

  public BrowserSlot slot() {
    return slot;
  }

  String currentNodeId() {
    return currentNodeId;
  }

  /** Asks the step in progress to stop at its next check (every few hundred milliseconds). */
  public void requestCancel() {
    cancelRequested = true;
  }

  /** Slot thread: throws if the step was cancelled. */
  void checkCancelled() {
    if (cancelRequested) {
      throw new StepCancelledException();
    }
  }

  void beginStep(String nodeId) {
    claimed = true;
    cancelRequested = false;
    currentNodeId = nodeId;
    busy = true;
    lastUsedNanos = System.nanoTime();
  }

  void endStep() {
    busy = false;
    lastUsedNanos = System.nanoTime();
  }

  /**
   * Whether nobody wants this session any more: idle longer than {@code idleNanos} between steps,
   * or never used by any step for {@code unclaimedNanos} (its run was cancelled while it opened).
   */
  boolean abandoned(long idleNanos, long unclaimedNanos) {
    long idle = System.nanoTime() - lastUsedNanos;
    return !busy && (idle > idleNanos || (!claimed && idle > unclaimedNanos));
  }

  /** Thrown on the slot thread when a step notices it was cancelled. */
  public static final class StepCancelledException extends RuntimeException {
    StepCancelledException() {
      super("step cancelled", null, false, false);
    }
  }
}
