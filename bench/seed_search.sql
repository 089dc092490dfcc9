-- The search corpus (bench/run's search group): every bench user u0..u<users-1> gets conv_per_user
-- more conversations of per messages, whose text draws words from a 256-word vocabulary (word<k>),
-- so a one-word query matches about 1 message in 40 of the user's. Variables (psql -v): users,
-- conv_per_user, per. Ids: 40000000-0000-4000-8000-<n, 12 hex digits>.
\set ON_ERROR_STOP on
BEGIN;
INSERT INTO conversations (id, owner, title, title_source, message_count, total_tokens, last_seq, created_at, updated_at)
SELECT ('40000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'u' || (n % :users), 'search ' || n, 'user',
       :per, :per * 20, :per, now() - interval '1 day', now() - interval '1 day'
FROM generate_series(1, :users * :conv_per_user) n;
INSERT INTO messages (conversation_id, seq, id, role, content, token_count, metadata, created_at)
SELECT ('40000000-0000-4000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, s, gen_random_uuid(),
       CASE WHEN s % 2 = 1 THEN 'user' ELSE 'assistant' END,
       'note ' || s || ' on word' || ((n * 7 + s * 13) % 256) || ' and word' || ((n * 11 + s * 5) % 256)
         || ', with word' || ((n + s * 31) % 256) || ' for good measure and some ordinary filler text',
       20, '{}'::jsonb, now() - interval '1 day'
FROM generate_series(1, :users * :conv_per_user) n, generate_series(1, :per) s;
COMMIT;
ANALYZE conversations;
ANALYZE messages;
