package dev.kestrel.model;

import java.util.Map;

/**
 * What a run waits for while an {@code input} step holds it (SPEC 10), as the workflow knows it:
 * the step, its prompt (templates rendered) and fields, when the wait ends, and the wait's number
 * in the run (each execution of an input step is a new wait, so a link to an old one is used up).
 * Carries no value and no link: the link is signed by the API when it shows the run.
 */
public record WaitingFor(
    String stepId,
    String prompt,
    Map<String, FieldSpec> fields,
    long expiresAtMillis,
    int waitNumber) {}
