package dev.kestrel.client;

import java.net.URI;
import java.net.http.HttpHeaders;

/**
 * One request and its answer, as an observer sees it (for logging, metrics, or checking answers
 * against the OpenAPI document). {@code body} is the answer's text when it is JSON, else null.
 */
public record Exchange(String method, URI uri, int status, HttpHeaders headers, String body) {}
