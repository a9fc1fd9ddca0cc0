package dev.kestrel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings read as KESTREL_*; the KOMOS_* names of earlier versions still work. */
class EnvTest {
  @Test
  void theKestrelNameIsReadFirst() {
    Map<String, String> env = Map.of("KESTREL_DATA_DIR", "/new", "KOMOS_DATA_DIR", "/old");
    assertThat(Env.lookup("KESTREL_DATA_DIR", env::get)).isEqualTo("/new");
  }

  @Test
  void theOldKomosNameIsAnAliasWhenTheNewOneIsUnset() {
    Map<String, String> env = Map.of("KOMOS_HTTP_PORT", "9090", "KESTREL_CHROMIUM", " ");
    assertThat(Env.lookup("KESTREL_HTTP_PORT", env::get)).isEqualTo("9090");
    assertThat(Env.lookup("KESTREL_CHROMIUM", env::get)).as("blank is unset").isNull();
    assertThat(Env.lookup("KESTREL_PUBLIC_URL", env::get)).isNull();
  }
}
