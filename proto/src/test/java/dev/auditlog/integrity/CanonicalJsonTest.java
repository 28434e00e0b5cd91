package dev.auditlog.integrity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Strings that UTF-8 cannot encode have no canonical form: an unpaired surrogate is refused
 * rather than written and then turned into {@code ?} by {@code getBytes(UTF_8)}, which would
 * make the Java hash differ from every other implementation's refusal.
 */
class CanonicalJsonTest {

  @Test
  void string_loneHighSurrogate_isRefusedNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new CanonicalJson().string("a\ud800b"));

    assertTrue(e.getMessage().contains("U+D800 at index 1"), e.getMessage());
  }

  @Test
  void string_loneLowSurrogate_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new CanonicalJson().string("\udc00"));
  }

  @Test
  void string_highSurrogateAtTheEnd_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new CanonicalJson().string("x\ud83d"));
  }

  @Test
  void string_pairInTheWrongOrder_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new CanonicalJson().string("\ude00\ud83d"));
  }

  @Test
  void string_loneSurrogateAmongEscapes_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new CanonicalJson().string("\"\n\ud800"));
  }

  @Test
  void string_surrogatePair_isWrittenAsItIs() {
    String json = new CanonicalJson().string("smile \ud83d\ude00\t").toString();

    assertEquals("\"smile \ud83d\ude00\\t\"", json);
    assertEquals("\"smile 😀\\t\"", new String(json.getBytes(StandardCharsets.UTF_8),
        StandardCharsets.UTF_8));
  }

  @Test
  void object_mapKeyWithLoneSurrogate_isRefused() {
    assertThrows(IllegalArgumentException.class,
        () -> new CanonicalJson().object(Map.of("k\udbff", "v")));
  }
}
