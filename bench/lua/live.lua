dofile(os.getenv("BENCH_LUA") .. "/common.lua")
-- GET /health/live: no database, no token; what a request costs before it does any work.
request = function()
  return wrk.format("GET", "/health/live")
end
