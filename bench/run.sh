#!/usr/bin/env bash
# `make bench`: the co-drafting benchmark, on SQLite and (when a server answers
# on 127.0.0.1:5432) on PostgreSQL, each on a fresh database built by the
# migrations. Bounded in time: every step runs under `timeout`, and the
# measurements themselves stop at BENCH_DEADLINE seconds per database.
#
#   BENCH_DEADLINE=180   seconds of measurement per database (the history growth adapts)
#   BENCH_ONLY=sqlite    or postgresql: one database only
#   BENCH_KEEP_DB=1      keep the PostgreSQL database accord_bench afterwards
#   BENCH_ARGS="..."     more arguments for bench_codrafting.py (e.g. --requests 100)
#   BENCH_SUITES="codrafting load export prerender queue compare languages"   which benchmarks to run (all by default)
#   BENCH_COMPARE_ARGS="..." more arguments for bench_compare.py (e.g. --requests 50 --cold-runs 2)
#   BENCH_LOAD_ARGS="..."  more arguments for bench_load.py (e.g. --seconds 30 --growth 10)
#   BENCH_QUEUE_ARGS="..." more arguments for bench_queue.py (e.g. --seconds 30 --endorsements 10)
#   BENCH_QUEUE_REDIS=redis://127.0.0.1:6379/12   the Redis of the task queue on PostgreSQL (when it answers)
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=postgres
PG_DB=accord_bench
DEADLINE=${BENCH_DEADLINE:-180}
ONLY=${BENCH_ONLY:-}
status=0

