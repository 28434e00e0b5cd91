package dev.auditlog.server.store;

import com.google.common.net.InetAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * A network of IPv4 or IPv6 addresses, {@code 10.0.0.0/8}, or one address (a prefix as long
 * as the address). Entries store their source address as canonical text (IPv6 per RFC
 * 5952); an IPv4 network never holds an IPv6 address nor the reverse. An IPv6 zone
 * ({@code fe80::1%eth0}) is no part of the address here, on either side. Immutable.
 *
 * @param network the first address of the network (bits right of the prefix are zero)
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record IpRange(InetAddress network, int prefixLength) {

  public IpRange {
    if (prefixLength < 0 || prefixLength > bits(network)) {
      throw new IllegalArgumentException("prefix length must be 0.." + bits(network)
          + ", got " + prefixLength);
    }
    network = masked(network, prefixLength, false);
  }

  /**
   * Parses an address ({@code 203.0.113.7}, {@code 2001:db8::1}) or a network in CIDR
   * notation ({@code 10.0.0.0/8}); bits right of the prefix are ignored.
   *
   * @throws IllegalArgumentException if it is neither
   */
  public static IpRange parse(String text) {
    int slash = text.indexOf('/');
    InetAddress a = address(slash < 0 ? text : text.substring(0, slash));
    if (a == null) {
      throw new IllegalArgumentException("not an IP address");
    }
    if (slash < 0) {
      return new IpRange(a, bits(a));
    }
    String length = text.substring(slash + 1);
    if (!length.matches("[0-9]{1,3}")) {
      throw new IllegalArgumentException("the prefix length is not a number");
    }
    return new IpRange(a, Integer.parseInt(length));
  }

  /** True when this is one address, not a network of several. */
  public boolean isAddress() {
    return prefixLength == bits(network);
  }

  /** The first address, in canonical text. */
  public String first() {
    return InetAddresses.toAddrString(network);
  }

  /** The last address, in canonical text. */
  public String last() {
    return InetAddresses.toAddrString(masked(network, prefixLength, true));
  }

  /** True when {@code ip}, an address in any textual form, lies in this range; false for "". */
  public boolean contains(String ip) {
    InetAddress a = address(ip);
    return a != null && bits(a) == bits(network)
        && masked(a, prefixLength, false).equals(network);
  }

  /**
   * The address of {@code text} without its IPv6 zone, or null. The zone is cut off first:
   * Guava would look its name up among this host's network interfaces.
   */
  private static InetAddress address(String text) {
    int zone = text.indexOf('%');
    String address = zone < 0 ? text : text.substring(0, zone);
    return InetAddresses.isInetAddress(address) ? InetAddresses.forString(address) : null;
  }

  /** 32 for IPv4, 128 for IPv6. */
  public int addressBits() {
    return bits(network);
  }

  /**
   * The first and the last network of {@code length} bits within this one, in CIDR text:
   * {@code 10.0.0.0/16} and {@code 10.255.0.0/16} for {@code 10.0.0.0/8} and 16.
   *
   * @throws IllegalArgumentException if this network is narrower than {@code length} bits
   *     or length is longer than an address
   */
  public List<String> subnets(int length) {
    if (length < prefixLength || length > bits(network)) {
      throw new IllegalArgumentException("no /" + length + " networks within " + this);
    }
    InetAddress last = masked(masked(network, prefixLength, true), length, false);
    return List.of(first() + "/" + length, InetAddresses.toAddrString(last) + "/" + length);
  }

  /** {@code first/prefixLength}, e.g. {@code 10.0.0.0/8} or {@code 2001:db8::1/128}. */
  @Override
  public String toString() {
    return first() + "/" + prefixLength;
  }

  private static int bits(InetAddress a) {
    return a instanceof Inet4Address ? 32 : 128;
  }

  /** {@code a} with the bits right of the prefix all cleared, or all set. */
  private static InetAddress masked(InetAddress a, int prefixLength, boolean set) {
    byte[] bytes = a.getAddress();
    for (int bit = prefixLength; bit < bytes.length * 8; bit++) {
      int mask = 0x80 >>> (bit % 8);
      bytes[bit / 8] = (byte) (set ? bytes[bit / 8] | mask : bytes[bit / 8] & ~mask);
    }
    try {
      // Inet6Address keeps an IPv6 address IPv6 even where its bits read as IPv4-mapped.
      return bytes.length == 4 ? InetAddress.getByAddress(bytes)
          : Inet6Address.getByAddress(null, bytes, -1);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of " + bytes.length + " bytes", e);
    }
  }
}
