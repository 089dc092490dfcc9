-- Chat turns hold their idempotency key under a lease that their node renews while it works on
-- them: a key whose node died is usable again when the lease runs out. The attempt id fences a
-- superseded attempt out of every later write; progress lets a retry resume where it died.
ALTER TABLE idempotency_keys
  ADD COLUMN attempt     uuid,
  ADD COLUMN lease_until timestamptz,
  ADD COLUMN progress    jsonb;

CREATE INDEX idempotency_keys_attempt ON idempotency_keys (attempt) WHERE status = 'running';
