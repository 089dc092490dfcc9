# Shared by bench/run and bench/soak (sourced, with ROOT set and the working directory at the
# repository root): settings, tool checks, the database, and starting and stopping Parley and the
# fake LLM. Every PID started is killed on exit.
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}; PG_PORT=${BENCH_PG_PORT:-5432}; PG_USER=${BENCH_PG_USER:-postgres}
DB=${BENCH_DB:-parley_bench}
REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
PORT=${BENCH_PORT:-18080}; LLM_PORT=${BENCH_LLM_PORT:-19900}; MGMT_PORT=${BENCH_MANAGEMENT_PORT:-19464}
FLOOR_PORT=${BENCH_FLOOR_PORT:-18090}
TMP=$ROOT/bench/results/${BENCH_TMP_NAME:-tmp}; rm -rf "$TMP"; mkdir -p "$TMP"
SECRET=bench-secret-$(date +%s)-0123456789abcdef0123456789


need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk; then
  if [[ $(id -u) == 0 ]]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; else echo "install wrk" >&2; exit 1; fi
fi
for tool in pgbench psql python3 java mvn; do need $tool || { echo "$tool is required" >&2; exit 1; }; done

PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

for p in $PORT $LLM_PORT $MGMT_PORT $FLOOR_PORT; do
  if (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then echo "port $p is in use; set BENCH_PORT / BENCH_LLM_PORT / BENCH_MANAGEMENT_PORT" >&2; exit 1; fi
done

echo "== building"
[[ -n "${BENCH_SKIP_BUILD:-}" && -f target/parley.jar ]] || mvn -q -B -DskipTests package

psql_() { psql -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" "$@"; }
psql_ -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" \
  -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null

start_parley() { # $1: extra env assignments
  env -i PATH="$PATH" HOME="$HOME" PARLEY_PG_URL="postgresql://$PG_USER@$PG_HOST:$PG_PORT/$DB" \
    PARLEY_HTTP_PORT=$PORT PARLEY_MANAGEMENT_PORT=$MGMT_PORT PARLEY_DATA_DIR="$TMP/data" PARLEY_JWT_HS256_SECRET="$SECRET" \
    PARLEY_PG_POOL_SIZE=${BENCH_POOL:-32} PARLEY_LIMITS_USER_REQUESTS_PER_MINUTE=100000000 \
    PARLEY_LIMITS_USER_TOKENS_PER_MINUTE=100000000000 PARLEY_HTTP_SHUTDOWN_DELAY_MS=0 \
    PARLEY_OPENAI_BASE_URL="http://127.0.0.1:$LLM_PORT/v1" PARLEY_DEFAULT_MODEL=openai/bench-model \
    $1 java -Xmx1g -jar target/parley.jar >> "$TMP/server.log" 2>&1 &
  SERVER=$!; PIDS+=($SERVER)
  for _ in $(seq 1 120); do curl -sf -m 2 "localhost:$PORT/health/ready" >/dev/null && return 0; sleep 0.5; done
  echo "Parley did not start; see $TMP/server.log" >&2; exit 1
}
stop_parley() { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; }
start_llm() { # $1: latency ms
  java -jar target/parley.jar fake-llm "$LLM_PORT" "$1" > "$TMP/fake-llm.log" 2>&1 & LLM=$!; PIDS+=($LLM)
  for _ in $(seq 1 60); do curl -s -m 2 "localhost:$LLM_PORT" >/dev/null && return 0; sleep 0.5; done
}
stop_llm() { kill "$LLM"; wait "$LLM" 2>/dev/null || true; }

seed() { # users conversations messages-per-conversation scale-sizes: data, then a token per user
  psql_ -d "$DB" -v users="$1" -v convs="$2" -v per="$3" -v scale_sizes="'$4'" -f bench/seed.sql
  python3 bench/tokens.py "$SECRET" "$1" scale list10 list10000 > "$TMP/tokens.txt" 2> "$TMP/named.txt"
  export BENCH_LUA=$ROOT/bench/lua BENCH_TOKENS=$TMP/tokens.txt BENCH_USERS=$1 BENCH_CONVS=$2
  while IFS='=' read -r name value; do export "BENCH_TOKEN_$name=$value"; done < "$TMP/named.txt"
}
