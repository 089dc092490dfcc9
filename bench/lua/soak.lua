-- The soak mix: 70 % history pages, 20 % durable appends, 10 % chat turns, each connection paced by
-- BENCH_DELAY_MS between its requests so the offered load stays at the rate bench/soak chose.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local pause = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local append = '{"messages":[{"role":"user","content":"A message appended during the soak, ten words or so."}]}'
request = function()
  local id, token = conversation()
  local roll = math.random()
  if roll < 0.7 then
    return get("/v1/conversations/" .. id .. "/messages?order=desc&limit=20", token)
  elseif roll < 0.9 then
    return post("/v1/conversations/" .. id .. "/messages", token, append)
  end
  return post("/v1/chat", token, '{"conversation_id":"' .. id .. '","message":"Still there?","max_output_tokens":64}')
end
delay = function()
  return pause
end
