#!/usr/bin/env bash
# `make bench`: every benchmark script once, on a throw-away database each, then one table.
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379:
#   BENCH_PG_ADMIN_URL  where to create the database (default postgres://postgres@127.0.0.1:5432/postgres)
#   BENCH_DB_NAME       the database created, then dropped (default tapif_bench); if it exists
#                       the run stops: it never drops what it did not create
#   BENCH_REDIS_URL     Redis (default redis://127.0.0.1:6379) and BENCH_REDIS_DB, the database
#                       number used as the cache of the PostgreSQL runs (default 6; must be
#                       empty at start, emptied at the end)
#   BENCH_DOSSIERS      dossiers of the freeze and review benchmarks (default 10000)
# Every script prints `name: value` lines (figures, never a pass/fail on a time); this one
# gathers them in var/bench/last.txt and prints them as a table. Timings on a shared machine
# are noisy: compare ratios measured in the same run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
[[ -x $PY ]] || { echo "ERROR: $PY is missing: run 'make install' first." >&2; exit 1; }

PG_ADMIN_URL=${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=${BENCH_DB_NAME:-tapif_bench}
REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379}
REDIS_DB=${BENCH_REDIS_DB:-6}
DOSSIERS=${BENCH_DOSSIERS:-10000}
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || { echo "ERROR: BENCH_DB_NAME must be a plain name." >&2; exit 1; }

OUT=var/bench
mkdir -p "$OUT"
FIGURES="$OUT/last.txt"
: >"$FIGURES"

pg() {  # pg "SQL": run one statement on the admin database
    "$PY" - "$PG_ADMIN_URL" "$1" <<'PY'
import sys

import psycopg

with psycopg.connect(sys.argv[1], autocommit=True) as connection:
    cursor = connection.execute(sys.argv[2])
    print(cursor.fetchone()[0] if sys.argv[2].startswith("SELECT") else "")
PY
}

redis_db() {  # redis_db COMMAND: run one command on the benchmark's Redis database
    "$PY" - "$REDIS_URL/$REDIS_DB" "$1" <<'PY'
import sys

import redis

print(redis.Redis.from_url(sys.argv[1]).execute_command(sys.argv[2]))
PY
}

CREATED=0
cleanup() {
    if [[ $CREATED == 1 ]]; then
        pg "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null || true
        redis_db FLUSHDB >/dev/null || true
    fi
}
trap cleanup EXIT

[[ $(pg "SELECT count(*) FROM pg_database WHERE datname = '$DB_NAME'") == 0 ]] \
    || { echo "ERROR: database $DB_NAME exists: not mine to drop." >&2; exit 1; }
[[ $(redis_db DBSIZE) == 0 ]] \
    || { echo "ERROR: Redis database $REDIS_DB is not empty (set BENCH_REDIS_DB)." >&2; exit 1; }
pg "CREATE DATABASE $DB_NAME" >/dev/null
CREATED=1
PG_URL="${PG_ADMIN_URL%/*}/$DB_NAME"

run() {  # run NAME COMMAND...: its output in $OUT/NAME.log, its figures gathered
    local name=$1
    shift
    echo "==> $name" >&2
    if "$@" >"$OUT/$name.log" 2>&1; then
        grep -E '^[a-z0-9_]+: ' "$OUT/$name.log" | tee -a "$FIGURES"
    else
        echo "$name: failed (see $OUT/$name.log)" | tee -a "$FIGURES"
    fi
}

run allocation "$PY" benchmarks/allocation.py 10000 100000
run pages "$PY" benchmarks/pages.py --requests 100
run freeze_sqlite "$PY" benchmarks/freeze.py --dossiers "$DOSSIERS" --label _sqlite
run freeze_1k_pg env DATABASE_URL="$PG_URL" CACHE_URL="$REDIS_URL/$REDIS_DB" \
    "$PY" benchmarks/freeze.py --dossiers 1000 --label _pg
pg "DROP DATABASE $DB_NAME WITH (FORCE)" >/dev/null
pg "CREATE DATABASE $DB_NAME" >/dev/null
redis_db FLUSHDB >/dev/null
run freeze_pg env DATABASE_URL="$PG_URL" CACHE_URL="$REDIS_URL/$REDIS_DB" \
    "$PY" benchmarks/freeze.py --dossiers "$DOSSIERS" --label _pg
run review "$PY" benchmarks/review_changelist.py --dossiers "$DOSSIERS" --requests 5

echo
echo "Figures of $(date -u +%Y-%m-%d) (also in $FIGURES):"
"$PY" - "$FIGURES" <<'PY'
import sys

rows = [line.rstrip("\n").split(": ", 1) for line in open(sys.argv[1]) if ": " in line]
width = max((len(name) for name, _ in rows), default=4)
print(f"| {'figure':<{width}} | value |")
print(f"|{'-' * (width + 2)}|-------|")
for name, value in rows:
    print(f"| {name:<{width}} | {value} |")
PY
