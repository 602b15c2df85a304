#!/usr/bin/env bash
# The whole suite on SQLite and, beside it, on PostgreSQL (a fresh database on the local
# server) every test that depends on the dialect (tests/conftest.py marks the
# rest dialect_independent: browser walks, PDF checks, fuzzing, pure cores), the two side by side
# (ACCORD_TEST_SERIAL=1: one after the other). Under CI=true nothing may be skipped.
set -u
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
PG_USER=${PG_USER:-postgres}
PG_DB=${PG_TEST_DB:-accord_test}
status=0

ensure_postgres() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing PostgreSQL server (Debian package postgresql)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 2>&1 || true
  fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do pg_isready -q -h "$PG_HOST" -p "$PG_PORT" && break; sleep 0.5; done
  fi
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
}

ensure_redis() {  # tests of rate limits counted in Redis and of the task queue use it
  redis_answers() { "$BIN/python" -c "import redis; redis.Redis(host='127.0.0.1', port=6379, socket_timeout=2).ping()" \
    >/dev/null 2>&1; }
  redis_answers && return 0
  if ! command -v redis-server >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing the Redis server (Debian package redis-server)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null 2>&1 || true
  fi
  if command -v redis-server >/dev/null 2>&1; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
    for _ in $(seq 1 20); do redis_answers && break; sleep 0.25; done
  fi
  redis_answers || echo "NOTE: no Redis on 127.0.0.1:6379; the tests that need it will be skipped (failed under CI)."
}
ensure_redis

echo "== Lint (ruff, configured in pyproject.toml) =="
"$BIN/ruff" check . || { echo "ruff found problems (above): fix them, or \`$BIN/ruff check --fix .\` for the fixable ones."; status=1; }

# The two passes run side by side (each its own database, instance folder and Redis database), so the
# run takes about as long as the longer pass rather than the sum; each prints whole when both are done.
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT

sqlite_pass() {
  ACCORD_INSTANCE_DIR="$LOGS/instance-sqlite" ACCORD_TEST_REDIS_DB=14 \
    env -u TEST_DATABASE_URL "$BIN/python" -m pytest -q -p no:cacheprovider "$@" tests
}

postgres_pass() {
  if ! ensure_postgres; then
    echo "SKIPPED: no PostgreSQL server at $PG_HOST:$PG_PORT could be reached or started."
    [ "${CI:-}" = "true" ] && { echo "Under CI nothing may be skipped."; return 1; }
    return 0
  fi
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null &&
  psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -q -c "CREATE DATABASE $PG_DB" >/dev/null || return 1
  ACCORD_INSTANCE_DIR="$LOGS/instance-postgres" ACCORD_TEST_REDIS_DB=12 \
    TEST_DATABASE_URL="postgresql+psycopg://$PG_USER@$PG_HOST:$PG_PORT/$PG_DB" \
    "$BIN/python" -m pytest -q -p no:cacheprovider -m "not dialect_independent" "$@" tests
}

if [ "${ACCORD_TEST_SERIAL:-}" = "1" ]; then  # one pass after the other, printing as it goes
  echo "== Tests on SQLite =="
  sqlite_pass "$@" || status=1
  echo "== Tests on PostgreSQL (what depends on the dialect; the rest ran on SQLite) =="
  postgres_pass "$@" || status=1
else
  echo "== Tests on SQLite and, side by side, on PostgreSQL (what depends on the dialect) =="
  sqlite_pass "$@" >"$LOGS/sqlite.log" 2>&1 & sqlite_pid=$!
  postgres_pass "$@" >"$LOGS/postgres.log" 2>&1 & postgres_pid=$!
  wait $sqlite_pid || status=1
  echo "== Tests on SQLite =="
  cat "$LOGS/sqlite.log"
  wait $postgres_pid || status=1
  echo "== Tests on PostgreSQL (what depends on the dialect; the rest ran on SQLite) =="
  cat "$LOGS/postgres.log"
fi
exit $status
