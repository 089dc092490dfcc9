package dev.parley.store;

import dev.parley.bus.Problem;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;

/** The one place where database failures become problems. Never exposes SQL or internals. */
final class SqlFailures {

  private SqlFailures() {
  }

  /** The problem for {@code failure}, or null when it is unexpected (a server error to log). */
  static Problem toProblem(Throwable failure) {
    if (failure instanceof Problem problem) {
      return problem;
    }
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState() == null ? "" : pg.getSqlState();
      switch (state) {
        case "23505":
          return Problem.conflict("The object already exists");
        case "22P02":
        case "22021":
        case "22P05":
          return Problem.badRequest("The request holds a value the database cannot store");
        case "40001":
        case "40P01":
        case "55P03":
          return Problem.unavailable("The database was busy; retry the request");
        default:
          if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
            return Problem.unavailable("The database is not available right now; retry later");
          }
          return null;
      }
    }
    if (isConnectionFailure(failure) || isPoolTimeout(failure)) {
      return Problem.unavailable("The database is not available right now; retry later");
    }
    return null;
  }

  /** A closed, refused or reset connection anywhere in the cause chain (SocketException, IOException, ...). */
  private static boolean isConnectionFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClosedConnectionException || t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  private static boolean isPoolTimeout(Throwable failure) {
    String message = failure.getMessage();
    return message != null && (message.contains("Timeout") || message.contains("timeout")
        || message.contains("Connection refused") || message.contains("connection closed"));
  }
}
