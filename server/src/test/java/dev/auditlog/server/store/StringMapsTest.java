package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class StringMapsTest {
  private static final Gson GSON = new Gson();

  @Test
  void jsonbText_readsAsGsonReadsIt() {
    for (String json : new String[] {
        "{}", "{\"a\": \"b\"}", "{\"k\": \"\", \"risk_score\": \"0.87\"}",
        "{\"q\": \"say \\\"hi\\\" \\\\ / \\/\", \"c\": \"\\b\\f\\n\\r\\t\\u0001\\u001f\"}",
        "{\"ü\": \"日本語 \uD83D\uDD12\", \"e\": \"\\u00e9\\ud83d\\udd12\"}",
        "{\"a\":\"b\",\"c\":\"d\"}", "  {  \"a\"  :  \"b\"  }  ",
        // plain strings before, between and after escaped ones, which take the slow path
        "{\"p\": \"x\", \"e\": \"a\\\"b\", \"q\": \"y\", \"k\\\\\": \"v\\\\\", \"z\": \"\"}",
        "{\"a\\\\b\": \"c\", \"d\": \"e\\u0041\"}"}) {
      assertEquals(gson(json), StringMaps.parse(json), json);
    }
  }

  @Test
  void otherShapes_areLeftToGson() {
    assertEquals(Map.of("a", "1"), StringMaps.parse("{\"a\": 1}"));
    assertEquals(Map.of("a", "b"), StringMaps.parse("{\n\"a\": \"b\"\n}"));
    Map<String, String> into = new TreeMap<>();
    StringMaps.parse("{\"a\": \"x\", \"b\": 1, \"c\": \"y\"}", into::put);
    assertEquals(Map.of("a", "x", "b", "1", "c", "y"), into);
  }

  private static Map<String, String> gson(String json) {
    return GSON.fromJson(json, new TypeToken<Map<String, String>>() {}.getType());
  }
}
