#!/usr/bin/env bash
# Production run: Daphne (ASGI: HTTP, whitenoise's static files, WebSockets), Celery worker(s), exactly one Celery beat,
# PostgreSQL and Redis (database, broker, cache and the channel layer).
#
#   scripts/run_prod.sh            release steps, then web + worker + beat together (Ctrl-C stops all)
#   scripts/run_prod.sh web|worker|beat|release   one component (what the Procfile runs)
#
# Configuration comes from the environment (docs/DEPLOY.md). When ENV_FILE (default var/prod.env) exists it
# is loaded first; for a local run without one, a file with local PostgreSQL/Redis URLs and freshly generated
# keys is written there once (keep it: the encryption keys are needed to read the customer data again).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
ENV_FILE=${ENV_FILE:-var/prod.env}

if [[ ! -f "$ENV_FILE" && -z "${SECRET_KEY:-}" ]]; then
  mkdir -p "$(dirname "$ENV_FILE")"
  umask 077
  {
    echo "# Local production run: generated $(date -u +%FT%TZ). Not for a real deployment (no TLS)."
    echo "SECRET_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(64))')"
    echo "FIELD_ENCRYPTION_KEYS=$($PY -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
    echo "PII_HASH_KEY=$($PY -c 'import secrets; print(secrets.token_urlsafe(48))')"
    echo "DATABASE_URL=postgres://postgres@127.0.0.1:5432/aftersales"
    echo "REDIS_URL=redis://127.0.0.1:6379/0"
    echo "ALLOWED_HOSTS=127.0.0.1,localhost"
    echo "CSRF_TRUSTED_ORIGINS=http://127.0.0.1:8000,http://localhost:8000"
    # Plain HTTP on the loopback only; behind a real TLS proxy leave these at their secure defaults.
    echo "SECURE_SSL_REDIRECT=0"
    echo "SECURE_HSTS_SECONDS=0"
    echo "CONN_MAX_AGE=60"
  } > "$ENV_FILE"
  echo "wrote $ENV_FILE (local production settings with new keys)" >&2
fi
if [[ -f "$ENV_FILE" ]]; then
  # KEY=VALUE lines; a variable already set in the environment wins over the file.
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || continue
    key=${line%%=*}
    [[ -n "${!key+x}" ]] || export "$line"
  done < "$ENV_FILE"
fi
unset DJANGO_DEBUG
export DJANGO_SETTINGS_MODULE=aftersales.settings

CORES=$(nproc 2>/dev/null || echo 2)
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
# Daphne: one asynchronous process per core on one shared socket; override with WEB_CONCURRENCY. Several processes
# need the Redis channel layer (REDIS_URL): the in-memory one is per process, chat events would not cross.
WEB_CONCURRENCY=${WEB_CONCURRENCY:-$CORES}
if [[ -z "${REDIS_URL:-}" && "$WEB_CONCURRENCY" -gt 1 ]]; then
  echo "no REDIS_URL: one Daphne process (the in-memory channel layer is per process)" >&2
  WEB_CONCURRENCY=1
fi
# Seconds a request may take before Daphne answers 503 (keep nginx's proxy_read_timeout above it).
HTTP_TIMEOUT=${HTTP_TIMEOUT:-120}
CELERY_CONCURRENCY=${CELERY_CONCURRENCY:-$CORES}

component() {
  case "$1" in
    release)
      "$PY" manage.py migrate --noinput
      "$PY" manage.py compile_translations
      "$PY" manage.py collectstatic --noinput -v 0
      # Fresh planner statistics: after a bulk load (demo seed, restore) stale ones make indexed pages seconds slow.
      "$PY" manage.py shell -c "from django.db import connection
if connection.vendor == 'postgresql':
    connection.cursor().execute('ANALYZE')"
      ;;
    web)
      # Under ASGI every request runs in a thread of its own, so persistent connections would only pile up
      # (Django: "When using ASGI, persistent connections should be disabled"); pool with PgBouncer instead.
      export CONN_MAX_AGE=0
      # WEB_CONCURRENCY Daphne processes on HOST:PORT (aftersales.management.commands.run_portal.serve_asgi):
      # one is exec'd as is; several share one listening socket (--fd) and a dead one is restarted.
      exec "$PY" -c 'import sys
from aftersales.management.commands.run_portal import serve_asgi
serve_asgi(host=sys.argv[1], port=sys.argv[2], processes=int(sys.argv[3]), http_timeout=int(sys.argv[4]))' \
        "$HOST" "$PORT" "$WEB_CONCURRENCY" "$HTTP_TIMEOUT"
      ;;
    worker)
      exec "$PY" -m celery -A aftersales worker -l INFO -c "$CELERY_CONCURRENCY" -n "worker-$$@%h" \
        --max-tasks-per-child 1000
      ;;
    beat)
      # The scheduler (aftersales.security.beat) holds a PostgreSQL advisory lock: a second beat only waits.
      exec "$PY" -m celery -A aftersales beat -l INFO --pidfile=
      ;;
    *)
      echo "usage: $0 [release|web|worker|beat]" >&2
      exit 2
      ;;
  esac
}

if [[ $# -gt 0 ]]; then
  component "$1"
  exit 0
fi

component release
pids=()
for name in web worker; do
  ( component "$name" ) &
  pids+=($!)
done
# Beat stops by design when it loses its PostgreSQL lock (e.g. the database restarted), so that two never run;
# as a process manager would, start it again (it waits for the lock as a standby until it gets it).
(
  while :; do
    ( component beat ) || echo "beat exited ($?); starting it again in 5 s" >&2
    sleep 5
  done
) &
pids+=($!)
stop() {
  trap - INT TERM
  for pid in "${pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true
    kill "$pid" 2>/dev/null || true
  done
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT
echo "portal: http://$HOST:$PORT/  (web: Daphne x${WEB_CONCURRENCY}, worker x${CELERY_CONCURRENCY}, one beat)" >&2
# Stop everything as soon as web or the worker exits.
wait -n "${pids[@]}"
