package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StringMapsTest {
  private static final Gson GSON = new Gson();

  @Test
  void jsonbText_readsAsGsonReadsIt() {
    for (String json : new String[] {
        "{}", "{\"a\": \"b\"}", "{\"k\": \"\", \"risk_score\": \"0.87\"}",
        "{\"q\": \"say \\\"hi\\\" \\\\ / \\/\", \"c\": \"\\b\\f\\n\\r\\t\\u0001\\u001f\"}",
        "{\"ü\": \"日本語 \uD83D\uDD12\", \"e\": \"\\u00e9\\ud83d\\udd12\"}",
        "{\"a\":\"b\",\"c\":\"d\"}", "  {  \"a\"  :  \"b\"  }  "}) {
      assertEquals(gson(json), StringMaps.parse(json), json);
    }
  }

  @Test
  void otherShapes_areLeftToGson() {
    assertEquals(Map.of("a", "1"), StringMaps.parse("{\"a\": 1}"));
    assertEquals(Map.of("a", "b"), StringMaps.parse("{\n\"a\": \"b\"\n}"));
  }

  private static Map<String, String> gson(String json) {
    return GSON.fromJson(json, new TypeToken<Map<String, String>>() {}.getType());
  }
}
