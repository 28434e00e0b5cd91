package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RetentionTest {

  @Test
  void days_years_andIsoPeriods_areWholeDays_aYearCounting366() {
    assertEquals(400, Retention.parse("400d").days());
    assertEquals(732, Retention.parse("2y").days());
    assertEquals(732, Retention.parse("P2Y").days());
    assertEquals(366 + 6 * 31, Retention.parse("p1y6m").days());
    assertEquals(400, Retention.parse("P400D").days());
    assertEquals(14, Retention.parse("P2W").days());
    assertEquals(0, Retention.parse("0d").days());
  }

  @Test
  void theDefault_isOneYear_andNeverShorterThanACalendarYear() {
    assertEquals(Retention.parse("P1Y"), Retention.DEFAULT);
    assertTrue(Retention.DEFAULT.days() >= 366);
  }

  @Test
  void garbage_negative_orTooLong_isRefusedNamingTheFlagAndTheValue() {
    for (String bad : new String[] {"", "1 year", "-1d", "P-1Y", "12", "1000000d", "P1001Y"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Retention.parse(bad), bad);
      assertTrue(e.getMessage().contains("retention"), e.getMessage());
    }
  }

  @Test
  void longerThan_comparesDays() {
    assertTrue(Retention.parse("400d").longerThan(Retention.DEFAULT));
    assertTrue(!Retention.DEFAULT.longerThan(Retention.parse("P1Y")));
    assertEquals("1 day", new Retention(1).toString());
    assertEquals("366 days", Retention.DEFAULT.toString());
  }
}
