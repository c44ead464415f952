package io.datapunk.nexus.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/** A list of addresses and CIDR blocks ({@code 10.0.0.0/8}, {@code ::1}); empty allows everyone. */
public final class IpAllowList {
  private final List<String> entries;
  private final List<byte[]> networks = new ArrayList<>();
  private final List<Integer> prefixes = new ArrayList<>();

  private IpAllowList(List<String> entries) {
    this.entries = List.copyOf(entries);
  }

  /** Parses the entries; an entry that is not a literal address or CIDR block is reported and skipped. */
  static IpAllowList read(ConfigSection s, String key) {
    List<String> raw = s.stringList(key);
    IpAllowList list = new IpAllowList(raw);
    for (int i = 0; i < raw.size(); i++) {
      String e = raw.get(i).trim();
      int slash = e.indexOf('/');
      String addr = slash < 0 ? e : e.substring(0, slash);
      byte[] bytes = literal(addr);
      int prefix = -1;
      if (bytes != null) {
        prefix = bytes.length * 8;
        if (slash >= 0) {
          try {
            prefix = Integer.parseInt(e.substring(slash + 1));
          } catch (NumberFormatException ex) {
            prefix = -1;
          }
        }
      }
      if (bytes == null || prefix < 0 || prefix > bytes.length * 8) {
        s.error(key + "[" + i + "]", e, "an IP address or CIDR block such as 10.0.0.0/8 or ::1");
        continue;
      }
      list.networks.add(bytes);
      list.prefixes.add(prefix);
    }
    return list;
  }

  public static IpAllowList all() {
    return new IpAllowList(List.of());
  }

  public List<String> entries() {
    return entries;
  }

  public boolean allowsAll() {
    return networks.isEmpty();
  }

  /** Whether a client address (a literal, as the socket reports it) is allowed. */
  public boolean allows(String address) {
    if (networks.isEmpty()) {
      return true;
    }
    byte[] a = address == null ? null : literal(address);
    if (a == null) {
      return false;
    }
    for (int i = 0; i < networks.size(); i++) {
      if (matches(networks.get(i), prefixes.get(i), a)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(byte[] net, int prefix, byte[] a) {
    if (net.length != a.length) {
      // An IPv4 client seen as IPv4-mapped IPv6 (::ffff:a.b.c.d) matches IPv4 blocks.
      if (net.length == 4 && a.length == 16 && isMapped(a)) {
        byte[] v4 = new byte[4];
        System.arraycopy(a, 12, v4, 0, 4);
        return matches(net, prefix, v4);
      }
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (net[i] != a[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xff << (8 - rest)) & 0xff;
    return (net[full] & mask) == (a[full] & mask);
  }

  private static boolean isMapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
  }

  /** The bytes of a literal IPv4 or IPv6 address, or null (never a DNS lookup). */
  private static byte[] literal(String s) {
    if (s.isEmpty()) {
      return null;
    }
    boolean v4 = s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
    boolean v6 = s.indexOf(':') >= 0 && s.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
    if (!v4 && !v6) {
      return null;
    }
    if (v4 && s.split("\\.", -1).length != 4) {
      return null;
    }
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  /** Equal when they list the same entries (a config reload compares the running and the new one). */
  @Override
  public boolean equals(Object o) {
    return o instanceof IpAllowList other && entries.equals(other.entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return entries.toString();
  }
}
