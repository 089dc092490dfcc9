-- The model alone, timed by the same client as a chat turn: one OpenAI chat-completions request with
-- what Parley sends for a turn on a seeded conversation (40 stored messages and the new one), straight
-- to the fake provider. A turn's overhead is its latency minus this one's.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local parts = {}
for s = 1, 40 do
  local role = (s % 2 == 1) and "user" or "assistant"
  parts[#parts + 1] = string.format('{"role":"%s","content":"Message %d of conversation 1: the quick brown fox jumps over the lazy dog, twice over."}', role, s)
end
parts[#parts + 1] = '{"role":"user","content":"What did we say earlier?"}'
local body = '{"model":"bench-model","max_tokens":64,"messages":[' .. table.concat(parts, ",") .. ']}'
request = function()
  return wrk.format("POST", "/v1/chat/completions", { ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer bench" }, body)
end
