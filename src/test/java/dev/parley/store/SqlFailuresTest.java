package dev.parley.store;

import dev.parley.bus.Problem;
import dev.parley.bus.ProblemType;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.impl.NoStackTraceTimeoutException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.ConnectException;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;

class SqlFailuresTest {

  private static int status(Throwable failure) {
    return SqlFailures.toProblem(failure).map(Problem::status).orElse(0);
  }

  @ParameterizedTest(name = "SQL state {0} -> {1}")
  @CsvSource({
      "23505, 409", "22P02, 400", "22021, 400", "22P05, 400", "40001, 503", "40P01, 503", "55P03, 503",
      "08006, 503", "57P01, 503", "53300, 503", "55000, 503", "42P01, 0", "XX000, 0"})
  @DisplayName("SQL states map to problems by code (0: unexpected, logged and answered 500)")
  void sqlStates(String state, int expected) {
    assertEquals(expected, status(new PgException("message that must not matter", "ERROR", state, "detail")));
  }

  @Test
  @DisplayName("Lost or unobtainable connections are 503 wherever they sit in the cause chain; other errors are unexpected")
  void connections() {
    assertEquals(503, status(ClosedConnectionException.INSTANCE));
    assertEquals(503, status(new RuntimeException("wrapped", new ConnectException("refused"))));
    assertEquals(503, status(new NoStackTraceTimeoutException("pool wait")));
    assertEquals(503, status(new ConnectionPoolTooBusyException("queue full")));
    assertFalse(SqlFailures.toProblem(new IllegalStateException("Timeout: words alone decide nothing")).isPresent());
    Problem own = Problem.notFound("The conversation");
    assertSame(own, SqlFailures.toProblem(own).orElseThrow());
    assertEquals(Optional.of(ProblemType.UNAVAILABLE), SqlFailures.toProblem(ClosedConnectionException.INSTANCE).map(Problem::type));
  }
}