WORK=$(mktemp -d -t accord-bench.XXXXXX)
stop_server() {
  # A gunicorn left behind by a killed bench (its pid file names the master).
  local pidfile="$1/gunicorn.pid"
  if [ -s "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    kill -TERM "$pid" 2>/dev/null && sleep 2
    kill -KILL "$pid" 2>/dev/null
  fi
  return 0
}
cleanup() {
  for dir in "$WORK"/*/; do [ -d "$dir" ] && stop_server "$dir"; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

SUITES=${BENCH_SUITES:-codrafting load export prerender queue compare languages}
wants() { case " $SUITES " in *" $1 "*) return 0;; esac; return 1; }

run_load() {  # label url: 20 simulated members on a fresh database, then growth (bench_load.py)
  local label=$1 url=$2 dir="$WORK/load-$1"
  mkdir -p "$dir"
  echo "== $label: load (20 simulated members, 60 s, then growth to 10x and 100x) =="
  # shellcheck disable=SC2086
  ACCORD_ENV=testing TEST_DATABASE_URL="$url" timeout -k 10 1500 \
    "$BIN/python" bench/bench_load.py --db "$url" --label "$label" --workdir "$dir" ${BENCH_LOAD_ARGS:-}
  local rc=$?
  stop_server "$dir"
  [ $rc -eq 0 ] || { echo "the load benchmark on $label failed (exit $rc)"; return 1; }
}

run_queue() {  # label url [queue url]: the task queue under load, renders and mail by a worker (bench_queue.py)
  local label=$1 url=$2 queue=${3:-} dir="$WORK/queue-$1"
  mkdir -p "$dir"
  echo "== $label: task queue (${queue:-embedded SQLite queue}): the load with a slow mail server, endorsement -> PDF, change -> mail =="
  # shellcheck disable=SC2086
  ACCORD_ENV=testing TEST_DATABASE_URL="$url" timeout -k 10 1500 \
    "$BIN/python" bench/bench_queue.py --db "$url" --label "$label" --workdir "$dir" ${queue:+--queue "$queue"} \
    ${BENCH_QUEUE_ARGS:-}
  local rc=$?
  stop_server "$dir"
  [ $rc -eq 0 ] || { echo "the queue benchmark on $label failed (exit $rc)"; return 1; }
}

run_on_document() {  # suite label url title extra-args: bench_<suite>.py on the 280-section document of build_data.py
  local suite=$1 label=$2 url=$3 title=$4 extra=$5 dir="$WORK/$1-$2"
  mkdir -p "$dir"
  echo "== $label: $title =="
  if ! ACCORD_ENV=testing TEST_DATABASE_URL="$url" timeout -k 5 90 \
      "$BIN/python" bench/build_data.py --db "$url" --manifest "$dir/manifest.json" 2>"$dir/build.log"; then
    echo "building the data failed:"; tail -n 30 "$dir/build.log"; return 1
  fi
  # shellcheck disable=SC2086
  ACCORD_ENV=testing TEST_DATABASE_URL="$url" timeout -k 10 900 \
    "$BIN/python" "bench/bench_$suite.py" --manifest "$dir/manifest.json" --label "$label" --workdir "$dir" $extra
  local rc=$?
  stop_server "$dir"
  [ $rc -eq 0 ] || { echo "the $suite benchmark on $label failed (exit $rc)"; return 1; }
}

run_compare() {  # label url: the compare page, warm and cold (bench_compare.py)
  run_on_document compare "$1" "$2" "compare page (1% changed warm, 253 of 280 rewritten cold)" \
    "${BENCH_COMPARE_ARGS:-}"
}

run_languages() {  # label url: the document page in English and in other languages (bench_languages.py)
  run_on_document languages "$1" "$2" "the document page per language (warm, interleaved; cold)" \
    "${BENCH_LANGUAGES_ARGS:-}"
}

run_one() {  # label url
  local label=$1 url=$2 dir="$WORK/$1"
  wants codrafting || return 0
  mkdir -p "$dir"
  echo "== $label: building the data =="
  if ! ACCORD_ENV=testing TEST_DATABASE_URL="$url" timeout -k 5 90 \
      "$BIN/python" bench/build_data.py --db "$url" --manifest "$dir/manifest.json" 2>"$dir/build.log"; then
    echo "building the data failed:"; tail -n 30 "$dir/build.log"; return 1
  fi
  echo "== $label: measuring (at most ${DEADLINE} s) =="
  # shellcheck disable=SC2086
  ACCORD_ENV=testing TEST_DATABASE_URL="$url" timeout -k 10 $((DEADLINE + 60)) \
    "$BIN/python" bench/bench_codrafting.py --manifest "$dir/manifest.json" --label "$label" \
    --deadline "$DEADLINE" --workdir "$dir" ${BENCH_ARGS:-}
  local rc=$?
  stop_server "$dir"
  if [ $rc -ne 0 ]; then
    echo "the benchmark on $label failed (exit $rc)"
    for log in "$dir"/gunicorn-*.log; do [ -f "$log" ] && { echo "-- $log"; tail -n 20 "$log"; }; done
    return 1
  fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $("$BIN/python" -V 2>&1); load average $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -z "$ONLY" ] || [ "$ONLY" = sqlite ]; then
  run_one sqlite "sqlite:///$WORK/sqlite/accord-bench.db" || status=1
  if wants load; then
    mkdir -p "$WORK/load-sqlite"
    run_load sqlite "sqlite:///$WORK/load-sqlite/accord-load.db" || status=1
  fi
  if wants queue; then
    mkdir -p "$WORK/queue-sqlite"
    run_queue sqlite "sqlite:///$WORK/queue-sqlite/accord-queue.db" || status=1
  fi
  if wants compare; then
    mkdir -p "$WORK/compare-sqlite"
    run_compare sqlite "sqlite:///$WORK/compare-sqlite/accord-compare.db" || status=1
  fi
  if wants languages; then
    mkdir -p "$WORK/languages-sqlite"
    run_languages sqlite "sqlite:///$WORK/languages-sqlite/accord-languages.db" || status=1
  fi
fi

if [ -z "$ONLY" ] || [ "$ONLY" = postgresql ]; then
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3; then
    if psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q -v ON_ERROR_STOP=1 \
         -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null; then
      run_one postgresql "postgresql+psycopg://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB" || status=1
      if wants load; then
        psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q -v ON_ERROR_STOP=1 \
          -c "DROP DATABASE IF EXISTS ${PG_DB}_load WITH (FORCE)" -c "CREATE DATABASE ${PG_DB}_load" >/dev/null &&
          run_load postgresql "postgresql+psycopg://$PG_USER@$PG_HOST:$PG_PORT/${PG_DB}_load" || status=1
        [ -n "${BENCH_KEEP_DB:-}" ] || psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q \
          -c "DROP DATABASE IF EXISTS ${PG_DB}_load WITH (FORCE)" >/dev/null 2>&1 || true
      fi
      if wants queue; then
        redis_url=${BENCH_QUEUE_REDIS:-redis://127.0.0.1:6379/12}
        if "$BIN/python" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" \
             "$redis_url" >/dev/null 2>&1; then
          psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q -v ON_ERROR_STOP=1 \
            -c "DROP DATABASE IF EXISTS ${PG_DB}_queue WITH (FORCE)" -c "CREATE DATABASE ${PG_DB}_queue" >/dev/null &&
            run_queue postgresql "postgresql+psycopg://$PG_USER@$PG_HOST:$PG_PORT/${PG_DB}_queue" "$redis_url" || status=1
          [ -n "${BENCH_KEEP_DB:-}" ] || psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q \
            -c "DROP DATABASE IF EXISTS ${PG_DB}_queue WITH (FORCE)" >/dev/null 2>&1 || true
        else
          echo "== postgresql: queue SKIPPED (no Redis answers at $redis_url) =="
        fi
      fi
      if wants compare; then
        psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q -v ON_ERROR_STOP=1 \
          -c "DROP DATABASE IF EXISTS ${PG_DB}_compare WITH (FORCE)" -c "CREATE DATABASE ${PG_DB}_compare" >/dev/null &&
          run_compare postgresql "postgresql+psycopg://$PG_USER@$PG_HOST:$PG_PORT/${PG_DB}_compare" || status=1
        [ -n "${BENCH_KEEP_DB:-}" ] || psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q \
          -c "DROP DATABASE IF EXISTS ${PG_DB}_compare WITH (FORCE)" >/dev/null 2>&1 || true
      fi
      if [ -z "${BENCH_KEEP_DB:-}" ]; then
        psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q \
          -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
      fi
    else
      echo "could not create the PostgreSQL database $PG_DB"; status=1
    fi
  else
    echo "== postgresql: SKIPPED (no server answers on $PG_HOST:$PG_PORT) =="
  fi
fi
if wants export && { [ -z "$ONLY" ] || [ "$ONLY" = sqlite ]; }; then
  echo "== export: the sealed PDF of the large document (SQLite) =="
  timeout -k 10 900 "$BIN/python" bench/bench_export.py --label sqlite || status=1
fi
if wants prerender && { [ -z "$ONLY" ] || [ "$ONLY" = sqlite ]; }; then
  echo "== prerender: from an endorsement to its sealed PDF stored, and the download (SQLite) =="
  timeout -k 10 900 "$BIN/python" bench/bench_prerender.py --label sqlite || status=1
fi
exit $status
