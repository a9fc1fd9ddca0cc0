package dev.kestrel.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An upstream proxy as the API shows it (SPEC 12): its address and username, and whether it has a
 * password, never the password.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Proxy(
    String id,
    String name,
    String server,
    String username,
    boolean hasPassword,
    String createdAt) {}
