dofile(os.getenv("BENCH_LUA") .. "/common.lua")
local fixed = os.getenv("BENCH_LIST_USER")
request = function()
  local token = fixed and named_token(fixed) or random_user_token()
  return get("/v1/conversations?limit=20", token)
end
