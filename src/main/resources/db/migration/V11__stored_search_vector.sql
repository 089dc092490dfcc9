-- Search reads each candidate message's tsvector instead of computing it: a search goes through
-- the caller's conversations (their messages by primary key), and computing to_tsvector for each
-- of them was most of its cost. Stored with the row, for search.config as this migration runs.
-- Rewrites the messages table once. The V9 expression index is dropped: searches are scoped to
-- one user's conversations and never used it, and every write paid for it.
ALTER TABLE messages ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS (to_tsvector('${search_config}'::regconfig, content)) STORED;

DROP INDEX messages_search;
