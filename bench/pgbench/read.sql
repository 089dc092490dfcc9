-- Twin of a Parley history read (GET /v1/conversations/{id}/messages?order=desc&limit=20): the same two
-- statements Parley prepares (store/SqlQueries: messageCursors, messagesDescending).
\set c random(1, :convs)
\set u :c % :users
SELECT (SELECT seq FROM messages WHERE conversation_id = c.id AND id = NULL::uuid) AS after_seq, (SELECT seq FROM messages WHERE conversation_id = c.id AND id = NULL::uuid) AS before_seq FROM conversations c WHERE c.id = ('00000000-0000-4000-8000-' || lpad(to_hex((:c)::int), 12, '0'))::uuid AND c.owner = 'u' || (:u)::text AND c.deleted_at IS NULL;
SELECT id, conversation_id, seq, role, content, token_count, model, sources, metadata, tool_calls, status, created_at FROM messages WHERE conversation_id = ('00000000-0000-4000-8000-' || lpad(to_hex((:c)::int), 12, '0'))::uuid AND seq > 0 AND seq < 9223372036854775807 ORDER BY seq DESC LIMIT 21;
