-- The cache fence: one row every node reads to know whether, and under which epoch, it may serve
-- from the shared Redis cache. A node that could not invalidate Redis after a committed write bumps
-- the epoch and suspends the cache here, then waits out every reader's lease before it answers.
-- See docs/architecture.md, "Cache coherence".
-- The namespace keeps the Redis keys of deployments (databases) that share one Redis apart.
CREATE TABLE cache_fence (
  id              smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  namespace       text        NOT NULL DEFAULT substr(md5(random()::text || clock_timestamp()::text), 1, 12),
  epoch           bigint      NOT NULL DEFAULT 1,
  suspended_since timestamptz,
  suspended_until timestamptz
);

INSERT INTO cache_fence DEFAULT VALUES;
