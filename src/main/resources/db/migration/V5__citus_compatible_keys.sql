-- Keys a distributed PostgreSQL (Citus) can keep: every unique key of a distributed table holds its
-- distribution column (docs/scaling.md).

-- messages are distributed by conversation_id: message ids stay indexed for lookups, but are no
-- longer a unique key of their own (they are random UUIDs made by Parley).
ALTER TABLE messages DROP CONSTRAINT messages_id_key;
CREATE INDEX messages_id ON messages (id);

-- llm_calls are distributed by owner.
ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_pkey;
ALTER TABLE llm_calls ADD PRIMARY KEY (owner, id);
