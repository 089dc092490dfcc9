dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local body = '{"messages":[{"role":"user","content":"A new message appended by the benchmark, ten words or so."}]}'
request = function()
  local id, token = conversation()
  return post("/v1/conversations/" .. id .. "/messages", token, body)
end
