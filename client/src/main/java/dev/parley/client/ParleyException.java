package dev.parley.client;

import java.util.List;
import java.util.UUID;

/**
 * A problem Parley answered (RFC 9457): its HTTP status, type, title, detail and, for invalid
 * input, the JSON pointers at fault. Subclasses by status let callers catch what they handle.
 */
public class ParleyException extends RuntimeException {

  /** One invalid member: where (a JSON pointer, or a parameter) and what is wrong. */
  public record FieldError(String pointer, String parameter, String detail) {
  }

  private final int status;
  private final String type;
  private final String title;
  private final List<FieldError> errors;
  private final long retryAfterSeconds;

  public ParleyException(int status, String type, String title, String detail, List<FieldError> errors,
                         long retryAfterSeconds) {
    super(status + " " + (detail == null ? title : detail));
    this.status = status;
    this.type = type;
    this.title = title;
    this.errors = errors == null ? List.of() : List.copyOf(errors);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int status() {
    return status;
  }

  /** The problem type, e.g. /problems/validation-error. */
  public String type() {
    return type;
  }

  public String title() {
    return title;
  }

  public List<FieldError> errors() {
    return errors;
  }

  /** Retry-After in seconds, or -1. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** 400: the request is invalid; {@link #errors()} say where. */
  public static final class BadRequest extends ParleyException {
    public BadRequest(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  /** 401: the token is missing, invalid or expired. */
  public static final class Unauthorized extends ParleyException {
    public Unauthorized(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  /** 403: the token may not do that. */
  public static final class Forbidden extends ParleyException {
    public Forbidden(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  /** 404: no such object of this user (another user's object is not found either). */
  public static final class NotFound extends ParleyException {
    public NotFound(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  /** 409 or 422: the request conflicts with the state of things (a reused key, a pending tool call, ...). */
  public static final class Conflict extends ParleyException {
    public Conflict(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  /**
   * 410: a streamed turn no longer followed (no turn log is kept: no Redis, or expired); what it
   * stored is here instead.
   */
  public static final class Gone extends ParleyException {
    private final UUID conversationId;
    private final Model.Message storedAnswer;

    public Gone(String type, String title, String detail, UUID conversationId, Model.Message storedAnswer) {
      super(410, type, title, detail, null, -1);
      this.conversationId = conversationId;
      this.storedAnswer = storedAnswer;
    }

    /** The turn's conversation, or null. */
    public UUID conversationId() {
      return conversationId;
    }

    /** The turn's answer as stored (complete, or interrupted), or null when none is stored yet. */
    public Model.Message storedAnswer() {
      return storedAnswer;
    }
  }

  /** 429: a limit; retry after {@link #retryAfterSeconds()}. */
  public static final class RateLimited extends ParleyException {
    public RateLimited(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  /** 5xx: Parley, its database or the model's provider could not answer; retrying may help. */
  public static final class Unavailable extends ParleyException {
    public Unavailable(int status, String type, String title, String detail, List<FieldError> errors, long retryAfter) {
      super(status, type, title, detail, errors, retryAfter);
    }
  }

  static ParleyException of(int status, String type, String title, String detail, List<FieldError> errors,
                            long retryAfter) {
    return switch (status) {
      case 400 -> new BadRequest(status, type, title, detail, errors, retryAfter);
      case 401 -> new Unauthorized(status, type, title, detail, errors, retryAfter);
      case 403 -> new Forbidden(status, type, title, detail, errors, retryAfter);
      case 404 -> new NotFound(status, type, title, detail, errors, retryAfter);
      case 409, 422 -> new Conflict(status, type, title, detail, errors, retryAfter);
      case 429 -> new RateLimited(status, type, title, detail, errors, retryAfter);
      default -> status >= 500 ? new Unavailable(status, type, title, detail, errors, retryAfter)
          : new ParleyException(status, type, title, detail, errors, retryAfter);
    };
  }
}
