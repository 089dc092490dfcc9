package dev.parley.store;

/** All SQL of the conversation store, one statement per method, with $n placeholders. */
final class SqlQueries {

  private SqlQueries() {
  }

  static final String CONVERSATION_COLUMNS =
      "id, title, metadata, message_count, total_tokens, archived_at, cold_key IS NOT NULL AS cold, created_at, "
      + "updated_at, current_branch, forked_from_conversation_id, forked_from_message_id";

  static final String MESSAGE_COLUMNS =
      "id, conversation_id, seq, role, content, token_count, model, sources, selected_text, metadata, tool_calls, "
      + "tool_call_id, status, created_at, branch";

  static String insertConversation() {
    return "INSERT INTO conversations (id, owner, title, title_source, metadata) VALUES ($1, $2, $3, $4, $5) "
        + "RETURNING " + CONVERSATION_COLUMNS;
  }

  static String getConversation() {
    return "SELECT " + CONVERSATION_COLUMNS + " FROM conversations WHERE id = $1 AND owner = $2 AND deleted_at IS NULL";
  }

  /** $1 owner, $2 archived, $3 limit. */
  static String listConversations() {
    return "SELECT " + CONVERSATION_COLUMNS + " FROM conversations "
        + "WHERE owner = $1 AND deleted_at IS NULL AND (archived_at IS NOT NULL OR cold_key IS NOT NULL) = $2 "
        + "ORDER BY updated_at DESC, id DESC LIMIT $3";
  }

  /** $1 owner, $2 archived, $3 limit, $4 cursor id (conversations after it in the list). */
  static String listConversationsAfter() {
    return "SELECT " + CONVERSATION_COLUMNS + " FROM conversations "
        + "WHERE owner = $1 AND deleted_at IS NULL AND (archived_at IS NOT NULL OR cold_key IS NOT NULL) = $2 "
        + "AND (updated_at, id) < (SELECT updated_at, id FROM conversations WHERE id = $4 AND owner = $1) "
        + "ORDER BY updated_at DESC, id DESC LIMIT $3";
  }

