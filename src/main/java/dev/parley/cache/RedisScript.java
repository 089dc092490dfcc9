package dev.parley.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script and its SHA-1, so that it is called by SHA (EVALSHA) and its text crosses the
 * network only when a Redis node does not know it yet. Every key a script touches shares the hash
 * tag of its first key ({@code KEYS[1]}), so each call stays on one slot of a Redis Cluster.
 */
public record RedisScript(String source, String sha) {

  public static RedisScript of(String source) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
      return new RedisScript(source, HexFormat.of().formatHex(digest));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
