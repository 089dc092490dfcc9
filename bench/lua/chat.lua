dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local fixed = os.getenv("BENCH_CONVERSATION")
request = function()
  local id, token
  if fixed then
    id, token = fixed, named_token("scale")
  else
    id, token = conversation()
  end
  return post("/v1/chat", token, '{"conversation_id":"' .. id .. '","message":"What did we say earlier?","max_output_tokens":64}')
end
