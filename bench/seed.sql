-- Bench data. Variables (psql -v): users, convs, per (messages per conversation), scale_sizes (a SQL array).
-- Conversation j (1..convs) has id 00000000-0000-4000-8000-<j in hex, 12 digits> and owner u<j % users>,
-- so wrk's Lua scripts and pgbench's scripts can name the same rows without a lookup.
\set ON_ERROR_STOP on
BEGIN;
TRUNCATE messages, conversation_branches, conversations, idempotency_keys, llm_calls;

INSERT INTO conversations (id, owner, title, title_source, message_count, total_tokens, last_seq, created_at, updated_at)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(j), 12, '0'))::uuid, 'u' || (j % :users), 'bench ' || j, 'user',
       :per, :per * 20, :per, now() - interval '1 day', now() - make_interval(secs => j)
FROM generate_series(1, :convs) j;

INSERT INTO messages (conversation_id, seq, id, role, content, token_count, metadata, created_at)
SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(j), 12, '0'))::uuid, s, gen_random_uuid(),
       CASE WHEN s % 2 = 1 THEN 'user' ELSE 'assistant' END,
       'Message ' || s || ' of conversation ' || j || ': the quick brown fox jumps over the lazy dog, twice over.',
       20, '{}'::jsonb, now() - interval '1 day'
FROM generate_series(1, :convs) j, generate_series(1, :per) s;

-- Scaling: one conversation per size, owned by "scale", id 10000000-0000-4000-8000-<size, 12 digits>.
INSERT INTO conversations (id, owner, title, title_source, message_count, total_tokens, last_seq)
SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 'scale', 'size ' || n, 'user', n, n * 20, n
FROM unnest(:scale_sizes::int[]) n;
INSERT INTO messages (conversation_id, seq, id, role, content, token_count, metadata)
SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, s, gen_random_uuid(),
       CASE WHEN s % 2 = 1 THEN 'user' ELSE 'assistant' END,
       'Scaling message ' || s || ': the quick brown fox jumps over the lazy dog, twice over.', 20, '{}'::jsonb
FROM unnest(:scale_sizes::int[]) n, generate_series(1, n) s;
-- Each scaling conversation was edited ten messages before its end: its last ten messages stay on
-- branch 0, off the path, and ten others follow on branch 1, the current one (reads of the current
-- path pass the other branch's rows; the size comparison covers branched conversations).
INSERT INTO conversation_branches (conversation_id, branch, parent_branch, fork_seq)
SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, 1, 0, n - 10 FROM unnest(:scale_sizes::int[]) n;
UPDATE messages SET off_path = true
WHERE conversation_id IN (SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid FROM unnest(:scale_sizes::int[]) n)
  AND seq > (SELECT c.last_seq - 10 FROM conversations c WHERE c.id = messages.conversation_id);
INSERT INTO messages (conversation_id, seq, id, role, content, token_count, metadata, branch)
SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, n + s, gen_random_uuid(),
       CASE WHEN s % 2 = 1 THEN 'user' ELSE 'assistant' END,
       'Edited message ' || s || ': the quick brown fox jumps over the lazy dog, twice over.', 20, '{}'::jsonb, 1
FROM unnest(:scale_sizes::int[]) n, generate_series(1, 10) s;
UPDATE conversations SET last_seq = last_seq + 10, current_branch = 1, branch_count = 2
WHERE id IN (SELECT ('10000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid FROM unnest(:scale_sizes::int[]) n);

-- Conversation lists: "list10" owns 10 conversations, "list10000" owns 10,000.
INSERT INTO conversations (id, owner, title, title_source, created_at, updated_at)
SELECT ('20000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, 'list10', 'list ' || k, 'user', now(), now() - make_interval(secs => k)
FROM generate_series(1, 10) k;
INSERT INTO conversations (id, owner, title, title_source, created_at, updated_at)
SELECT ('30000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, 'list10000', 'list ' || k, 'user', now(), now() - make_interval(secs => k)
FROM generate_series(1, 10000) k;
COMMIT;
ANALYZE;
