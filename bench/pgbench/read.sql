-- Twin of a Parley history read (GET /v1/conversations/{id}/messages?order=desc&limit=20): the one
-- statement Parley prepares for a first page (store/SqlQueries.firstPageDescending). bench/run
-- makes one script per sampled conversation from this template, with the conversation id and the
-- owner as constants of the prepared statement, as Parley binds them: PostgreSQL does exactly the
-- work of Parley's request and no more (no uuid built from text per query).
SELECT id, conversation_id, seq, role, content, token_count, model, sources, selected_text, metadata, tool_calls, tool_call_id, status, created_at, branch FROM messages WHERE conversation_id = '{{conversation}}'::uuid AND deleted_at IS NULL AND NOT off_path AND EXISTS (SELECT 1 FROM conversations c WHERE c.id = '{{conversation}}'::uuid AND c.owner = '{{owner}}' AND c.deleted_at IS NULL) ORDER BY seq DESC LIMIT 21;
