-- Twin of a Parley history read (GET /v1/conversations/{id}/messages?order=desc&limit=20): the one
-- statement Parley prepares for a first page (store/SqlQueries.firstPageDescending).
\set c random(1, :convs)
\set u :c % :users
SELECT id, conversation_id, seq, role, content, token_count, model, sources, metadata, tool_calls, status, created_at FROM messages WHERE conversation_id = ('00000000-0000-4000-8000-' || lpad(to_hex((:c)::int), 12, '0'))::uuid AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = ('00000000-0000-4000-8000-' || lpad(to_hex((:c)::int), 12, '0'))::uuid AND c.owner = 'u' || (:u)::text AND c.deleted_at IS NULL) ORDER BY seq DESC LIMIT 21;
