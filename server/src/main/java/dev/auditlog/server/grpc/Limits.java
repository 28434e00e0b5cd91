package dev.auditlog.server.grpc;

/**
 * The documented limits on requests. Lengths count Unicode code points. Exceeding one is
 * INVALID_ARGUMENT naming the field; a message over the transport limit is
 * RESOURCE_EXHAUSTED before it is parsed.
 */
public final class Limits {
  public static final int MAX_USER_ID = 256;
  public static final int MAX_ACTION = 128;
  public static final int MAX_TARGET = 1024;
  public static final int MAX_SOURCE_IP = 64;
  /** Of a producer identity named in a List filter. */
  public static final int MAX_PRODUCER = 1024;
  public static final int MAX_MAP_ENTRIES = 64;
  public static final int MAX_MAP_KEY = 128;
  public static final int MAX_MAP_VALUE = 4096;
  public static final int MAX_PAGE_SIZE = 1000;
  public static final int DEFAULT_PAGE_SIZE = 100;

  private Limits() {}
}
