#!/usr/bin/env bash
# Reminder-sweep benchmark on PostgreSQL + Redis, in a dedicated database created and dropped here.
#
#   benchmarks/reminders/run.sh                       # 300,000/30,000 and 1,000,000/100,000 (instalments/due)
#   SIZES="180000:18000" benchmarks/reminders/run.sh  # other sizes (instalments:due, due dividing instalments)
#   KEEP=1 ...                                        # keep the databases afterwards
#   E2E="100000:10000"                                # end to end through a real worker (default; empty: skip)
#
# Needs: psql/createdb reaching BENCH_PG (default postgres://postgres@127.0.0.1:5432) and Redis at
# BENCH_REDIS_URL (default redis://127.0.0.1:6379/11: that database is flushed). Writes
# benchmarks/reminders/results.jsonl and the "## Reminder sweep" section of benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-.venv/bin/python}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-fangxin_bench}
SIZES=${SIZES:-"300000:30000 1000000:100000"}
E2E=${E2E-"100000:10000"}
AS_OF=${AS_OF:-2026-03-16}
OUT=benchmarks/reminders/results.jsonl
VAR=$(mktemp -d "${TMPDIR:-/tmp}/fangxin-bench.XXXXXX")

export DATABASE_URL="$PG/$DB" REDIS_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/11}
export CELERY_TASK_ALWAYS_EAGER=0 SECURE_SSL_REDIRECT=0 FANGXIN_VAR_DIR="$VAR" LOG_LEVEL=WARNING
export SECRET_KEY=${SECRET_KEY:-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH}
export FIELD_ENCRYPTION_KEYS=${FIELD_ENCRYPTION_KEYS:-7Zg3sJm0k6lKJv9g6cVvH0k8fQkq2t5nS3yXy2rB2qE=}
export BLIND_INDEX_KEY=${BLIND_INDEX_KEY:-bench-blind-index-key-0123456789abcdef-xyz}

sql() { psql -X -q -v ON_ERROR_STOP=1 "$PG/postgres" -c "$1" >/dev/null; }
redis() { "$PY" -c "import redis,sys; r=redis.Redis.from_url('$REDIS_URL'); print(getattr(r, sys.argv[1])(*sys.argv[2:]))" "$@"; }
cleanup() {
    if [ -z "${KEEP:-}" ]; then
        sql "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true
        sql "DROP DATABASE IF EXISTS ${DB}_template WITH (FORCE)" || true
    fi
    redis flushdb >/dev/null || true
    rm -rf "$VAR"
}
trap cleanup EXIT

echo "== migrating a template database"
sql "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)"
sql "DROP DATABASE IF EXISTS ${DB}_template WITH (FORCE)"
sql "CREATE DATABASE ${DB}_template"
DATABASE_URL="$PG/${DB}_template" "$PY" manage.py migrate -v 0

: > "$OUT"
measure() {  # size window what
    local json
    redis flushdb >/dev/null
    json=$("$PY" benchmarks/reminders/bench.py measure "$3" --as-of "$AS_OF")
    local queued_messages
    queued_messages=$(redis llen celery)
    echo "{\"instalments\": $1, \"window\": $2, \"what\": \"$3\", \"broker_messages\": $queued_messages, \"result\": $json}" | tee -a "$OUT"
}

for size in $SIZES; do
    instalments=${size%%:*}
    window=${size##*:}
    echo "== $instalments instalments, $window due on $AS_OF"
    sql "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)"
    sql "CREATE DATABASE ${DB} TEMPLATE ${DB}_template"
    gen=$("$PY" benchmarks/reminders/bench.py generate --instalments "$instalments" --window "$window" --as-of "$AS_OF")
    echo "{\"instalments\": $instalments, \"window\": $window, \"what\": \"generate\", \"result\": $gen}" | tee -a "$OUT"
    measure "$instalments" "$window" reference
    "$PY" benchmarks/reminders/bench.py reset
    measure "$instalments" "$window" sweep
    measure "$instalments" "$window" noop      # the sweep again: everything already recorded
    "$PY" benchmarks/reminders/bench.py reset
    measure "$instalments" "$window" memory    # the sweep under tracemalloc (slower; for memory only)
done

for size in $E2E; do
    instalments=${size%%:*}
    window=${size##*:}
    echo "== end to end: $instalments instalments, $window due on $AS_OF, a real worker sending through Redis"
    sql "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)"
    sql "CREATE DATABASE ${DB} TEMPLATE ${DB}_template"
    gen=$("$PY" benchmarks/reminders/bench.py generate --instalments "$instalments" --window "$window" --as-of "$AS_OF")
    echo "{\"instalments\": $instalments, \"window\": $window, \"what\": \"generate\", \"result\": $gen}" | tee -a "$OUT"
    measure "$instalments" "$window" e2e
done

"$PY" benchmarks/reminders/report.py "$OUT"
