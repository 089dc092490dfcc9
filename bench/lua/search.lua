-- GET /v1/search for one word of the search corpus (bench/seed_search.sql), as a random bench user.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
request = function()
  return get("/v1/search?q=word" .. math.random(0, 255) .. "&limit=20", random_user_token())
end