  /** A message of the owner by its id alone ($1 id, $2 owner), in a conversation that is not deleted. */
  static String ownedMessage() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages m WHERE id = $1 AND deleted_at IS NULL "
        + "AND EXISTS (SELECT 1 FROM conversations c "
        + "WHERE c.id = m.conversation_id AND c.owner = $2 AND c.deleted_at IS NULL)";
  }

  /**
   * The first assistant message after seq $2 on conversation $1's current path: a turn's answer
   * (after a regenerate, the new answer: the old one has left the path).
   */
  static String answerAfter() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND seq > $2 AND role = 'assistant' "
        + "AND deleted_at IS NULL AND NOT off_path "
        + "ORDER BY seq LIMIT 1";
  }

  /** The message branch $2 of conversation $1 starts after (the parent a regenerate answered). */
  static String branchStart() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL AND seq = "
        + "(SELECT b.fork_seq FROM conversation_branches b WHERE b.conversation_id = $1 AND b.branch = $2)";
  }

  /** A follow's view of a conversation: its last seq and what a follower sees of it. */
  static String followHead() {
    return "SELECT last_seq, " + CONVERSATION_COLUMNS + " FROM conversations WHERE id = $1 AND owner = $2 AND deleted_at IS NULL";
  }

  static String conversationExists() {
    return "SELECT 1 FROM conversations WHERE id = $1 AND owner = $2";
  }

  /** $3 title given?, $4 title, $5 metadata given?, $6 metadata, $7 archived (null: unchanged). */
  static String updateConversation() {
    return "UPDATE conversations SET "
        + "title = CASE WHEN $3::boolean THEN $4::text ELSE title END, "
        + "title_source = CASE WHEN $3::boolean THEN (CASE WHEN $4::text IS NULL THEN 'auto' ELSE 'user' END) ELSE title_source END, "
        + "metadata = CASE WHEN $5::boolean THEN $6::jsonb ELSE metadata END, "
        + "archived_at = CASE WHEN $7::boolean IS NULL THEN archived_at WHEN $7::boolean THEN coalesce(archived_at, now()) ELSE NULL END, "
        + "updated_at = now() "
        + "WHERE id = $1 AND owner = $2 AND deleted_at IS NULL RETURNING " + CONVERSATION_COLUMNS;
  }

  static String softDeleteConversation() {
    return "UPDATE conversations SET deleted_at = now() WHERE id = $1 AND owner = $2 AND deleted_at IS NULL";
  }

  /**
   * Reserves $3 sequence numbers in one conversation. The row lock serialises concurrent appends
   * on every node, so seq stays gapless; counters change in the same transaction.
   * $4 tokens added, $5 automatic title candidate.
   */
  static String reserveSeqs() {
    return "UPDATE conversations SET last_seq = last_seq + $3, message_count = message_count + $3, "
        + "total_tokens = total_tokens + $4, updated_at = now(), "
        + "title = CASE WHEN title_source = 'auto' THEN coalesce(title, $5::text) ELSE title END "
        + "WHERE id = $1 AND owner = $2 AND deleted_at IS NULL AND cold_key IS NULL RETURNING last_seq, "
        + CONVERSATION_COLUMNS;
  }

  /**
   * reserveSeqs for many conversations at once (a group commit): $1..$5 are parallel arrays of
   * conversation, owner, message count, tokens and automatic title, one entry per conversation;
   * {@code ord} (1-based) says which entry a returned row belongs to. Rows are locked in the
   * arrays' order (a nested loop over them), so batches that sort their entries alike take their
   * locks alike.
   */
  static String reserveSeqsBatch() {
    return "UPDATE conversations SET last_seq = last_seq + v.n, message_count = message_count + v.n, "
        + "total_tokens = total_tokens + v.tokens, updated_at = now(), "
        + "title = CASE WHEN title_source = 'auto' THEN coalesce(title, v.auto_title) ELSE title END "
        + "FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[]) WITH ORDINALITY "
        + "AS v(conversation, member, n, tokens, auto_title, ord) "
        + "WHERE id = v.conversation AND owner = v.member AND deleted_at IS NULL AND cold_key IS NULL "
        + "RETURNING v.ord, last_seq, "
        + CONVERSATION_COLUMNS;
  }

  static String insertMessage() {
    return "INSERT INTO messages (conversation_id, seq, id, role, content, token_count, model, sources, metadata, "
        + "tool_calls, status, selected_text, tool_call_id, branch) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
        + "RETURNING "
        + MESSAGE_COLUMNS;
  }

  /**
   * A follow's catch-up: the messages after seq $2, deleted ones and those of other branches than
   * the current one included (flagged, without their content) so the follow can pass their places,
   * $3 at most.
   */
  static String feedMessages() {
    return "SELECT id, conversation_id, seq, role, "
        + "CASE WHEN deleted_at IS NULL AND NOT off_path THEN content ELSE '' END AS content, "
        + "token_count, model, sources, selected_text, metadata, tool_calls, tool_call_id, status, created_at, branch, "
        + "deleted_at IS NOT NULL OR off_path AS deleted FROM messages WHERE conversation_id = $1 AND seq > $2 "
        + "ORDER BY seq ASC LIMIT $3";
  }

  /** One visible message of the owner's conversation: $1 conversation, $2 owner, $3 message. */
  static String getMessage() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND id = $3 AND deleted_at IS NULL "
        + "AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $1 AND c.owner = $2 AND c.deleted_at IS NULL)";
  }

  /**
   * Deletes one message (soft: hidden from history and context, its seq stays taken) and takes it
   * out of the conversation's counters, in one statement: $1 conversation, $2 owner, $3 message.
   * No row: no such visible message in a conversation of the owner's.
   */
  static String deleteMessage() {
    return "WITH gone AS (UPDATE messages SET deleted_at = now() WHERE conversation_id = $1 AND id = $3 "
        + "AND deleted_at IS NULL AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $1 AND c.owner = $2 "
        + "AND c.deleted_at IS NULL) RETURNING token_count, off_path) "
        // The counters are the current path's: a message of another branch is not in them.
        + "UPDATE conversations SET message_count = message_count - CASE WHEN gone.off_path THEN 0 ELSE 1 END, "
        + "total_tokens = total_tokens - CASE WHEN gone.off_path THEN 0 ELSE gone.token_count END, "
        + "updated_at = now() FROM gone WHERE id = $1 RETURNING " + CONVERSATION_COLUMNS;
  }

  /** Replaces one visible message's metadata: $1 conversation, $2 owner, $3 message, $4 metadata. */
  static String updateMessageMetadata() {
    return "UPDATE messages SET metadata = $4 WHERE conversation_id = $1 AND id = $3 AND deleted_at IS NULL "
        + "AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $1 AND c.owner = $2 AND c.deleted_at IS NULL) "
        + "RETURNING " + MESSAGE_COLUMNS;
  }

  /** Confirms the conversation is the owner's and resolves message-id cursors to seq. */
  static String messageCursors() {
    return "SELECT (SELECT seq FROM messages WHERE conversation_id = c.id AND id = $3) AS after_seq, "
        + "(SELECT seq FROM messages WHERE conversation_id = c.id AND id = $4) AS before_seq, "
        + "c.cold_key IS NOT NULL AS cold FROM conversations c WHERE c.id = $1 AND c.owner = $2 AND c.deleted_at IS NULL";
  }

  /** $1 conversation, seq strictly between $2 and $3, $4 limit. */
  static String messagesAscending() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq < $3 "
        + "AND deleted_at IS NULL AND NOT off_path ORDER BY seq ASC LIMIT $4";
  }

  static String messagesDescending() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq < $3 "
        + "AND deleted_at IS NULL AND NOT off_path ORDER BY seq DESC LIMIT $4";
  }

  /**
   * The common history read in one round trip: the first page (no cursor), with the owner check
   * folded in. An empty result is ambiguous (no messages, or not the owner's) and is resolved by
   * {@link #messageCursors()}. $1 conversation, $2 owner, $3 limit.
   */
  static String firstPageAscending() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL "
        + "AND NOT off_path "
        + "AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $1 AND c.owner = $2 AND c.deleted_at IS NULL) "
        + "ORDER BY seq ASC LIMIT $3";
  }

  static String firstPageDescending() {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL "
        + "AND NOT off_path "
        + "AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = $1 AND c.owner = $2 AND c.deleted_at IS NULL) "
        + "ORDER BY seq DESC LIMIT $3";
  }

  static String eraseConversations() {
    return "DELETE FROM conversations WHERE owner = $1 RETURNING id, cold_key";
  }

  /** One provider call attempt; see {@link CallLogVerticle}. */
  static String insertLlmCall() {
    return "INSERT INTO llm_calls (request_id, conversation_id, owner, provider, model, status, "
        + "http_status, attempt, latency_ms, prompt_tokens, completion_tokens, error_class) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
  }

  static String eraseLlmCalls() {
    return "DELETE FROM llm_calls WHERE owner = $1";
  }

  /** Conversations soft-deleted more than $1 days ago, $2 at most (their messages go by cascade). */
  static String purgeDeletedConversations() {
    return "DELETE FROM conversations WHERE id IN (SELECT id FROM conversations "
        + "WHERE deleted_at < now() - make_interval(days => $1) LIMIT $2) RETURNING cold_key";
  }

  /** Messages soft-deleted more than $1 days ago, $2 at most. */
  static String purgeDeletedMessages() {
    return "DELETE FROM messages m USING (SELECT conversation_id, seq FROM messages "
        + "WHERE deleted_at < now() - make_interval(days => $1) LIMIT $2) d "
        + "WHERE m.conversation_id = d.conversation_id AND m.seq = d.seq";
  }

  /** Anonymous principals whose newest conversation changed more than $1 days ago, $2 at most. */
  static String abandonedAnonymousUsers() {
    return "SELECT owner FROM conversations WHERE owner LIKE 'anon-%' GROUP BY owner "
        + "HAVING max(updated_at) < now() - make_interval(days => $1) LIMIT $2";
  }

  /** Conversations untouched for $1 days and still hot, oldest first, $2 at most. */
  static String archiveCandidates() {
    return "SELECT id FROM conversations WHERE deleted_at IS NULL AND cold_key IS NULL "
        + "AND updated_at < now() - make_interval(days => $1) "
        + "AND (restored_at IS NULL OR restored_at < now() - make_interval(days => $1)) ORDER BY updated_at LIMIT $2";
  }

  /** A conversation to archive, as it is now: $1 id, $2 days untouched. */
  static String archiveHead() {
    return "SELECT owner, last_seq, summary, summary_upto_seq, " + CONVERSATION_COLUMNS + " FROM conversations "
        + "WHERE id = $1 AND deleted_at IS NULL AND cold_key IS NULL AND updated_at < now() - make_interval(days => $2) "
        + "AND (restored_at IS NULL OR restored_at < now() - make_interval(days => $2))";
  }

  /** Every visible message of conversation $1, in seq order, for its archive object. */
  static String archiveMessages() {
    return "SELECT " + MESSAGE_COLUMNS + ", off_path FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL "
        + "ORDER BY seq";
  }

  /** Locks a conversation about to go cold and reads what says whether it changed. */
  static String lockForArchive() {
    return "SELECT last_seq, updated_at FROM conversations WHERE id = $1 AND deleted_at IS NULL AND cold_key IS NULL "
        + "FOR UPDATE";
  }

  static String markCold() {
    return "UPDATE conversations SET cold_key = $2, cold_sha256 = $3 WHERE id = $1";
  }

  /** Every message row of an archived conversation, deleted ones too (those are not archived). */
  static String deleteArchivedMessages() {
    return "DELETE FROM messages WHERE conversation_id = $1";
  }

  /** Where a conversation of owner $2 lives, if it is cold. */
  static String coldStub() {
    return "SELECT cold_key, cold_sha256 FROM conversations WHERE id = $1 AND owner = $2 AND deleted_at IS NULL";
  }

  static String lockCold() {
    return "SELECT cold_key FROM conversations WHERE id = $1 FOR UPDATE";
  }

  /** One message back from cold storage, as it was. */
  static String restoreMessage() {
    return "INSERT INTO messages (conversation_id, seq, id, role, content, token_count, model, sources, metadata, "
        + "tool_calls, status, selected_text, created_at, tool_call_id, branch, off_path) "
        + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
  }

  /** An imported conversation, unless it was imported before (same id): $1 id … $10 updated_at. */
  static String importConversation() {
    return "INSERT INTO conversations (id, owner, title, title_source, metadata, message_count, total_tokens, last_seq, "
        + "archived_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6::int, $7, $6::int, CASE WHEN $8 THEN now() END, "
        + "$9, $10) ON CONFLICT (id) DO NOTHING RETURNING id";
  }

  static String markHot() {
    return "UPDATE conversations SET cold_key = NULL, cold_sha256 = NULL, restored_at = now() WHERE id = $1";
  }

  /** The record of claims the user made, or of the user (an anonymous principal) being claimed. */
  static String eraseAnonymousClaims() {
    return "DELETE FROM anonymous_claims WHERE claimed_by = $1 OR anonymous_user = $1";
  }

  /**
   * Claims anonymous principal $1 for user $2, or finds who claimed it first (the row stays locked
   * until the transaction ends, so two claims never both win).
   */
  static String claimAnonymous() {
    return "INSERT INTO anonymous_claims (anonymous_user, claimed_by) VALUES ($1, $2) ON CONFLICT (anonymous_user) "
        + "DO UPDATE SET anonymous_user = EXCLUDED.anonymous_user RETURNING claimed_by";
  }

  /** Moves every conversation of owner $1 to owner $2. */
  static String moveConversations() {
    return "UPDATE conversations SET owner = $2 WHERE owner = $1 RETURNING id";
  }

  static String countClaimed() {
    return "UPDATE anonymous_claims SET conversations = conversations + $2 WHERE anonymous_user = $1 "
        + "RETURNING conversations, claimed_at";
  }

  /** The conversation's summary state, and whether it is the owner's. */
  /**
   * A context read's first statement: the conversation's head (no row: not the owner's, or gone) and
   * the newest $5 messages below seq $3 (null: all) and above the summary when $4 asks for it; a
   * conversation without such messages gives one row whose message columns are null.
   */
  static String contextFirstPage() {
    return "SELECT c.summary, c.summary_upto_seq, c.last_seq, c.message_count, c.cold_key IS NOT NULL AS cold, m.id, m.seq, "
        + "m.role, m.content, m.token_count, m.tool_calls, m.tool_call_id "
        + "FROM conversations c LEFT JOIN LATERAL (SELECT id, seq, role, content, token_count, tool_calls, tool_call_id "
        + "FROM messages "
        + "WHERE conversation_id = c.id AND deleted_at IS NULL AND NOT off_path AND seq < coalesce($3::bigint, c.last_seq + 1) "
        + "AND seq > CASE WHEN $4::boolean AND c.summary IS NOT NULL THEN c.summary_upto_seq ELSE 0 END "
        + "ORDER BY seq DESC LIMIT $5) m ON true "
        + "WHERE c.id = $1 AND c.owner = $2 AND c.deleted_at IS NULL ORDER BY m.seq DESC";
  }

  /** Newest first, below seq $2 and above seq $3, for context assembly: only the columns it needs. */
  static String contextPage() {
    return "SELECT id, seq, role, content, token_count, tool_calls, tool_call_id FROM messages "
        + "WHERE conversation_id = $1 AND seq < $2 AND seq > $3 "
        + "AND deleted_at IS NULL AND NOT off_path ORDER BY seq DESC LIMIT $4";
  }

  /** The newest visible message other than a tool result and the results after it, newest first ($2 rows at most). */
  static String toolCallTail() {
    return "SELECT role, tool_calls, tool_call_id FROM messages WHERE conversation_id = $1 AND deleted_at IS NULL "
        + "AND NOT off_path AND seq >= coalesce((SELECT max(seq) FROM messages WHERE conversation_id = $1 "
        + "AND role <> 'tool' AND deleted_at IS NULL AND NOT off_path), 0) ORDER BY seq DESC LIMIT $2";
  }

  /** The branches of conversation $1 other than the root branch 0. */
  static String branchesOf() {
    return "SELECT branch, parent_branch, fork_seq, created_at FROM conversation_branches WHERE conversation_id = $1";
  }

  /**
   * Every branch of conversation $1 (0 first) with its fork, the message it starts after, and its
   * first and last visible messages.
   */
  static String branchSummaries() {
    return "SELECT b.branch, b.parent_branch, b.fork_seq, b.created_at, "
        + "(SELECT id FROM messages WHERE conversation_id = $1 AND seq = b.fork_seq) AS fork_message_id, "
        + "(SELECT id FROM messages WHERE conversation_id = $1 AND seq > b.fork_seq AND branch = b.branch "
        + "AND deleted_at IS NULL ORDER BY seq LIMIT 1) AS first_message_id, "
        + "(SELECT id FROM messages WHERE conversation_id = $1 AND branch = b.branch AND deleted_at IS NULL "
        + "ORDER BY seq DESC LIMIT 1) AS last_message_id "
        + "FROM (SELECT 0 AS branch, NULL::int AS parent_branch, 0::bigint AS fork_seq, NULL::timestamptz AS created_at "
        + "UNION ALL SELECT branch, parent_branch, fork_seq, created_at FROM conversation_branches WHERE conversation_id = $1) b "
        + "ORDER BY b.branch";
  }

  /** Every visible message of every branch, seq strictly between $2 and $3, $4 at most (?branch=all). */
  static String allMessages(boolean descending) {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages WHERE conversation_id = $1 AND seq > $2 AND seq < $3 "
        + "AND deleted_at IS NULL ORDER BY seq " + (descending ? "DESC" : "ASC") + " LIMIT $4";
  }

  /** Locks the owner's conversation for a change of its branches: $1 conversation, $2 owner. */
  static String lockForBranch() {
    return "SELECT current_branch, branch_count, cold_key IS NOT NULL AS cold FROM conversations "
        + "WHERE id = $1 AND owner = $2 AND deleted_at IS NULL FOR UPDATE";
  }

  /** Where visible message $2 of conversation $1 is. */
  static String messagePlace() {
    return "SELECT seq, branch, off_path FROM messages WHERE conversation_id = $1 AND id = $2 AND deleted_at IS NULL";
  }

  /** The newest message (deleted ones included) on conversation $1's current path, and whether branch $2 has any. */
  static String pathTip() {
    return "SELECT (SELECT max(seq) FROM messages WHERE conversation_id = $1 AND NOT off_path) AS tip, "
        + "EXISTS (SELECT 1 FROM messages WHERE conversation_id = $1 AND branch = $2) AS branch_used";
  }

  /** An imported branched conversation: $2 last seq, $3 current branch, $4 branch count. */
  static String importedBranches() {
    return "UPDATE conversations SET last_seq = $2, current_branch = $3, branch_count = $4 WHERE id = $1";
  }

  static String insertBranch() {
    return "INSERT INTO conversation_branches (conversation_id, branch, parent_branch, fork_seq) VALUES ($1, $2, $3, $4)";
  }

  /** Whether a message (its branch and seq) is on the path given by parallel arrays of branches and their last seqs. */
  private static String onPath(String alias, int branches, int maxSeqs) {
    return "EXISTS (SELECT 1 FROM unnest($" + branches + "::int[], $" + maxSeqs + "::bigint[]) p(b, mx) "
        + "WHERE p.b = " + alias + ".branch AND " + alias + ".seq <= p.mx)";
  }

  /**
   * Makes branch $5 current: after seq $2, the messages on its path ($3 branches, $4 their last
   * seqs) come on the path and the others leave it; the counters follow. Returns the conversation.
   */
  static String switchBranch() {
    return "WITH changed AS (UPDATE messages m SET off_path = NOT " + onPath("m", 3, 4) + " "
        + "WHERE m.conversation_id = $1 AND m.seq > $2 AND m.off_path = " + onPath("m", 3, 4) + " "
        + "RETURNING m.off_path, m.token_count, m.deleted_at IS NULL AS visible) "
        + "UPDATE conversations SET current_branch = $5, branch_count = greatest(branch_count, $5 + 1), "
        + "message_count = message_count + coalesce((SELECT sum(CASE WHEN off_path THEN -1 ELSE 1 END) FROM changed "
        + "WHERE visible), 0), "
        + "total_tokens = total_tokens + coalesce((SELECT sum(CASE WHEN off_path THEN -token_count ELSE token_count END) "
        + "FROM changed WHERE visible), 0), updated_at = now() WHERE id = $1 RETURNING " + CONVERSATION_COLUMNS;
  }

  /** History along a path that is not the current one: seq strictly between $2 and $3, on the path $4/$5, $6 at most. */
  static String pathMessages(boolean descending) {
    return "SELECT " + MESSAGE_COLUMNS + " FROM messages m WHERE conversation_id = $1 AND seq > $2 AND seq < $3 "
        + "AND deleted_at IS NULL AND " + onPath("m", 4, 5) + " ORDER BY seq " + (descending ? "DESC" : "ASC") + " LIMIT $6";
  }

  /** A new conversation forked from another ($1 id, $2 owner, $3 title, $4 metadata, $5 source, $6 source message). */
  static String insertFork() {
    return "INSERT INTO conversations (id, owner, title, title_source, metadata, forked_from_conversation_id, "
        + "forked_from_message_id) VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN 'auto' ELSE 'user' END, $4, $5, $6) "
        + "RETURNING " + CONVERSATION_COLUMNS;
  }

  /** Sets a forked conversation's counters once its messages are copied: $2 messages, $3 tokens. */
  static String forkCounters() {
    return "UPDATE conversations SET last_seq = $2::bigint, message_count = $2::int, total_tokens = $3 WHERE id = $1 "
        + "RETURNING " + CONVERSATION_COLUMNS;
  }

  /** Moves the summary forward only: an older refresh never overwrites a newer one. */
  static String updateSummary() {
    return "UPDATE conversations SET summary = $3, summary_upto_seq = $4 "
        + "WHERE id = $1 AND owner = $2 AND deleted_at IS NULL AND summary_upto_seq < $4";
  }

  static String eraseIdempotencyKeys() {
    return "DELETE FROM idempotency_keys WHERE owner = $1";
  }

  /** Claims a key inside the write's own transaction ($5 attempt and $6 lease seconds are null there). */
  static String claimIdempotencyKey() {
    return "INSERT INTO idempotency_keys (owner, key, operation, request_hash, status, attempt, lease_until) "
        + "VALUES ($1, $2, $3, $4, 'running', $5, now() + make_interval(secs => $6)) "
        + "ON CONFLICT (owner, key) DO NOTHING RETURNING key";
  }

  /**
   * $3 retention in hours. A running key is abandoned when its lease ran out (rows without a lease
   * date from before leases: after two minutes).
   */
  static String readIdempotencyKey() {
    return "SELECT operation, request_hash, status, response_status, response, progress, "
        + "status = 'running' AND coalesce(lease_until, created_at + interval '2 minutes') < now() AS abandoned, "
        + "ceil(extract(epoch FROM coalesce(lease_until, created_at + interval '2 minutes') - now()))::bigint AS lease_left, "
        + "created_at < now() - make_interval(hours => $3) AS expired "
        + "FROM idempotency_keys WHERE owner = $1 AND key = $2";
  }

  /**
   * Takes over an abandoned key (keeping its progress when it is the same request, for a resumed
   * turn) or an expired one (a new first request) for attempt $5 with a lease of $6 seconds.
   * $7 retention in hours.
   */
  static String reclaimIdempotencyKey() {
    return "UPDATE idempotency_keys SET attempt = $5, lease_until = now() + make_interval(secs => $6), "
        + "operation = $3, request_hash = $4, status = 'running', response_status = NULL, response = NULL, "
        + "progress = CASE WHEN created_at >= now() - make_interval(hours => $7) AND operation = $3 "
        + "AND request_hash = $4 THEN progress END, "
        + "created_at = CASE WHEN created_at < now() - make_interval(hours => $7) THEN now() ELSE created_at END "
        + "WHERE owner = $1 AND key = $2 AND (status = 'running' "
        + "AND coalesce(lease_until, created_at + interval '2 minutes') < now() "
        + "OR created_at < now() - make_interval(hours => $7)) RETURNING progress";
  }

  /** Stores the response; $5 the attempt that must still hold the key (null inside the write's transaction). */
  static String completeIdempotencyKey() {
    return "UPDATE idempotency_keys SET status = 'done', response_status = $3, response = $4, lease_until = NULL "
        + "WHERE owner = $1 AND key = $2 AND status = 'running' AND attempt IS NOT DISTINCT FROM $5";
  }

  /** Records how far attempt $3 got ($4), while it still holds the key. */
  static String recordIdempotencyProgress() {
    return "UPDATE idempotency_keys SET progress = $4 WHERE owner = $1 AND key = $2 AND attempt = $3 AND status = 'running'";
  }

  static String releaseIdempotencyKey() {
    return "DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2 AND attempt = $3 AND status = 'running'";
  }

  /** Extends the leases of the running attempts $1 by $2 seconds. */
  static String renewIdempotencyLeases() {
    return "UPDATE idempotency_keys SET lease_until = now() + make_interval(secs => $2) "
        + "WHERE attempt = ANY($1) AND status = 'running'";
  }

  static String purgeIdempotencyKeys() {
    return "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)";
  }

  /** The cache fence as a lease reads it. */
  static String readCacheFence() {
    return "SELECT namespace, epoch, coalesce(suspended_until > now(), false) AS suspended FROM cache_fence WHERE id = 1";
  }

  /**
   * Fences the cache after a missed invalidation: a new epoch when the cache was not already
   * suspended, and the suspension extended by $1 seconds. Answers how long it has been suspended.
   */
  static String fenceCache() {
    return "UPDATE cache_fence SET "
        + "epoch = CASE WHEN coalesce(suspended_until > clock_timestamp(), false) THEN epoch ELSE epoch + 1 END, "
        + "suspended_since = CASE WHEN coalesce(suspended_until > clock_timestamp(), false) "
        + "THEN suspended_since ELSE clock_timestamp() END, "
        + "suspended_until = clock_timestamp() + make_interval(secs => $1) "
        + "WHERE id = 1 RETURNING epoch, "
        + "(extract(epoch FROM clock_timestamp() - suspended_since) * 1000)::bigint AS suspended_for_ms";
  }

  static String ping() {
    return "SELECT count(*) FROM flyway_schema_history";
  }
}
