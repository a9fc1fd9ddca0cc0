package dev.kestrel.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.LoggerFactory;

/**
 * Every setting from the environment is read here, under its {@code KESTREL_*} name: the defaults
 * of a server started without a configuration file, and each {@code ${KESTREL_...}} of a
 * configuration file (the substitutor's lookup is {@link #lookup}). The {@code KOMOS_*} names of
 * earlier versions are aliases: they are read when the new name is not set, with a warning naming
 * the new one. A blank value counts as unset.
 */
public final class Env {
  static final String PREFIX = "KESTREL_";
  static final String OLD_PREFIX = "KOMOS_";

  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private Env() {}

  /** The value of {@code name} ({@code KESTREL_...}), of its {@code KOMOS_...} alias, or null. */
  public static String lookup(String name) {
    return lookup(name, System::getenv);
  }

  static String lookup(String name, Function<String, String> environment) {
    String value = blankAsNull(environment.apply(name));
    if (value != null || !name.startsWith(PREFIX)) {
      return value;
    }
    String alias = OLD_PREFIX + name.substring(PREFIX.length());
    value = blankAsNull(environment.apply(alias));
    if (value != null && WARNED.add(alias)) {
      LoggerFactory.getLogger(Env.class)
          .warn("{} is an old name: set {} instead (the old one still works)", alias, name);
    }
    return value;
  }

  public static String get(String name, String fallback) {
    String value = lookup(name);
    return value == null ? fallback : value;
  }

  public static int getInt(String name, int fallback) {
    String value = lookup(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new StartupFailure(name + " must be a whole number, got '" + value + "'");
    }
  }

  private static String blankAsNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
