package dev.auditlog.server.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;

/**
 * Syslog over TLS (RFC 5425): RFC 5424 messages framed by octet counting (RFC 6587), in one
 * of three formats: LEEF 2.0 for QRadar ({@link LeefFormat}), CEF for Microsoft Sentinel
 * through a syslog forwarder and other CEF readers ({@link CefFormat}), or plain RFC 5424
 * structured data ({@link Rfc5424Format}).
 *
 * <p>Syslog has no acknowledgement, so each delivery is one connection that proves itself:
 * the records are written, we close our side, and the receiver must close its side in
 * answer ({@link SyslogConnection#finish()}); only then does {@link #deliver} count them,
 * all at once. Otherwise the delivery fails as retryable and every record of it is sent
 * again: a receiver that read some of them before it failed receives those twice (at most
 * one batch per failure), which it tells apart by {@code log_id} and {@code seq}.
 *
 * <p>A record whose message is longer than {@code max_message_bytes} is not sent: the
 * records before it are delivered, and then it is refused as too large, which pauses the
 * destination (a receiver would cut it, and its hashes with it).
 *
 * <p>Settings: {@code host} (required), {@code port} (default 6514; 514 without TLS),
 * {@code format} (required: {@code leef}, {@code cef} or {@code rfc5424}), {@code facility}
 * (a name, default {@code authpriv}), {@code hostname} (default this host's name), {@code
 * app_name} (default {@code audit}), for LEEF and CEF {@code vendor}, {@code product} and
 * {@code product_version} (defaults {@code auditlog}, {@code audit-log-server}, {@code 1.0}),
 * for RFC 5424 {@code sd_id} (default {@code audit@32473}), {@code timeout_ms} (a whole
 * delivery, default 30000), {@code max_message_bytes} (default 8192) and {@code tls}
 * ({@link ReceiverTls}; plain TCP only with {@code "enabled": false}).
 */
final class SyslogDestination implements Destination {
  private static final Set<String> FORMATS = Set.of("leef", "cef", "rfc5424");

  private final String name;
  private final String host;
  private final int port;
  private final SSLContext tls;
  private final SyslogEncoder encoder;
  private final int maxMessageBytes;
  private final Duration timeout;
  private final ScheduledExecutorService watchdog;

