package dev.auditlog.server.metrics;

import static org.junit.jupiter.api.Assertions.fail;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a registry in the Prometheus text format, as Prometheus reads it, with the
 * samples parsed: for assertions on what an endpoint would serve.
 */
public final class Scrape {
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final String text;
  private final List<Sample> samples = new ArrayList<>();

  private Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      Matcher l = LABEL.matcher(m.group(2) == null ? "" : m.group(2));
      while (l.find()) {
        labels.put(l.group(1), l.group(2));
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
  }

  /** Scrapes {@code registry} now. */
  public static Scrape of(PrometheusRegistry registry) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Scrape(out.toString(StandardCharsets.UTF_8));
  }

  /** Scrapes {@code metrics}' registry now. */
  public static Scrape of(AuditMetrics metrics) {
    return of(metrics.registry());
  }

  /**
   * The sum of the samples named {@code name} whose labels include {@code labels} (name,
   * value, name, value...); fails the test when there is none.
   */
  public double value(String name, String... labels) {
    List<Sample> found = find(name, labels);
    if (found.isEmpty()) {
      fail("no sample " + name + " " + List.of(labels) + " in:\n" + text);
    }
    return found.stream().mapToDouble(Sample::value).sum();
  }

  /** Whether a sample named {@code name} with {@code labels} is there. */
  public boolean has(String name, String... labels) {
    return !find(name, labels).isEmpty();
  }

  private List<Sample> find(String name, String... labels) {
    List<Sample> found = new ArrayList<>();
    for (Sample s : samples) {
      boolean match = s.name.equals(name);
      for (int i = 0; match && i < labels.length; i += 2) {
        match = labels[i + 1].equals(s.labels.get(labels[i]));
      }
      if (match) {
        found.add(s);
      }
    }
    return found;
  }

  /** The scrape as served. */
  public String text() {
    return text;
  }

  private record Sample(String name, Map<String, String> labels, double value) {}
}
