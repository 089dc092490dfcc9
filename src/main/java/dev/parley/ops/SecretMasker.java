package dev.parley.ops;

import com.fasterxml.jackson.core.JsonStreamContext;
import net.logstash.logback.mask.ValueMasker;

import java.util.regex.Pattern;

/**
 * Log masking (conf/logback.xml): replaces anything shaped like a JWT, a bearer token or an sk-
 * API key in any logged string with ****. A cheap substring test runs first, so the regular
 * expression only sees the rare value that could hold a secret.
 */
public final class SecretMasker implements ValueMasker {

  private static final Pattern SECRET = Pattern.compile(
      "eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*|(?i:bearer)\\s+[A-Za-z0-9._~+/=-]+|sk-[A-Za-z0-9_-]{8,}");

  @Override
  public Object mask(JsonStreamContext context, Object value) {
    if (!(value instanceof CharSequence text)) {
      return null;
    }
    String s = text.toString();
    if (!s.contains("eyJ") && !s.contains("sk-") && !s.contains("earer") && !s.contains("EARER")) {
      return null;
    }
    String masked = SECRET.matcher(s).replaceAll("****");
    return masked.equals(s) ? null : masked;
  }
}