  SyslogDestination(String name, String host, int port, SSLContext tls, SyslogEncoder encoder,
      int maxMessageBytes, Duration timeout) {
    this.name = name;
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.encoder = encoder;
    this.maxMessageBytes = maxMessageBytes;
    this.timeout = timeout;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "syslog-watchdog-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Reads the settings of a {@code syslog} destination; errors name the key. */
  static SyslogDestination create(String name, Settings s) {
    String host = s.string("host");
    if (host.length() > 253 || !host.matches("[A-Za-z0-9._:-]+|\\[[0-9A-Fa-f:.]+\\]")) {
      throw s.invalid("host", "a host name or IP address, got '" + host + "'");
    }
    Settings tlsSettings = s.object("tls");
    SSLContext tls = tls(tlsSettings);
    int port = s.integer("port", tls == null ? 514 : 6514, 1, 65535);
    String format = s.oneOf("format", null, FORMATS);
    int facility = SyslogEncoder.FACILITIES.get(
        s.oneOf("facility", "authpriv", SyslogEncoder.FACILITIES.keySet()));
    String hostname = s.string("hostname", localHostName());
    if (!SyslogEncoder.printable(hostname, 255)) {
      throw s.invalid("hostname", "1 to 255 printable US-ASCII characters without spaces, got '"
          + hostname + "'");
    }
    String appName = s.string("app_name", "audit");
    if (!SyslogEncoder.printable(appName, 48)) {
      throw s.invalid("app_name", "1 to 48 printable US-ASCII characters without spaces, got '"
          + appName + "'");
    }
    SyslogFormat f = format(s, format);
    int maxBytes = s.integer("max_message_bytes", 8192, 2048, 4 * 1024 * 1024);
    Duration timeout = s.millis("timeout_ms", Duration.ofSeconds(30), Duration.ofSeconds(1),
        Duration.ofMinutes(10));
    return new SyslogDestination(name, host.replaceAll("^\\[|]$", ""), port, tls,
        new SyslogEncoder(facility, hostname, appName, f), maxBytes, timeout);
  }

  /** The SSL context of the {@code tls} object; null for an explicit {@code enabled: false}. */
  private static SSLContext tls(Settings t) {
    if (t.bool("enabled", true)) {
      SSLContext context = ReceiverTls.context(t);
      t.requireNoOtherKeys();
      return context;
    }
    for (String key : List.of("ca_file", "cert_file", "key_file")) {
      if (t.optionalString(key).isPresent()) {
        throw t.invalid(key, "absent when " + t.where("enabled") + " is false");
      }
    }
    t.requireNoOtherKeys();
    return null;
  }

  private static SyslogFormat format(Settings s, String format) {
    if (format.equals("rfc5424")) {
      String sdId = s.string("sd_id", "audit@32473");
      if (sdId.length() > 32 || !sdId.matches("[!#-<>-\\\\^-~&&[^@]]+@[0-9]+(\\.[0-9]+)*")) {
        throw s.invalid("sd_id", "an SD-ID name@PEN of at most 32 characters (RFC 5424"
            + " 6.3.2), got '" + sdId + "'");
      }
      return new Rfc5424Format(sdId);
    }
    String vendor = headerField(s, "vendor", "auditlog");
    String product = headerField(s, "product", "audit-log-server");
    String version = headerField(s, "product_version", "1.0");
    return format.equals("leef") ? new LeefFormat(vendor, product, version)
        : new CefFormat(vendor, product, version);
  }

  private static String headerField(Settings s, String key, String fallback) {
    String v = s.string(key, fallback);
    if (v.length() > 63 || v.chars().anyMatch(Character::isISOControl)) {
      throw s.invalid(key, "at most 63 characters without control characters, got '" + v
          + "'");
    }
    return v;
  }

  private static String localHostName() {
    try {
      String h = InetAddress.getLocalHost().getHostName();
      return SyslogEncoder.printable(h, 255) ? h : "-";
    } catch (UnknownHostException e) {
      return "-";
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int deliver(List<ForwardRecord> records) throws DeliveryException {
    List<byte[]> frames = frames(records);
    long deadline = System.nanoTime() + timeout.toNanos();
    SyslogConnection connection;
    try {
      connection = SyslogConnection.open(host, port, tls, deadline, watchdog);
    } catch (IOException e) {
      throw DeliveryException.retry(name + ": cannot connect to " + where() + ": " + e, e);
    }
    try (connection) {
      for (byte[] frame : frames) {
        connection.write(frame);
      }
      connection.finish();
    } catch (IOException e) {
      throw DeliveryException.retry(name + ": " + frames.size() + " records (seq "
          + records.get(0).seq() + " on) sent to " + where() + " but not proved received,"
          + " so they are sent again: " + e.getMessage(), e);
    }
    return frames.size();
  }

  /**
   * The framed messages of the records up to the first that is too large; throws if the
   * first is.
   */
  private List<byte[]> frames(List<ForwardRecord> records) throws DeliveryException {
    List<byte[]> frames = new ArrayList<>(records.size());
    for (ForwardRecord r : records) {
      byte[] message = encoder.bytes(r);
      if (message.length > maxMessageBytes) {
        if (frames.isEmpty()) {
          throw new DeliveryException(DeliveryException.Kind.TOO_LARGE, name + ": the "
              + (r instanceof ForwardRecord.CheckpointRecord ? "checkpoint" : "entry")
              + " at seq " + r.seq() + " is a syslog message of " + message.length
              + " bytes, more than max_message_bytes (" + maxMessageBytes + "); raise it,"
              + " and the receiver's limit with it", null, 0, null);
        }
        break;
      }
      frames.add(SyslogEncoder.frame(message));
    }
    return frames;
  }

  private String where() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port
        + (tls == null ? " (plain TCP)" : "");
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }
}
