-- Message-level operations (issue: conversation lifecycle).
-- selected_text: the text the user had selected when writing the message, or null (beside sources).
-- deleted_at: a message deleted on its own is hidden from history and from the context sent to
-- models; its seq stays taken, so the order of the others never changes.
ALTER TABLE messages ADD COLUMN selected_text text;
ALTER TABLE messages ADD COLUMN deleted_at timestamptz;

-- The maintenance job finds what was deleted long enough ago to purge.
CREATE INDEX messages_deleted ON messages (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX conversations_deleted ON conversations (deleted_at) WHERE deleted_at IS NOT NULL;
