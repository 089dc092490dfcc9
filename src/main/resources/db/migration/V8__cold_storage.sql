-- Cold storage: a conversation untouched for archive.after_days moves to the object store (one
-- gzip NDJSON object per conversation); its row stays as a stub (id, owner, title, counters) that
-- says where it lives (cold_key) and what the object must hash to (cold_sha256).
ALTER TABLE conversations ADD COLUMN cold_key text;
ALTER TABLE conversations ADD COLUMN cold_sha256 text;
-- When it last came back from cold storage: a conversation someone just used stays hot for another
-- archive.after_days even though reading it changes nothing else.
ALTER TABLE conversations ADD COLUMN restored_at timestamptz;
CREATE INDEX conversations_archive_candidates ON conversations (updated_at)
  WHERE deleted_at IS NULL AND cold_key IS NULL;
