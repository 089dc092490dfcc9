package dev.parley.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail, on its own logger ("audit"): who read, created, changed, deleted or erased which
 * conversation, with the request id. Ids only: never titles, content or tokens.
 */
public final class Audit {

  private static final Logger AUDIT = LoggerFactory.getLogger("audit");

  private Audit() {
  }

  public static void record(String action, String user, String conversationId, String requestId) {
    AUDIT.atInfo().addKeyValue("action", action).addKeyValue("user", user)
        .addKeyValue("conversation_id", conversationId).addKeyValue("request_id", requestId)
        .log("audit " + action);
  }
}
