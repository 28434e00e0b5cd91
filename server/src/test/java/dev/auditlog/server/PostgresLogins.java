package dev.auditlog.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * Logging in to a PostgreSQL as someone on the host would who found its port: with a role
 * name and no password, or a guessed one. {@link #authenticationAsked} speaks the wire
 * protocol itself, so that no client library decides for it whether to send a password.
 */
final class PostgresLogins {
  /** invalid_password, invalid_authorization_specification. */
  static final Set<String> LOGIN_REFUSED = Set.of("28P01", "28000");

  private static final int AUTHENTICATION_OK = 0;
  private static final int AUTHENTICATION_SASL = 10;

  private PostgresLogins() {}

  /** The port in {@code postmaster.pid} of {@code cluster} (its fourth line). */
  static int port(Path cluster) throws IOException {
    List<String> lines = Files.readAllLines(cluster.resolve("postmaster.pid"));
    return Integer.parseInt(lines.get(3).trim());
  }

  /**
   * Sends a startup message as {@code role} to {@code database} on 127.0.0.1:{@code port} and
   * returns the server's first answer: the authentication it asks for (an {@code R}
   * message's code: 0 is "you are in", 10 is SASL), or -1 for an error message.
   */
  static int authenticationAsked(int port, String role, String database) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      socket.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      DataOutputStream b = new DataOutputStream(body);
      b.writeInt(196608); // protocol 3.0
      for (String s : List.of("user", role, "database", database, "")) {
        b.write(s.getBytes(StandardCharsets.UTF_8));
        b.write(0);
      }
      out.writeInt(body.size() + 4);
      body.writeTo(out);
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte type = in.readByte();
      in.readInt();
      return type == 'R' ? in.readInt() : -1;
    }
  }

  /**
   * Asserts that PostgreSQL on {@code port} lets {@code role} in neither without a password
   * (it asks for SCRAM-SHA-256 instead of saying "OK") nor with guessed ones.
   */
  static void assertRefused(int port, String role, String database) throws IOException {
    int asked = authenticationAsked(port, role, database);
    assertTrue(asked != AUTHENTICATION_OK, role + " logged in without a password");
    assertEquals(AUTHENTICATION_SASL, asked, "authentication asked of " + role);
    // An empty password the driver refuses to send; the startup message above covers it.
    for (String guess : List.of("postgres", role, "audit")) {
      SQLException e = assertThrows(SQLException.class, () -> login(port, role, database, guess),
          role + " logged in with the password '" + guess + "'");
      assertTrue(LOGIN_REFUSED.contains(e.getSQLState()),
          role + " with '" + guess + "': " + e.getSQLState() + " " + e.getMessage());
    }
  }

  /** Logs in through the JDBC driver and closes the connection at once. */
  static void login(int port, String role, String database, String password)
      throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", role);
    p.setProperty("password", password);
    p.setProperty("connectTimeout", "5");
    DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p)
        .close();
  }
}
