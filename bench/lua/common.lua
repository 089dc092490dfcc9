-- Shared by the wrk scripts: tokens of the bench users (bench/results/tmp/tokens.txt, one per line,
-- user u0 first), conversation ids derived from their number exactly as bench/seed.sql makes them.
local tokens = {}
local users = tonumber(os.getenv("BENCH_USERS"))
local convs = tonumber(os.getenv("BENCH_CONVS"))
for line in io.lines(os.getenv("BENCH_TOKENS")) do
  tokens[#tokens + 1] = line
end
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))

function conversation()
  local j = math.random(1, convs)
  return string.format("00000000-0000-4000-8000-%012x", j), tokens[(j % users) + 1]
end

function random_user_token()
  return tokens[math.random(1, users)]
end

function named_token(name)
  return os.getenv("BENCH_TOKEN_" .. name)
end

function get(path, token)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

function post(path, token, body)
  return wrk.format("POST", path, { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end

-- One JSON line with what the report needs; non-2xx answers are counted as errors, never hidden.
function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format('RESULT {"requests":%d,"duration_us":%d,"errors":%d,"non2xx":%d,"p50_us":%d,"p99_us":%d,"p999_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, errors, summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.mean))
end
