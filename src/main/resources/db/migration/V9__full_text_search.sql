-- Full-text search over messages (GET /v1/search): the text search configuration is search.config
-- (default simple, which works for every language), fixed when this migration runs.
CREATE INDEX messages_search ON messages USING GIN (to_tsvector('${search_config}'::regconfig, content))
  WHERE deleted_at IS NULL;
