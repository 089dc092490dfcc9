dofile(os.getenv("BENCH_LUA") .. "/common.lua")
request = function()
  local id, token = conversation()
  return get("/v1/conversations/" .. id .. "/messages?order=desc&limit=20", token)
end
