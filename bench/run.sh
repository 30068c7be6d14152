#!/usr/bin/env bash
# Throughput/latency benchmarks of sipas against baselines, on this machine only.
#
#   bench/run.sh                 # everything (about 10 minutes on an idle machine)
#   DURATION=30s bench/run.sh    # longer wrk runs
#   ONLY="sipas_post" bench/run.sh   # subset of: bare rawpg sacore saorm sipas_get sipas_post
#                                    # report whatif
#   BENCH_REF=HEAD bench/run.sh  # benchmark a commit (exported with `git archive` into the
#                                # results directory) instead of the working tree
#   QUIET_PCT=15 QUIET_WAIT=180  # before each measured run, wait up to QUIET_WAIT s for the
#                                # machine to be under QUIET_PCT % busy (it is logged)
#   BODIES=40000                 # signed bodies for the measured runs (default 200000)
#   KEEP_BODIES=1                # keep the generated request bodies (about 200 MB)
#   PROFILE=1                    # sample each server under load with py-spy (pip install py-spy)
#                                # into <name>.profile.txt (collapsed stacks)
#   BENCH_DB=sipas_bench_me BENCH_PORT_BASE=18780   # own database and ports on a shared machine
#
# Creates (drops first) the PostgreSQL databases $BENCH_DB and ${BENCH_DB}_report on
# 127.0.0.1:5432, starts each server as ONE uvicorn worker on 127.0.0.1, drives it with
# wrk -t2 -c64 --latency, stops it, and prints a summary. Results: bench/results/<stamp>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
VENV_BIN="$ROOT/.venv/bin"
PGHOST=127.0.0.1
PGPORT=5432
PGUSER=postgres
DB="${BENCH_DB:-sipas_bench}"
DB_REPORT="${BENCH_DB:-sipas_bench}_report"
DSN="postgresql://$PGUSER@$PGHOST:$PGPORT/$DB"
DSN_REPORT="postgresql://$PGUSER@$PGHOST:$PGPORT/$DB_REPORT"
THREADS=2
CONNS=64
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-3s}"
REPORT_TOTAL="${REPORT_TOTAL:-100000}"
ONLY="${ONLY:-bare rawpg sacore saorm sipas_get sipas_post report whatif}"
P0="${BENCH_PORT_BASE:-18080}"
PORT_BARE=$((P0 + 1)) PORT_RAWPG=$((P0 + 2)) PORT_SACORE=$((P0 + 3)) PORT_SAORM=$((P0 + 4))
PORT_SIPAS=$((P0 + 10)) PORT_REPORT=$((P0 + 11)) PORT_WHATIF=$((P0 + 12))
OUT="$ROOT/bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
ln -sfn "$OUT" "$ROOT/bench/results/latest"

export SIPAS_LOG_LEVEL=WARNING
export SIPAS_SECRET_KEY="bench-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
export SIPAS_PUBLIC_BASE_URL="http://127.0.0.1:$PORT_SIPAS"
BENCH_REF="${BENCH_REF:-}"
if [[ -n "$BENCH_REF" ]]; then
  SHA=$(git rev-parse --verify "$BENCH_REF^{commit}")
  SRC="$OUT/src"
  mkdir -p "$SRC"
  git archive "$SHA" app survey_forms migrations alembic.ini | tar -x -C "$SRC"
  SRC_DESC="commit $SHA (git archive of $BENCH_REF)"
else
  # A copy of the working tree as it is now (tracked and untracked files), so that edits made
  # while the benchmark runs cannot mix two versions of the code into one run.
  SRC="$OUT/src"
  mkdir -p "$SRC"
  git ls-files -co --exclude-standard -- app survey_forms migrations alembic.ini \
    | tar -cf - -T - | tar -xf - -C "$SRC"
  SRC_DESC="working tree copied at start: HEAD $(git rev-parse HEAD) + $(git status --porcelain -- app migrations survey_forms | wc -l) uncommitted app/migrations/forms changes (tree hash $(cd "$SRC" && find . -type f -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-12))"
fi
# -P: do not put the current directory first on sys.path, so PYTHONPATH decides which `app`.
export PYTHONPATH="$SRC"
SIPAS=("$PY" -P -c 'import sys; sys.argv[0] = "sipas"; from app.cli import main; main()')

