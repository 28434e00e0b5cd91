package dev.auditlog.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The tile paths of c2sp.org/tlog-tiles, with the spec's own example index. */
class TilePathsTest {

  @Test
  void index_isWrittenInGroupsOfThree_allButTheLastPrefixedWithX() {
    assertEquals("000", TilePaths.index(0));
    assertEquals("067", TilePaths.index(67));
    assertEquals("x001/000", TilePaths.index(1000));
    assertEquals("x001/x234/067", TilePaths.index(1234067));
  }

  @Test
  void parse_readsLevelIndexAndWidth() {
    assertEquals(new TilePaths.Tile(0, 1234067, 256),
        TilePaths.parse("tile/0/x001/x234/067").orElseThrow());
    assertEquals(new TilePaths.Tile(2, 5, 17), TilePaths.parse("tile/2/005.p/17").orElseThrow());
    assertEquals(new TilePaths.Tile(-1, 1000, 255),
        TilePaths.parse("tile/entries/x001/000.p/255").orElseThrow());
  }

  @Test
  void parse_refusesAnythingNotCanonical() {
    for (String path : List.of("tile/0/1", "tile/0/x000/001", "tile/0/001/002",
        "tile/0/001.p/0", "tile/0/001.p/256", "tile/0/001.p/017", "tile/8/001", "tile/00/001",
        "tile/0/001/", "tile/0/001.p/", "tile/entries/001.p/300", "tile//001",
        "tile/0/x1000000000000000/000")) {
      assertTrue(TilePaths.parse(path).isEmpty(), path);
    }
  }
}
