package dev.kestrel.model.api;

/** A file a run produced (extension): a step's screenshot, a session's Playwright trace. */
public record Artifact(String name, String url, long bytes) {}
