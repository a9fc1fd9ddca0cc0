package dev.kestrel.store;

import dev.kestrel.store.db.CheckpointDao;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where a worker keeps a run's browser state after each completed step, and where the next session
 * finds it: sealed ({@link Sealer}, bound to the run and the step) in the store, which every worker
 * reaches. The workflow carries only the step and the sealed value's digest.
 */
public final class Checkpoints {
  private final CheckpointDao dao;
  private final Sealer sealer;
  private final int maxBytes;

  public Checkpoints(CheckpointDao dao, Sealer sealer, int maxBytes) {
    this.dao = dao;
    this.sealer = sealer;
    this.maxBytes = maxBytes;
  }

  /** The largest state kept, before sealing. */
  public int maxBytes() {
    return maxBytes;
  }

  /** A state sealed for its run and step, not yet stored, and its digest. */
  public record Sealed(String runId, int step, byte[] bytes, String digest) {}

  /**
   * Seals the state after {@code step}; the caller has checked its size against {@link #maxBytes()}
   * and stores it (with the step's last log lines: {@code JdbiRunRecorder.stepEnds}).
   */
  public Sealed seal(String runId, int step, byte[] state) {
    byte[] sealed = sealer.seal(state, boundTo(runId, step));
    return new Sealed(runId, step, sealed, sha256(sealed));
  }

  /**
   * Seals and keeps the state after {@code step}; returns its digest, or null when the run's row is
   * gone.
   */
  public String keep(String runId, int step, byte[] state) {
    Sealed sealed = seal(runId, step, state);
    return dao.save(runId, step, sealed.bytes(), sealed.digest()) ? sealed.digest() : null;
  }

  /**
   * The state after {@code step}, as kept with {@code digest}.
   *
   * @throws CheckpointUnavailable when it is gone, was replaced, or cannot be opened
   */
  public byte[] restore(String runId, int step, String digest) {
    byte[] sealed =
        dao.find(runId, step, digest)
            .orElseThrow(
                () -> new CheckpointUnavailable("the checkpoint " + named(step) + " is gone"));
    try {
      return sealer.open(sealed, boundTo(runId, step));
    } catch (Sealer.SealedValueException e) {
      throw new CheckpointUnavailable(
          "the checkpoint " + named(step) + " cannot be opened: " + e.getMessage());
    }
  }

  /** A row as messages name it: {@code of step 3}, or {@code in the loop of step 3}. */
  private static String named(int row) {
    return row >= 0 ? "of step " + row : "in the loop of step " + (-row / 2);
  }

  private static String boundTo(String runId, int step) {
    return "checkpoint/" + runId + "/" + step;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A checkpoint that cannot be restored: the run goes on without it (it starts over). */
  public static final class CheckpointUnavailable extends RuntimeException {
    public CheckpointUnavailable(String message) {
      super(message, null, false, false);
    }
  }
}
