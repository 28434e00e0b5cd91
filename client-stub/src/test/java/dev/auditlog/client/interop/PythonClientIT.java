package dev.auditlog.client.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.auditlog.server.AuditServerExtension;
import dev.auditlog.server.TestCerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client in another language: Python stubs generated from {@code proto/} at test time with
 * Debian's {@code python3-grpc-tools}, calling Append and List over mutual TLS with the dev
 * certificates ({@code src/test/python/append_and_list.py}). Skipped when {@code
 * /usr/bin/python3} (or {@code PYTHON_GRPC}) lacks {@code grpc_tools}.
 */
class PythonClientIT {
  private static final Path REPO = TestCerts.DIR.getParent();
  private static final String PYTHON =
      System.getenv().getOrDefault("PYTHON_GRPC", "/usr/bin/python3");

  @RegisterExtension
  final AuditServerExtension server = AuditServerExtension.mutualTls();

  @BeforeEach
  void requirePythonWithGrpcTools() {
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " not found");
    ExternalProcess probe = ExternalProcess.run(
        List.of(PYTHON, "-c", "import grpc, grpc_tools.protoc"), Duration.ofSeconds(30));
    assumeTrue(probe.exitCode() == 0,
        PYTHON + " lacks grpcio/grpc_tools (apt-get install python3-grpcio python3-grpc-tools)");
  }

  @Test
  void generatedPythonClient_appendsRegistrationFailureAndListsItBack(@TempDir Path generated)
      throws Exception {
    ExternalProcess protoc = ExternalProcess.run(List.of(PYTHON, "-m", "grpc_tools.protoc",
        "-I", REPO.resolve("proto/src/main/proto").toString(),
        "--python_out=" + generated, "--grpc_python_out=" + generated,
        "audit/v1/audit.proto"), Duration.ofSeconds(60));
    assertEquals(0, protoc.exitCode(), protoc::toString);

    ExternalProcess client = ExternalProcess.run(List.of(PYTHON,
        REPO.resolve("client-stub/src/test/python/append_and_list.py").toString(),
        generated.toString(), REPO.toString(), "localhost:" + server.port()),
        Duration.ofSeconds(120));

    assertEquals(0, client.exitCode(), client::toString);
    JsonObject seen = JsonParser.parseString(client.out()).getAsJsonObject();
    JsonObject entry = seen.getAsJsonObject("entry");
    assertEquals("2001:db8::7", entry.get("source_ip").getAsString(), "stored canonical");
    assertEquals("auth-backend", entry.get("producer").getAsString());
    assertEquals(entry.get("entry_hash"), seen.get("recomputed_entry_hash"));
    assertEquals("PERMISSION_DENIED", seen.get("intruder").getAsString());
    assertEquals(1, server.db().countEntries());
  }
}
