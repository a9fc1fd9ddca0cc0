package dev.kestrel.store;

import dev.kestrel.store.db.UploadFileDao;
import java.util.Collection;
import java.util.List;

/**
 * The files upload steps put in pages (SPEC 11), kept sealed ({@link Sealer}, bound to the
 * organization and the bytes' digest) in the store, which the API and every worker reach. A task
 * keeps its own; a run gets its copy when it is accepted, so that a task edited or deleted later
 * does not take a queued run's file away. Only the digest travels in definitions and workflows.
 */
public final class UploadFiles {
  private final UploadFileDao dao;
  private final Sealer sealer;

  public UploadFiles(UploadFileDao dao, Sealer sealer) {
    this.dao = dao;
    this.sealer = sealer;
  }

  /** The digest a file is kept by: the SHA-256 of its bytes, in hex. */
  public static String digest(byte[] content) {
    return Checkpoints.sha256(content);
  }

  /** Keeps {@code content} as a file of {@code owner} (a task or a run); returns its digest. */
  public String keep(String organizationId, String owner, byte[] content) {
    String sha256 = digest(content);
    dao.save(
        owner,
        organizationId,
        sha256,
        sealer.seal(content, boundTo(organizationId, sha256)),
        content.length);
    return sha256;
  }

  /**
   * The bytes of {@code owner}'s file with digest {@code sha256}.
   *
   * @throws FileUnavailable when it is not kept, or cannot be opened
   */
  public byte[] open(String owner, String sha256) {
    UploadFileDao.Row row =
        dao.find(owner, sha256)
            .orElseThrow(() -> new FileUnavailable("the file " + sha256 + " is not kept"));
    byte[] content;
    try {
      content = sealer.open(row.sealed(), boundTo(row.organizationId(), sha256));
    } catch (Sealer.SealedValueException e) {
      throw new FileUnavailable("the file " + sha256 + " cannot be opened: " + e.getMessage());
    }
    if (!digest(content).equals(sha256)) {
      throw new FileUnavailable("the file " + sha256 + " does not have its digest");
    }
    return content;
  }

  /** Whether {@code owner} keeps the file with digest {@code sha256}. */
  public boolean has(String owner, String sha256) {
    return dao.find(owner, sha256).isPresent();
  }

  /** Copies {@code from}'s files with these digests to {@code to}; returns those it lacks. */
  public List<String> copy(
      String organizationId, String from, String to, Collection<String> sha256s) {
    return dao.copy(from, to, organizationId, sha256s);
  }

  /** Forgets {@code owner}'s files but those with {@code kept} digests. */
  public void keepOnly(String owner, Collection<String> kept) {
    dao.deleteAllBut(owner, kept);
  }

  private static String boundTo(String organizationId, String sha256) {
    return "upload/" + organizationId + "/" + sha256;
  }

  /** A file an upload step cannot have: the step fails, saying so. */
  public static final class FileUnavailable extends RuntimeException {
    public FileUnavailable(String message) {
      super(message, null, false, false);
    }
  }
}