SERVER_PID=""
log() { printf '\n== %s\n' "$*" | tee -a "$OUT/run.log"; }
want() { [[ " $ONLY " == *" $1 "* ]]; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" "$@"; }

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# start_server NAME PORT CMD...: run CMD in the background, wait (max 30 s) for /healthz.
start_server() {
  local name=$1 port=$2
  shift 2
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is already in use" >&2
    exit 1
  fi
  "$@" >"$OUT/$name.server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; then return 0; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$OUT/$name.server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$name did not become ready in 30 s" >&2
  exit 1
}

uvicorn_app() {  # uvicorn_app PORT APP [ARGS]: one worker, same settings as `sipas serve`
  local port=$1 app=$2
  shift 2
  exec "$VENV_BIN/uvicorn" --app-dir "$ROOT/bench" --host 127.0.0.1 --port "$port" \
    --workers 1 --no-access-log --log-level warning "$@" "$app"
}

# run_wrk NAME URL [BODIES_PREFIX [WRAP [WARM_BODIES_PREFIX]]]: warm-up, then the measured run.
# Without WRAP the warm-up sends other bodies (sids) than the measured run.
run_wrk() {
  local name=$1 url=$2 bodies=${3:-} wrap=${4:-0}
  local warm_bodies=$bodies
  [[ -n "$bodies" && "$wrap" == 0 ]] && warm_bodies="${5:-$OUT/bodies-warm}"
  WRK_JSON="$OUT/$name.warmup.json" WRK_BODIES="$warm_bodies" WRK_WRAP="$wrap" \
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s bench/wrk_bench.lua "$url" >"$OUT/$name.warmup.txt"
  if [[ -n "$bodies" && "$wrap" == 0 ]]; then  # let warm-up requests still in flight finish
    BEFORE=-1
    for _ in $(seq 1 20); do
      local now
      now=$(psql_q -At -d "$DB" -c "SELECT count(*) FROM response")
      [[ "$now" == "$BEFORE" ]] && break
      BEFORE=$now
      sleep 1
    done
  fi
  wait_quiet
  local cpu0 srv0 ses0
  cpu0=$(cpu_ticks) srv0=$(server_ticks) ses0=$(pg_sessions)
  if [[ -n "${PROFILE:-}" && -x "$VENV_BIN/py-spy" ]]; then  # PROFILE=1: sample the server
    "$VENV_BIN/py-spy" record -p "$SERVER_PID" -d "${DURATION%s}" -f raw -o "$OUT/$name.profile.txt" \
      --nonblocking >/dev/null 2>&1 &
  fi
  WRK_JSON="$OUT/$name.json" WRK_BODIES="$bodies" WRK_WRAP="$wrap" \
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s bench/wrk_bench.lua "$url" \
    | tee "$OUT/$name.txt" | tee -a "$OUT/run.log"
  local cpu1 srv1 ses1
  cpu1=$(cpu_ticks) srv1=$(server_ticks) ses1=$(pg_sessions)
  "$PY" - "$cpu0" "$cpu1" "$srv0" "$srv1" "$ses0" "$ses1" "$OUT/$name.json" "$OUT/$name.cpu.json" <<'PYEOF' | tee -a "$OUT/run.log"
import json, os, sys
(busy0, total0), (busy1, total1) = (map(int, a.split(":")) for a in sys.argv[1:3])
srv0, srv1, ses0, ses1 = map(int, sys.argv[3:7])
run = json.load(open(sys.argv[7]))
hz = os.sysconf("SC_CLK_TCK")
secs = (total1 - total0) / hz / os.cpu_count()
out = {
    "machine_cpu_busy_pct": round(100 * (busy1 - busy0) / max(1, total1 - total0), 1),
    "server_cpu_pct_of_one_core": round(100 * (srv1 - srv0) / hz / secs, 1),
    "server_cpu_ms_per_request": round(1000 * (srv1 - srv0) / hz / max(1, run["requests"]), 3),
    "new_pg_sessions": ses1 - ses0,
}
json.dump(out, open(sys.argv[8], "w"))
print("cpu:", json.dumps(out))
PYEOF
}

# wait_quiet: this is a shared 2-core machine; wait (at most QUIET_WAIT s) until a 2 s sample
# shows the machine under QUIET_PCT % busy, then record what the background load was.
wait_quiet() {
  local waited=0 busy a b
  while :; do
    a=$(cpu_ticks); sleep 2; b=$(cpu_ticks)
    busy=$(awk -v a="$a" -v b="$b" 'BEGIN{split(a,x,":"); split(b,y,":"); d=y[2]-x[2]; if (d<=0) d=1; printf "%d", 100*(y[1]-x[1])/d}')
    if (( busy < ${QUIET_PCT:-15} || waited >= ${QUIET_WAIT:-180} )); then break; fi
    waited=$((waited + 2))
  done
  echo "background CPU before run: ${busy}% of the machine (waited ${waited}s); load average $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/run.log"
}

cpu_ticks() {  # busy:total jiffies of the whole machine
  awk '/^cpu /{t=0; for(i=2;i<=NF;i++) t+=$i; print t-$5-$6 ":" t}' /proc/stat
}
server_ticks() {  # utime+stime of the server under test
  awk '{print $14+$15}' "/proc/$SERVER_PID/stat"
}
pg_sessions() {  # sessions ever opened on the benchmark database (pg_stat_database)
  psql_q -At -d postgres -c "SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname = '$DB'"
}

log "machine"
{
  echo "date: $(date -Is)"
  echo "sipas under test: $SRC_DESC"
  echo "nproc: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo
  free -h | sed -n 2p
  psql_q -At -d postgres -c "SELECT version()"
  psql_q -At -d postgres -c "SELECT string_agg(name || '=' || setting, ' ') FROM pg_settings WHERE name IN ('shared_buffers','synchronous_commit','fsync','max_connections','work_mem','max_parallel_workers_per_gather','jit')"
  "$PY" -c "import fastapi, sqlalchemy, asyncpg, uvicorn, starlette; print('fastapi', fastapi.__version__, 'starlette', starlette.__version__, 'sqlalchemy', sqlalchemy.__version__, 'asyncpg', asyncpg.__version__, 'uvicorn', uvicorn.__version__)"
  "$PY" -V
  wrk -v 2>&1 | head -1 || true
} | tee "$OUT/machine.txt" | tee -a "$OUT/run.log"

log "fresh databases $DB and $DB_REPORT"
for db in "$DB" "$DB_REPORT"; do
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"
  psql_q -d postgres -c "CREATE DATABASE $db"
done
SIPAS_DATABASE_URL="$DSN" "${SIPAS[@]}" db upgrade
SIPAS_DATABASE_URL="$DSN" "${SIPAS[@]}" demo --no-serve > "$OUT/demo.log" && head -2 "$OUT/demo.log"
export BENCH_PG_DSN="$DSN"

if want bare; then
  log "baseline (a): bare FastAPI JSON GET"
  start_server bare "$PORT_BARE" uvicorn_app "$PORT_BARE" baselines:bare
  run_wrk bare "http://127.0.0.1:$PORT_BARE/json"
  stop_server
fi

NEED_BODIES=0
for k in rawpg sacore saorm sipas_post; do want "$k" && NEED_BODIES=1; done
if [[ "$NEED_BODIES" == 1 ]]; then
  log "pre-generating signed submission bodies"
  "$PY" bench/gen_bodies.py --prefix "$OUT/bodies-warm" --count 30000 --threads "$THREADS" --seed 1
  "$PY" bench/gen_bodies.py --prefix "$OUT/bodies" --count "${BODIES:-200000}" --threads "$THREADS" --seed 2
fi

for base in rawpg sacore saorm; do
  want "$base" || continue
  log "baseline: $base POST insert of one 25-column row"
  psql_q -d "$DB" -c "DROP TABLE IF EXISTS bench_raw"
  port_var="PORT_${base^^}"
  start_server "$base" "${!port_var}" uvicorn_app "${!port_var}" "baselines:$base"
  run_wrk "$base" "http://127.0.0.1:${!port_var}/s/SH-HOALAC-MC" "$OUT/bodies" 1
  stop_server
  psql_q -At -d "$DB" -c "SELECT 'bench_raw rows: ' || count(*) FROM bench_raw" | tee -a "$OUT/run.log"
done

if want sipas_get || want sipas_post; then
  export SIPAS_DATABASE_URL="$DSN"
  start_server sipas "$PORT_SIPAS" "${SIPAS[@]}" serve --host 127.0.0.1 --port "$PORT_SIPAS"
  if want sipas_get; then
    log "sipas GET /s/{code}"
    run_wrk sipas_get "http://127.0.0.1:$PORT_SIPAS/s/SH-HOALAC-MC"
  fi
  if want sipas_post; then
    log "sipas POST /s/{code}"
    run_wrk sipas_post "http://127.0.0.1:$PORT_SIPAS/s/SH-HOALAC-MC" "$OUT/bodies"
  fi
  stop_server
  if want sipas_post; then
    log "row verification"
    "$PY" bench/verify_rows.py --dsn "$DSN" --wrk-json "$OUT/sipas_post.json" \
      --prefix "$OUT/bodies" --before "$BEFORE" --connections "$CONNS" \
      --json "$OUT/verify.json" | tee -a "$OUT/run.log"
  fi
fi

if want report; then
  log "report on $REPORT_TOTAL responses"
  export SIPAS_DATABASE_URL="$DSN_REPORT"
  "${SIPAS[@]}" db upgrade
  "${SIPAS[@]}" demo --no-serve > "$OUT/demo-report.log" && head -2 "$OUT/demo-report.log"
  "$PY" bench/seed_bulk.py --dsn "$DSN_REPORT" --total "$REPORT_TOTAL" | tee -a "$OUT/run.log"
  # Newer versions protect the reporting API: a read-only key for the province, when they can.
  KEY_ARGS=()
  if KEY=$("${SIPAS[@]}" api-keys create --name bench --unit SH 2>/dev/null); then
    KEY_ARGS=(--api-key "$KEY")
  fi
  start_server report "$PORT_REPORT" "${SIPAS[@]}" serve --host 127.0.0.1 --port "$PORT_REPORT"
  "$PY" bench/time_report.py --base "http://127.0.0.1:$PORT_REPORT" --n 50 --warmup 5 \
    "${KEY_ARGS[@]}" --json "$OUT/report.json" | tee -a "$OUT/run.log"
  stop_server
  log "the same tally with other queries / layouts (bench/report_alternatives.sql)"
  psql_q -d "$DB_REPORT" -f bench/report_alternatives.sql 2>&1 \
    | grep -E '^\(|^Time' | tee "$OUT/report_alternatives.txt" | tee -a "$OUT/run.log"
fi

if want whatif; then
  # Candidate fixes applied from outside app/ (bench/what_if.py), cumulatively, to measure
  # what each would buy. Same database, fresh sids for every POST run.
  export SIPAS_DATABASE_URL="$DSN"
  VARIANTS=(
    "w1|async_deps|10"
    "w2|async_deps,no_ping|64"
    "w3|async_deps,no_ping,cache_form|64"
    "w4|async_deps,no_ping,cache_form,cache_render,store_cte|64"
  )
  for v in "${VARIANTS[@]}"; do
    IFS='|' read -r tag flags pool <<<"$v"
    log "what-if $tag: BENCH_WHATIF=$flags SIPAS_DB_POOL_SIZE=$pool"
    echo "$flags pool=$pool" >"$OUT/whatif_$tag.flags"
    "$PY" bench/gen_bodies.py --prefix "$OUT/bodies-$tag-warm" --count 15000 --seed "1${tag#w}" \
      --threads "$THREADS" | tail -1
    "$PY" bench/gen_bodies.py --prefix "$OUT/bodies-$tag" --count 100000 --seed "2${tag#w}" \
      --threads "$THREADS" | tail -1
    BENCH_WHATIF="$flags" SIPAS_DB_POOL_SIZE="$pool" start_server "whatif_$tag" "$PORT_WHATIF" \
      uvicorn_app "$PORT_WHATIF" what_if:create --factory
    run_wrk "whatif_${tag}_get" "http://127.0.0.1:$PORT_WHATIF/s/SH-HOALAC-MC"
    run_wrk "whatif_${tag}_post" "http://127.0.0.1:$PORT_WHATIF/s/SH-HOALAC-MC" \
      "$OUT/bodies-$tag" 0 "$OUT/bodies-$tag-warm"
    stop_server
    "$PY" bench/verify_rows.py --dsn "$DSN" --wrk-json "$OUT/whatif_${tag}_post.json" \
      --prefix "$OUT/bodies-$tag" --before "$BEFORE" --connections "$CONNS" \
      --json "$OUT/whatif_${tag}_verify.json" | grep '"ok"' | tee -a "$OUT/run.log"
  done
fi

[[ "${KEEP_BODIES:-0}" == 1 ]] || rm -f "$OUT"/bodies*.tsv

log "summary ($OUT)"
"$PY" bench/summarize.py "$OUT" | tee -a "$OUT/run.log"
