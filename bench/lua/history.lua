dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local id = os.getenv("BENCH_CONVERSATION")
request = function()
  return get("/v1/conversations/" .. id .. "/messages?order=desc&limit=20", named_token("scale"))
end
