package dev.auditlog.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The server's version, the POM's, which the build writes into {@code version.properties}
 * beside this class (and the app jar's manifest, as {@code Implementation-Version}).
 */
public final class Version implements IVersionProvider {
  /** The version, e.g. {@code 0.1.0}; {@code unknown} if the build did not write it. */
  public static String current() {
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException("reading version.properties", e);
    }
  }

  /** What {@code --version} prints: the server's version and the Java runtime's. */
  @Override
  public String[] getVersion() {
    return new String[] {"audit-server " + current(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vm.vendor") + ")"};
  }
}
