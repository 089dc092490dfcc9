-- Twin of a Parley append of one message (POST /v1/conversations/{id}/messages): the same durable
-- transaction (store/SqlQueries: reserveSeqs, insertMessage), synchronous commit as configured.
-- One script per sampled conversation (see read.sql): the ids are constants, as Parley binds them.
BEGIN;
UPDATE conversations SET last_seq = last_seq + 1, message_count = message_count + 1, total_tokens = total_tokens + 9, updated_at = now(), title = CASE WHEN title_source = 'auto' THEN coalesce(title, NULL::text) ELSE title END WHERE id = '{{conversation}}'::uuid AND owner = '{{owner}}' AND deleted_at IS NULL AND cold_key IS NULL RETURNING last_seq, id, title, metadata, message_count, total_tokens, archived_at, cold_key IS NOT NULL AS cold, created_at, updated_at, current_branch, forked_from_conversation_id, forked_from_message_id \gset
INSERT INTO messages (conversation_id, seq, id, role, content, token_count, model, sources, metadata, tool_calls, status, selected_text, tool_call_id, branch) VALUES ('{{conversation}}'::uuid, :last_seq, gen_random_uuid(), 'user', 'A new message appended by the benchmark, ten words or so.', 9, NULL, NULL, '{}'::jsonb, NULL, 'complete', NULL, NULL, :current_branch) RETURNING id, conversation_id, seq, role, content, token_count, model, sources, selected_text, metadata, tool_calls, tool_call_id, status, created_at, branch;
COMMIT;
