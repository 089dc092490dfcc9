-- Twin of a Parley append of one message (POST /v1/conversations/{id}/messages): the same durable
-- transaction (store/SqlQueries: reserveSeqs, insertMessage), synchronous commit as configured.
\set c random(1, :convs)
\set u :c % :users
BEGIN;
UPDATE conversations SET last_seq = last_seq + 1, message_count = message_count + 1, total_tokens = total_tokens + 9, updated_at = now(), title = CASE WHEN title_source = 'auto' THEN coalesce(title, NULL::text) ELSE title END WHERE id = ('00000000-0000-4000-8000-' || lpad(to_hex((:c)::int), 12, '0'))::uuid AND owner = 'u' || (:u)::text AND deleted_at IS NULL RETURNING last_seq, id, title, metadata, message_count, total_tokens, archived_at, created_at, updated_at \gset
INSERT INTO messages (conversation_id, seq, id, role, content, token_count, model, sources, metadata, tool_calls, status) VALUES (('00000000-0000-4000-8000-' || lpad(to_hex((:c)::int), 12, '0'))::uuid, :last_seq, gen_random_uuid(), 'user', 'A new message appended by the benchmark, ten words or so.', 9, NULL, NULL, '{}'::jsonb, NULL, 'complete') RETURNING id, conversation_id, seq, role, content, token_count, model, sources, metadata, tool_calls, status, created_at;
COMMIT;
