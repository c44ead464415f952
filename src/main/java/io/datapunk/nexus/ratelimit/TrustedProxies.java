package io.datapunk.nexus.ratelimit;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which peers may tell the gateway the client's address. The client address is the socket peer,
 * unless that peer is a trusted proxy: then it is the rightmost {@code X-Forwarded-For} entry that is
 * not itself a trusted proxy (entries further left were written by the client and prove nothing).
 */
public final class TrustedProxies {
  private final List<byte[]> networks = new ArrayList<>();
  private final List<Integer> prefixes = new ArrayList<>();

  /** From CIDRs ({@code 10.0.0.0/8}, {@code 127.0.0.1}, {@code ::1/128}); throws on a malformed one. */
  public TrustedProxies(List<String> cidrs) {
    for (String cidr : cidrs) {
      int slash = cidr.indexOf('/');
      byte[] addr = parse(slash < 0 ? cidr : cidr.substring(0, slash));
      if (addr == null) {
        throw new IllegalArgumentException(cidr);
      }
      int bits = addr.length * 8;
      int prefix = bits;
      if (slash >= 0) {
        prefix = Integer.parseInt(cidr.substring(slash + 1));
        if (prefix < 0 || prefix > bits) {
          throw new IllegalArgumentException(cidr);
        }
      }
      networks.add(addr);
      prefixes.add(prefix);
    }
  }

  public boolean isEmpty() {
    return networks.isEmpty();
  }

  /** The client address of a request. */
  public String clientAddress(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    String peer = remote == null ? "unknown" : remote.hostAddress();
    if (networks.isEmpty() || !isTrusted(peer)) {
      return peer;
    }
    String xff = request.getHeader("X-Forwarded-For");
    if (xff == null) {
      return peer;
    }
    String[] hops = xff.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (hop.isEmpty() || parse(hop) == null) {
        // A malformed entry: nothing left of it can be trusted, and it is not an address either.
        return peer;
      }
      if (!isTrusted(hop)) {
        return hop;
      }
    }
    return peer;
  }

  boolean isTrusted(String address) {
    byte[] a = parse(address);
    if (a == null) {
      return false;
    }
    for (int i = 0; i < networks.size(); i++) {
      byte[] n = networks.get(i);
      if (n.length == a.length && matches(n, a, prefixes.get(i))) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(byte[] net, byte[] addr, int prefix) {
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (net[i] != addr[i]) {
        return false;
      }
    }
    int rest = prefix % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (net[full] & mask) == (addr[full] & mask);
  }

  /** An IP literal's bytes, or null (never a DNS lookup: only literals are accepted). */
  static byte[] parse(String s) {
    if (s.isEmpty() || s.length() > 45) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.digit(c, 16) >= 0 || c == '.' || c == ':')) {
        return null;
      }
    }
    if (s.indexOf(':') < 0 && s.chars().filter(c -> c == '.').count() != 3) {
      return null;
    }
    try {
      return InetAddress.getByName(s).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
