-- One row per provider call attempt. Never the prompt text, never a key.
CREATE TABLE llm_calls (
  id                bigserial PRIMARY KEY,
  created_at        timestamptz NOT NULL DEFAULT now(),
  request_id        text,
  conversation_id   uuid,
  owner             text        NOT NULL,
  provider          text        NOT NULL,
  model             text        NOT NULL,
  status            text        NOT NULL,
  http_status       integer,
  attempt           integer     NOT NULL,
  latency_ms        integer     NOT NULL,
  prompt_tokens     integer,
  completion_tokens integer,
  error_class       text
);

CREATE INDEX llm_calls_owner_created ON llm_calls (owner, created_at DESC);
CREATE INDEX llm_calls_conversation ON llm_calls (conversation_id);

-- complete, or interrupted when a stream ended before the provider finished.
ALTER TABLE messages ADD COLUMN status text NOT NULL DEFAULT 'complete'
  CHECK (status IN ('complete', 'interrupted'));
