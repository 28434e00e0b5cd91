package dev.auditlog.server.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.auditlog.api.v1.AppendBatchRequest;
import dev.auditlog.api.v1.Checkpoint;
import dev.auditlog.api.v1.GetCheckpointRequest;
import dev.auditlog.integrity.Ed25519Keys;
import dev.auditlog.integrity.tlog.Merkle;
import dev.auditlog.integrity.tlog.Note;
import dev.auditlog.integrity.tlog.NoteVerifier;
import dev.auditlog.integrity.tlog.TlogCheckpoint;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.Events;
import dev.auditlog.server.TestCerts;
import dev.auditlog.server.forward.ReceiverTls;
import dev.auditlog.server.forward.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read-only c2sp.org/tlog-tiles endpoint over real HTTPS: a monitor with a reader's
 * certificate rebuilds the signed root from the tiles and the entry bundles alone; other
 * identities and certificate-less clients get nothing.
 */
class TileServerIT {
  private static final int ENTRIES = 600;

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls()
      .configure(b -> b.tilesPort(0));

  private Checkpoint checkpoint;

  @BeforeEach
  void fill() {
    for (int done = 0; done < ENTRIES; done += 100) {
      AppendBatchRequest.Builder b = AppendBatchRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        b.addEvents(Events.registrationFailure());
      }
      server.stub("auth-backend").appendBatch(b.build());
    }
    checkpoint = server.stub("auditor")
        .getCheckpoint(GetCheckpointRequest.newBuilder().setFresh(true).build())
        .getCheckpoint();
  }

  private static HttpClient client(String identity) {
    JsonObject tls = new JsonObject();
    tls.addProperty("ca_file", TestCerts.pem("ca").toString());
    if (identity != null) {
      tls.addProperty("cert_file", TestCerts.pem(identity).toString());
      tls.addProperty("key_file", TestCerts.key(identity).toString());
    }
    return HttpClient.newBuilder()
        .sslContext(ReceiverTls.context(new Settings("tls", tls, name -> null))).build();
  }

  private HttpResponse<byte[]> get(HttpClient client, String path)
      throws IOException, InterruptedException {
    URI uri = URI.create("https://localhost:" + server.server().tilesPort() + "/default/"
        + path);
    return client.send(HttpRequest.newBuilder(uri).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private byte[] ok(HttpClient client, String path) throws Exception {
    HttpResponse<byte[]> r = get(client, path);
    assertEquals(200, r.statusCode(), path + ": " + new String(r.body()));
    return r.body();
  }

  @Test
  void aMonitor_rebuildsTheSignedRootFromTheTilesAndTheEntryBundles() throws Exception {
    HttpClient monitor = client("auditor");
    Note note = Note.parse(new String(ok(monitor, "checkpoint")));
    assertTrue(new NoteVerifier("localhost/audit/default",
        Ed25519Keys.readPublicKey(AuditServerExtension.SIGNING_PUBLIC_KEY)).verifies(note));
    TlogCheckpoint signed = TlogCheckpoint.parse(note.text());
    assertEquals(ENTRIES, signed.size());

    List<byte[]> leaves = new ArrayList<>();
    for (String path : List.of("tile/0/000", "tile/0/001", "tile/0/002.p/88")) {
      byte[] tile = ok(monitor, path);
      for (int i = 0; i < tile.length; i += 32) {
        leaves.add(Arrays.copyOfRange(tile, i, i + 32));
      }
    }
    assertEquals(ENTRIES, leaves.size());
    assertArrayEquals(signed.rootHash(), Merkle.root(leaves));
    byte[] level1 = ok(monitor, "tile/1/000.p/2");
    assertArrayEquals(Merkle.root(leaves.subList(0, 256)), Arrays.copyOfRange(level1, 0, 32));

    byte[] bundle = ok(monitor, "tile/entries/002.p/88");
    assertEquals(88 * 34, bundle.length);
    for (int i = 0; i < 88; i++) {
      assertEquals(0, bundle[i * 34]);
      assertEquals(32, bundle[i * 34 + 1]);
      assertArrayEquals(leaves.get(512 + i),
          Merkle.leafHash(Arrays.copyOfRange(bundle, i * 34 + 2, i * 34 + 34)));
    }
    assertEquals(checkpoint.getMerkleRoot(),
        java.util.HexFormat.of().formatHex(signed.rootHash()));
  }

  @Test
  void missingAndNonCanonicalPaths_areNotFound() throws Exception {
    HttpClient monitor = client("auditor");
    for (String path : List.of("tile/0/003", "tile/0/002.p/89", "tile/0/002", "tile/0/2",
        "tile/0/x000/001", "tile/8/000", "tile/0/000.p/256", "tile/entries/003", "nope")) {
      assertEquals(404, get(monitor, path).statusCode(), path);
    }
  }

  @Test
  void anIdentityThatMayNotRead_isForbidden_andNoCertificateGetsNoConnection() {
    assertEquals(403, assertDoesNotThrow(() -> get(client("auth-backend"), "checkpoint"))
        .statusCode());
    assertThrows(IOException.class, () -> get(client(null), "checkpoint"));
  }

  private static <T> T assertDoesNotThrow(java.util.concurrent.Callable<T> call) {
    try {
      return call.call();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
