package dev.auditlog.client.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Turns what went wrong into one line on standard error and an exit code. */
final class Failures {
  private Failures() {}

  static int onBadArguments(ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    cl.getErr().println("audit: " + e.getMessage() + " (see '"
        + cl.getCommandSpec().qualifiedName() + " --help')");
    return ExitCodes.BAD_ARGUMENT;
  }

  static int onFailure(Exception e, CommandLine cl, ParseResult parsed) {
    cl.getErr().println("audit: " + message(e));
    return exitCode(e);
  }

  static int exitCode(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return exitCode(s);
    }
    if (e instanceof IOException || e instanceof IllegalArgumentException) {
      return ExitCodes.BAD_ARGUMENT;
    }
    return ExitCodes.FAILURE;
  }

  private static int exitCode(StatusRuntimeException e) {
    switch (e.getStatus().getCode()) {
      case INVALID_ARGUMENT:
      case OUT_OF_RANGE:
        return ExitCodes.BAD_ARGUMENT;
      case PERMISSION_DENIED:
      case UNAUTHENTICATED:
        return ExitCodes.DENIED;
      case ALREADY_EXISTS:
        return ExitCodes.ALREADY_EXISTS;
      case UNAVAILABLE:
        return handshakeFailure(e) ? ExitCodes.HANDSHAKE_REFUSED : ExitCodes.UNAVAILABLE;
      case DEADLINE_EXCEEDED:
        return ExitCodes.UNAVAILABLE;
      default:
        return ExitCodes.FAILURE;
    }
  }

  static String message(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return message(s);
    }
    if (e instanceof InvalidProtocolBufferException) {
      return "bad JSON event: " + oneLine(e.getMessage());
    }
    return oneLine(String.valueOf(e.getMessage()));
  }

  private static String message(StatusRuntimeException e) {
    Status status = e.getStatus();
    if (handshakeFailure(e)) {
      return "TLS handshake refused: " + oneLine(rootMessage(e))
          + " (check --cert, --key and --ca)";
    }
    String description = status.getDescription() == null ? "" : ": " + status.getDescription();
    if (status.getCause() != null) {
      description += ": " + rootMessage(status.getCause());
    }
    String hint = switch (status.getCode()) {
      case PERMISSION_DENIED -> " (this certificate's identity may not do that)";
      case UNAVAILABLE -> " (is the server running at --target?)";
      default -> "";
    };
    return status.getCode() + oneLine(description) + hint;
  }

  private static boolean handshakeFailure(StatusRuntimeException e) {
    return e.getStatus().getCode() == Status.Code.UNAVAILABLE
        && causes(e).anyMatch(c -> c instanceof SSLException);
  }

  private static String rootMessage(Throwable e) {
    return causes(e).reduce((a, b) -> b).map(Throwable::getMessage).orElse("");
  }

  private static Stream<Throwable> causes(Throwable e) {
    return Stream.iterate(e, c -> c != null, Throwable::getCause);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\s*\\R\\s*", " ").strip();
  }
}
