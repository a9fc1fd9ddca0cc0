package dev.kestrel.model;

/**
 * {@code currentStep} is the 1-based step being executed; equal to {@code stepsTotal} after
 * success.
 */
public record Progress(int currentStep, int stepsTotal) {}
