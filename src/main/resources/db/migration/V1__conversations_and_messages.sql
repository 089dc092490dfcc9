-- Conversations, their messages, and stored responses for idempotent POSTs.

CREATE TABLE conversations (
  id               uuid PRIMARY KEY,
  owner            text        NOT NULL,
  title            text,
  title_source     text        NOT NULL DEFAULT 'auto' CHECK (title_source IN ('auto', 'user')),
  metadata         jsonb       NOT NULL DEFAULT '{}'::jsonb,
  message_count    integer     NOT NULL DEFAULT 0,
  total_tokens     bigint      NOT NULL DEFAULT 0,
  last_seq         bigint      NOT NULL DEFAULT 0,
  summary          text,
  summary_upto_seq bigint      NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  archived_at      timestamptz,
  deleted_at       timestamptz
);

-- "My conversations, newest activity first", keyset-paginated on (updated_at, id).
CREATE INDEX conversations_owner_activity
  ON conversations (owner, updated_at DESC, id DESC)
  WHERE deleted_at IS NULL;

CREATE TABLE messages (
  conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq             bigint      NOT NULL,
  id              uuid        NOT NULL UNIQUE,
  role            text        NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content         text        NOT NULL,
  token_count     integer     NOT NULL,
  model           text,
  sources         jsonb,
  metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  tool_calls      jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE idempotency_keys (
  owner           text        NOT NULL,
  key             text        NOT NULL,
  operation       text        NOT NULL,
  request_hash    text        NOT NULL,
  status          text        NOT NULL CHECK (status IN ('running', 'done')),
  response_status integer,
  response        jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner, key)
);

CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
