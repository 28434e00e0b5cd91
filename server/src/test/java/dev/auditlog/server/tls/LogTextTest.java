package dev.auditlog.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LogTextTest {
  @Test
  void of_plainNameAndDn_isUnchanged() {
    assertEquals("CN=Audit Dev CA", LogText.of("CN=Audit Dev CA"));
    assertEquals("CN=a\\,b, O=Zürich 東京 😀", LogText.of("CN=a\\,b, O=Zürich 東京 😀"));
  }

  @Test
  void of_newlineAndCarriageReturn_areEscapedSoNoLineCanBeForged() {
    String forged = "auditor\r\n2026-12-01 [main] INFO audit server stopped";

    String safe = LogText.of(forged);

    assertEquals("auditor\\u000d\\u000a2026-12-01 [main] INFO audit server stopped", safe);
    assertTrue(safe.lines().count() == 1, safe);
  }

  @ParameterizedTest(name = "U+{0}")
  @ValueSource(ints = {0x00, 0x07, 0x09, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f, 0x2028,
      0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x200e,
      0x200f, 0x061c, 0xd800, 0xdfff})
  void of_controlBidiAndSeparatorCharacters_areEscapedAsUnicodeEscapes(int c) {
    assertEquals("a" + String.format("\\u%04x", c) + "b", LogText.of("a" + (char) c + "b"));
  }

  @Test
  void of_printableNeighboursOfEscapedRanges_areKept() {
    String kept = " ~\u00a0\u2027\u202f\u2065\u206a";

    assertEquals(kept, LogText.of(kept));
  }

  @Test
  void of_longText_isCutWithTheCountOfWhatWasLeftOut() {
    String safe = LogText.of("x".repeat(LogText.MAX_CHARS + 10));

    assertEquals("x".repeat(LogText.MAX_CHARS) + "...(10 more characters)", safe);
  }

  @Test
  void of_cutInsideASurrogatePair_keepsThePairWhole() {
    String text = "x".repeat(LogText.MAX_CHARS - 1) + "😀" + "y";

    String safe = LogText.of(text);

    assertEquals("x".repeat(LogText.MAX_CHARS - 1) + "...(3 more characters)", safe);
  }

  @Test
  void of_null_isTheWordNull() {
    assertEquals("null", LogText.of(null));
  }
}
