-- A tool result (role 'tool') names the call it answers. A call is answered once: two results for
-- one call would make the conversation's context invalid for every provider.
ALTER TABLE messages ADD COLUMN tool_call_id text;

CREATE UNIQUE INDEX messages_tool_result ON messages (conversation_id, tool_call_id)
  WHERE tool_call_id IS NOT NULL AND deleted_at IS NULL;
