package dev.parley.store;

import dev.parley.bus.Problem;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/** The one place where database failures become problems. Never exposes SQL or internals. */
final class SqlFailures {

  private SqlFailures() {
  }

  /** The problem for {@code failure}; empty when it is unexpected (a server error to log). */
  static Optional<Problem> toProblem(Throwable failure) {
    return Optional.ofNullable(known(failure));
  }

  private static Problem known(Throwable failure) {
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
          // 08: connection exceptions; 57P: shutdowns; 53: out of resources; 55000: the database does
          // not accept connections right now (ALLOW_CONNECTIONS false, being dropped or restored).
          if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.equals("55000")) {
            return Problem.unavailable("The database is not available right now; retry later");
          }
          return null;
      }
    }
    if (isConnectionFailure(failure)) {
      return Problem.unavailable("The database is not available right now; retry later");
    }
    return null;
  }

  /**
   * A closed, refused or reset connection anywhere in the cause chain (SocketException,
   * IOException, ...), or no connection to be had: the pool's wait for one timed out or its
   * queue is full. Decided by type, never by message text.
   */
  private static boolean isConnectionFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ClosedConnectionException || t instanceof IOException || t instanceof TimeoutException
          || t instanceof ConnectionPoolTooBusyException) {
        return true;
      }
    }
    return false;
  }
}
