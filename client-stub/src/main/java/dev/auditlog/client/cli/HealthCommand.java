package dev.auditlog.client.cli;

import dev.auditlog.client.AuditClient;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code audit health}: whether the server serves {@code audit.v1.AuditLog}. */
@Command(name = "health", mixinStandardHelpOptions = true,
    description = "Print the server's health (SERVING or not); exit 0 only when SERVING. "
        + "Any trusted certificate may ask (default certs-dev/auditor.*).")
final class HealthCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin Connection connection;

  @Override
  public Integer call() throws Exception {
    ServingStatus status;
    try (AuditClient client = connection.connect("auditor")) {
      status = client.health();
    }
    spec.commandLine().getOut().println(status);
    return status == ServingStatus.SERVING ? ExitCodes.OK : ExitCodes.NOT_SERVING;
  }
}
