#!/usr/bin/env bash
# Cash-out risk scoring benchmark: SQLite (the embedded default) and PostgreSQL, each in a fresh database.
#
#   benchmarks/risk/run.sh                    # 1,200 scored + 1,200 baseline checkouts on each database
#   CHECKOUTS=2000 benchmarks/risk/run.sh     # more
#   DATABASES="sqlite" benchmarks/risk/run.sh # one of them
#
# Needs psql reaching BENCH_PG (default postgres://postgres@127.0.0.1:5432) for the PostgreSQL run; its
# database (BENCH_DB, default fangxin_risk_bench) is created and dropped here. Writes
# benchmarks/risk/results.jsonl and the "## Cash-out risk scoring" section of benchmarks/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

PY=${PYTHON:-.venv/bin/python}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=${BENCH_DB:-fangxin_risk_bench}
CHECKOUTS=${CHECKOUTS:-1200}
RUN_ON=${DATABASES:-"sqlite postgres"}
OUT=benchmarks/risk/results.jsonl
VAR=$(mktemp -d "${TMPDIR:-/tmp}/fangxin-risk-bench.XXXXXX")

export SECURE_SSL_REDIRECT=0 FANGXIN_VAR_DIR="$VAR" LOG_LEVEL=WARNING DEBUG=0
export CELERY_TASK_ALWAYS_EAGER=1 EMAIL_URL=memorymail:// SMS_BACKEND=core.sms.MemorySmsBackend
export SECRET_KEY=${SECRET_KEY:-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH}
export FIELD_ENCRYPTION_KEYS=${FIELD_ENCRYPTION_KEYS:-7Zg3sJm0k6lKJv9g6cVvH0k8fQkq2t5nS3yXy2rB2qE=}
export BLIND_INDEX_KEY=${BLIND_INDEX_KEY:-bench-blind-index-key-0123456789abcdef-xyz}
unset REDIS_URL

sql() { psql -X -q -v ON_ERROR_STOP=1 "$PG/postgres" -c "$1" >/dev/null; }
cleanup() {
    if [[ " $RUN_ON " == *" postgres "* ]]; then sql "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)" || true; fi
    rm -rf "$VAR"
}
trap cleanup EXIT

: > "$OUT"
for db in $RUN_ON; do
    case $db in
        sqlite) export DATABASE_URL="sqlite:///$VAR/bench.sqlite3" ;;
        postgres) sql "DROP DATABASE IF EXISTS ${DB} WITH (FORCE)"; sql "CREATE DATABASE ${DB}"
                  export DATABASE_URL="$PG/$DB" ;;
        *) echo "unknown database: $db" >&2; exit 2 ;;
    esac
    echo "== $db: migrating, generating, measuring $CHECKOUTS checkouts each way" >&2
    "$PY" manage.py migrate -v 0
    "$PY" benchmarks/risk/bench.py run --checkouts "$CHECKOUTS" | tee -a "$OUT"
done
"$PY" benchmarks/risk/bench.py report "$OUT"
