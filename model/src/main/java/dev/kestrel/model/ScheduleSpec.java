package dev.kestrel.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/** A task's schedule: a cron expression read in a time zone, and the inputs scheduled runs get. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduleSpec(String cron, String timezone, Map<String, Object> inputs) {}
