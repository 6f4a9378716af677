#!/usr/bin/env bash
# Back up the portal's PostgreSQL database with pg_dump's custom format (compressed, restorable table by table).
#
#   scripts/backup.sh [OUTPUT_FILE]
#
# DATABASE_URL (postgres://user@host:port/name) names the database; default output
# var/backups/aftersales-<UTC timestamp>.dump. Old dumps in var/backups are pruned after BACKUP_KEEP_DAYS (default 14).
# The dump is checked by listing its table of contents; the script fails if it cannot be read back.
# Uploaded files (MEDIA_ROOT) are not in the database: back them up with the same schedule (see docs/DEPLOY.md).
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/aftersales}"
OUT=${1:-var/backups/aftersales-$(date -u +%Y%m%dT%H%M%SZ).dump}
mkdir -p "$(dirname "$OUT")"
umask 077  # dumps hold (encrypted) customer data: owner-only
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file "$OUT.partial" "$DATABASE_URL"
pg_restore --list "$OUT.partial" > /dev/null
mv "$OUT.partial" "$OUT"
if [[ -z "${1:-}" ]]; then
  find "$(dirname "$OUT")" -name 'aftersales-*.dump' -mtime +"${BACKUP_KEEP_DAYS:-14}" -delete
fi
echo "$OUT"
