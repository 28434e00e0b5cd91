package dev.auditlog.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class IpRangeTest {
  @Test
  void network_holdsItsAddressesOnly_ofItsFamily() {
    IpRange ten = IpRange.parse("10.0.0.0/8");

    assertTrue(ten.contains("10.0.0.0"));
    assertTrue(ten.contains("10.255.255.255"));
    assertFalse(ten.contains("11.0.0.0"));
    assertFalse(ten.contains("9.255.255.255"));
    assertFalse(ten.contains("::a00:1"), "an IPv6 address whose low bits read 10.0.0.1");
    assertFalse(ten.contains(""));
    assertEquals("10.0.0.0", ten.first());
    assertEquals("10.255.255.255", ten.last());
    assertFalse(ten.isAddress());
  }

  @Test
  void ipv6Network_inAnyTextualForm_isCanonical() {
    IpRange r = IpRange.parse("2001:DB8:0:0:0::/32");

    assertEquals("2001:db8::/32", r.toString());
    assertEquals("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", r.last());
    assertTrue(r.contains("2001:db8::1"));
    assertTrue(r.contains("2001:DB8:abcd::1"));
    assertFalse(r.contains("2001:db9::1"));
  }

  @Test
  void address_isARangeOfOne_andHostBitsOfANetworkAreIgnored() {
    assertTrue(IpRange.parse("203.0.113.7").isAddress());
    assertEquals("203.0.113.7/32", IpRange.parse("203.0.113.7").toString());
    assertEquals("2001:db8::1/128", IpRange.parse("2001:db8::1").toString());
    assertEquals(IpRange.parse("203.0.113.0/24"), IpRange.parse("203.0.113.77/24"));
    assertEquals("0.0.0.0/0", IpRange.parse("1.2.3.4/0").toString());
    assertTrue(IpRange.parse("0.0.0.0/0").contains("255.255.255.255"));
    assertFalse(IpRange.parse("::/0").contains("1.2.3.4"));
  }

  @Test
  void ipv6NetworkWhoseLastAddressLooksIpv4Mapped_staysIpv6() {
    assertEquals("::ffff:ffff:ffff", IpRange.parse("::/80").last());
  }

  @Test
  void ipv6Zone_isNoPartOfTheAddress_whateverInterfacesThisHostHas() {
    IpRange r = IpRange.parse("fe80::1%no-such-interface0");

    assertEquals("fe80::1/128", r.toString());
    assertTrue(r.contains("fe80::1%eth0"));
    assertTrue(r.contains("fe80::1%no-such-interface1"));
    assertTrue(IpRange.parse("fe80::/10").contains("fe80::1%7"));
  }

  @Test
  void subnets_areTheFirstAndLastNetworkOfALongerPrefix() {
    assertEquals(List.of("10.0.0.0/16", "10.255.0.0/16"), IpRange.parse("10.0.0.0/8").subnets(16));
    assertEquals(List.of("10.7.0.0/16", "10.7.0.0/16"), IpRange.parse("10.7.9.9/16").subnets(16));
    assertEquals(List.of("0.0.0.0/16", "255.255.0.0/16"), IpRange.parse("0.0.0.0/0").subnets(16));
    assertEquals(List.of("2001:db8::/32", "2001:dbf::/32"),
        IpRange.parse("2001:db8::/29").subnets(32));
    assertEquals(List.of("::/32", "ffff:ffff::/32"), IpRange.parse("::/0").subnets(32));
    assertEquals(32, IpRange.parse("10.0.0.0/8").addressBits());
    assertEquals(128, IpRange.parse("::/0").addressBits());
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.0.0.0/17").subnets(16));
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.0.0.0/8").subnets(33));
  }

  @Test
  void garbage_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.0.0"));
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.0.0.0/33"));
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("10.0.0.0/8/8"));
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("::/129"));
    assertThrows(IllegalArgumentException.class, () -> IpRange.parse("host.example"));
  }
}
