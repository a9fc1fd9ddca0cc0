package dev.kestrel.workflows;

import java.util.Map;

/**
 * An answer to a run's input step, as the API hands it to the run's workflow (the {@code
 * submitInput} update). It goes into the workflow's history, so a {@code secret} value is in it
 * only sealed ({@link SealedText}), with a keyed fingerprint that lets a repeat of the same answer
 * be told from another.
 *
 * @param waitNumber the wait it answers (an input link is bound to one), or null: the current one
 * @param values by field name; a secret's is its sealed form
 * @param fingerprints by secret field name: a keyed digest of the value in clear
 */
public record InputAnswer(
    String stepId,
    Integer waitNumber,
    Map<String, Object> values,
    Map<String, String> fingerprints) {}
