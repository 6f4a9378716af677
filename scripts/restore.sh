#!/usr/bin/env bash
# Restore a dump made by scripts/backup.sh into a database.
#
#   scripts/restore.sh DUMP_FILE TARGET_DATABASE_URL [--replace]
#
# The target database is created when it does not exist. Restoring into a database that already has
# tables is refused unless --replace is given (then its objects are dropped first: stop the portal, the
# workers and beat before doing that). Uses pg_restore with --exit-on-error: a partial restore fails loudly.
set -euo pipefail
DUMP=${1:?usage: restore.sh DUMP_FILE TARGET_DATABASE_URL [--replace]}
TARGET=${2:?usage: restore.sh DUMP_FILE TARGET_DATABASE_URL [--replace]}
REPLACE=${3:-}
[[ -r "$DUMP" ]] || { echo "cannot read $DUMP" >&2; exit 1; }

DBNAME=${TARGET##*/}
DBNAME=${DBNAME%%\?*}
SERVER=${TARGET%/*}
[[ "$DBNAME" =~ ^[A-Za-z0-9_]+$ ]] || { echo "unexpected database name: $DBNAME" >&2; exit 1; }

exists=$(psql "$SERVER/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DBNAME'")
if [[ "$exists" != "1" ]]; then
  psql "$SERVER/postgres" -q -c "CREATE DATABASE \"$DBNAME\""
  echo "created database $DBNAME" >&2
fi
tables=$(psql "$TARGET" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
args=(--no-owner --no-privileges --exit-on-error --dbname "$TARGET")
if [[ "$tables" != "0" ]]; then
  if [[ "$REPLACE" != "--replace" ]]; then
    echo "$DBNAME already has $tables tables; add --replace to overwrite it" >&2
    exit 1
  fi
  args+=(--clean --if-exists)
fi
pg_restore "${args[@]}" "$DUMP"
psql "$TARGET" -q -c "ANALYZE"
echo "restored $DUMP into $DBNAME" >&2
