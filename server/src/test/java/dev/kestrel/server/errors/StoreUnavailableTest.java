package dev.kestrel.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kestrel.model.api.Envelopes.ErrorBody;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;

/**
 * Issue 28: a request served while the embedded database was being closed (SIGTERM) answered 500. A
 * store that cannot be reached is a 503 with Retry-After; any other store error stays a 500.
 */
class StoreUnavailableTest {
  final ErrorMappers.StoreUnavailable mapper = new ErrorMappers.StoreUnavailable();

  @Test
  void aConnectionThatCannotBeHadIs503WithRetryAfter() {
    Response answer =
        mapper.toResponse(
            new ConnectionException(
                new SQLNonTransientConnectionException("Database is already closed", "90121")));
    assertThat(answer.getStatus()).isEqualTo(503);
    assertThat(answer.getHeaderString("Retry-After")).isEqualTo("1");
    assertThat(((ErrorBody) answer.getEntity()).detail()).isEqualTo("store_unavailable");
  }

  @Test
  void aStatementWhoseConnectionBrokeIs503() {
    Response answer =
        mapper.toResponse(
            new UnableToExecuteStatementException(
                new SQLException("An I/O error occurred while sending to the backend", "08006"),
                null));
    assertThat(answer.getStatus()).isEqualTo(503);
  }

  @Test
  void anyOtherStoreErrorIsOurFault() {
    Response answer =
        mapper.toResponse(
            new UnableToExecuteStatementException(
                new SQLException("duplicate key value violates unique constraint", "23505"), null));
    assertThat(answer.getStatus()).isEqualTo(500);
    assertThat(answer.getHeaderString(ErrorMappers.ERROR_ID_HEADER)).isNotNull();
  }
}
