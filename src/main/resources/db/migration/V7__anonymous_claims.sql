-- Anonymous principals who signed in: each is claimed by exactly one user, once and for all
-- (a second claim by the same user moves what the principal wrote since; another user's is refused).
CREATE TABLE anonymous_claims (
  anonymous_user text        PRIMARY KEY,
  claimed_by     text        NOT NULL,
  conversations  integer     NOT NULL DEFAULT 0,
  claimed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX anonymous_claims_claimed_by ON anonymous_claims (claimed_by);
