package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GuardedInsertTest {
  @Test
  void json_ofStringsWithQuotesBackslashesControlAndNonAsciiCharacters_readsBackTheSame() {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("quote\"key", "back\\slash");
    map.put("tab\tnew\nline", "\u0001\u001f bell");
    map.put("ünïcödé ✓", "\uD83D\uDE00 emoji / slash");
    map.put("", "");

    String json = GuardedInsert.json(map);

    assertEquals(map, new Gson().fromJson(json, new TypeToken<Map<String, String>>() {}.getType()));
  }

  @Test
  void json_ofNoMembers_isAnEmptyObject() {
    assertEquals("{}", GuardedInsert.json(Map.of()));
  }
}
