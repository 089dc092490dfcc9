-- Branches: editing a message or regenerating an answer forks the conversation instead of
-- overwriting it. A branch is a chain of messages that grows only at its tip; branch 0 starts at
-- the root, every other branch starts after a message of its parent branch (fork_seq; 0 = the
-- root). seq stays the conversation's gapless write order across all branches.
--
-- The conversation follows one branch (current_branch): the messages on its path (its own, and its
-- ancestors' up to each fork) have off_path = false, every other message off_path = true, so history
-- and context read the current path with one more condition and no path walk. Switching branches
-- flips off_path for the messages after the point where the two paths part, and keeps
-- message_count and total_tokens those of the current path. Both new message columns have constant
-- defaults: adding them does not rewrite the table.
ALTER TABLE messages ADD COLUMN branch integer NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN off_path boolean NOT NULL DEFAULT false;

ALTER TABLE conversations ADD COLUMN current_branch integer NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN branch_count integer NOT NULL DEFAULT 1;
-- A conversation made by POST /v1/conversations/{id}/fork: where it came from.
ALTER TABLE conversations ADD COLUMN forked_from_conversation_id uuid;
ALTER TABLE conversations ADD COLUMN forked_from_message_id uuid;

CREATE TABLE conversation_branches (
  conversation_id uuid        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  branch          integer     NOT NULL,
  parent_branch   integer     NOT NULL,
  fork_seq        bigint      NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (conversation_id, branch)
);
