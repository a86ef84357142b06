#!/usr/bin/env bash
# The restore drill (part of .ci/run; run it by hand before each campaign opens, too):
# back up a database and a bucket holding data, wipe both, restore, and check they are equal.
#
#   1. a scratch PostgreSQL database (DRILL_DB_NAME, default tapif_restore_drill) that this script
#      creates (it refuses if the name exists) and a bucket on a moto S3 server it starts
#   2. migrate, load_demo (accounts, dossiers with their documents), and a few more files
#   3. a fingerprint: row count and MD5 of every table's rows, every sequence's position, every
#      object's key, size, MD5 and content type
#   4. scripts/backup.sh (age if installed, else gpg with a passphrase file), with an rsync
#      off-host copy to a local folder; the archive must not contain a document's text in
#      clear; old fake archives check the retention rule
#   5. wipe: drop and recreate the database, delete every object of the bucket
#   6. scripts/restore.sh --yes, then the fingerprint again: it must be identical
#
# DRILL_ENCRYPTION=gpg: encrypt with a gpg passphrase file instead of age.
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth; DRILL_PG_ADMIN_URL to change)
# and the .venv. It drops only the database it created; DRILL_KEEP=1 keeps it and the work folder.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
[[ -x $PY ]] || { echo "ERROR: $PY is missing: run 'make install' first." >&2; exit 1; }
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh

PG_ADMIN_URL=${DRILL_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=${DRILL_DB_NAME:-tapif_restore_drill}
BUCKET=${DRILL_BUCKET:-tapif-restore-drill}
REGION=ca-central-1
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "DRILL_DB_NAME must be a plain lower-case name."
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapif-restore-drill.XXXXXX")
DB_CREATED=0

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    bg_stop_all
    if [[ ${DRILL_KEEP:-0} == 1 ]]; then
        echo "Kept $WORK and the database $DB_NAME (DRILL_KEEP=1)."
    else
        ((DB_CREATED)) && { pg_admin drop "$DB_NAME" || warn "could not drop database $DB_NAME"; }
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pg_admin create|drop|exists NAME: on the maintenance database.
pg_admin() {
    "$PY" - "$PG_ADMIN_URL" "$1" "$2" <<'PY'
import sys
import psycopg

url, action, name = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as conn:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if action == "exists":
        sys.exit(0 if exists else 1)
    if action == "create":
        conn.execute(f'CREATE DATABASE "{name}"')
    elif action == "drop":
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
PY
}

# --- 1. A scratch database and bucket ----------------------------------------------------------
log "Restore drill: scratch database $DB_NAME and bucket $BUCKET"
require_postgres "$PG_ADMIN_URL"
if pg_admin exists "$DB_NAME"; then
    die "database $DB_NAME exists already: this drill only drops what it creates. Drop it \
yourself if it is a leftover, or set DRILL_DB_NAME to another name."
fi
pg_admin create "$DB_NAME"
DB_CREATED=1
MOTO_PORT=$(free_port 0)
start_moto_s3 "$MOTO_PORT" "$WORK/moto.log" "$BUCKET" "$REGION"

# Only the variables set here: nothing from the caller's environment reaches the drill.
for name in $(compgen -e); do
    case $name in
        DJANGO_* | DATABASE_* | CACHE_URL | CELERY_* | AWS_* | PRIVATE_MEDIA_ROOT | STATIC_MANIFEST | \
            EMAIL_* | DEFAULT_FROM_EMAIL | MFA_* | TAPIF_* | SITE_URL | BACKUP_*) unset "$name" ;;
    esac
done
# load_demo makes accounts with known passwords: it runs with DEBUG on only.
export DJANGO_DEBUG=1
export DATABASE_URL=${PG_ADMIN_URL%/*}/$DB_NAME
export AWS_STORAGE_BUCKET_NAME=$BUCKET
export AWS_S3_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AWS_S3_REGION_NAME=$REGION
export AWS_ACCESS_KEY_ID=tapif-ci
export AWS_SECRET_ACCESS_KEY=tapif-ci-secret
export EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend
export DJANGO_LOG_LEVEL=WARNING

# --- 2. Data -----------------------------------------------------------------------------------
log "Restore drill: migrate, load_demo, more files"
"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py load_demo >/dev/null
SECRET_TEXT="drill-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
"$PY" manage.py shell -v 0 -c "
import os
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
default_storage.save('drill/relevé de notes — 2025.txt', ContentFile('$SECRET_TEXT'.encode()))
default_storage.save('drill/random.bin', ContentFile(os.urandom(1_500_000)))
default_storage.save('drill/empty.txt', ContentFile(b''))
"

# --- 3. Fingerprint ----------------------------------------------------------------------------
fingerprint() {
    "$PY" - "$DATABASE_URL" <<'PY'
"""Every table's row count and MD5 of its rows (sorted), every sequence's position."""
import sys
import psycopg
from psycopg import sql

with psycopg.connect(sys.argv[1]) as conn:
    tables = [row[0] for row in conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    for table in tables:
        count, digest = conn.execute(sql.SQL(
            "SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) "
            "FROM {} AS t").format(sql.Identifier(table))).fetchone()
        print(f"table {table} {count} {digest}")
    for name, value in conn.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' "
            "ORDER BY sequencename"):
        print(f"sequence {name} {value}")
PY
    "$PY" scripts/bucket_archive.py manifest | sed 's/^/object /'
}
fingerprint >"$WORK/before.txt"
tables=$(grep -c '^table ' "$WORK/before.txt")
rows=$(awk '$1 == "table" {s += $3} END {print s}' "$WORK/before.txt")
objects=$(grep -c '^object ' "$WORK/before.txt")
echo "Fingerprint: $tables tables, $rows rows, $objects objects."
((rows > 100 && objects >= 5)) || die "too little data to prove anything ($rows rows, \
$objects objects): did load_demo change?"

# --- 4. Back up --------------------------------------------------------------------------------
log "Restore drill: scripts/backup.sh"
export BACKUP_DIR=$WORK/backups BACKUP_KEEP_DAYS=3 BACKUP_KEEP_WEEKS=2
# The off-host copy, to a local folder standing in for the vault host.
export BACKUP_OFFHOST_RSYNC=$WORK/offhost/
mkdir -p "$BACKUP_DIR" "$BACKUP_OFFHOST_RSYNC"
# DRILL_ENCRYPTION=gpg tries the passphrase path even where age is installed.
if [[ ${DRILL_ENCRYPTION:-age} == age ]] && command -v age >/dev/null; then
    age-keygen -o "$WORK/age.key" 2>/dev/null
    age-keygen -y -o "$WORK/age.pub" "$WORK/age.key"
    export BACKUP_AGE_RECIPIENTS_FILE=$WORK/age.pub BACKUP_AGE_IDENTITY_FILE=$WORK/age.key
else
    command -v age >/dev/null || warn "age is not installed: the drill encrypts with gpg"
    head -c 32 /dev/urandom | base64 >"$WORK/passphrase"
    export BACKUP_PASSPHRASE_FILE=$WORK/passphrase
fi
# Archives of earlier days for the retention rule (3 days, then 2 weekly): of these, only
# the newest of the two most recent older weeks may stay.
old_days=(1 3 9 10 17 30)
for ago in "${old_days[@]}"; do
    touch "$BACKUP_DIR/tapif-$(date -u -d "-$ago days" +%Y-%m-%d)T030000Z.tar"
done
touch "$BACKUP_DIR/notes.txt" "$BACKUP_DIR/tapif-manual-copy.tar"

ARCHIVE=$(scripts/backup.sh)
[[ -f $ARCHIVE ]] || die "scripts/backup.sh printed no archive path"
echo "Archive: $ARCHIVE ($(stat -c %s "$ARCHIVE") bytes): $(tar -tf "$ARCHIVE" | tr '\n' ' ')"
cmp -s "$ARCHIVE" "$BACKUP_OFFHOST_RSYNC/$(basename "$ARCHIVE")" \
    || die "the off-host copy (BACKUP_OFFHOST_RSYNC) is missing or differs"
echo "The off-host copy is identical."
mkdir "$WORK/clear-check"
tar -xf "$ARCHIVE" -C "$WORK/clear-check"
if grep -rqa "$SECRET_TEXT" "$WORK/clear-check" || grep -rqa 'demo1@demo.tapif.ca' "$WORK/clear-check"; then
    die "the archive holds a document's text or an e-mail address in clear"
fi
echo "The archive holds neither a document's text nor an e-mail address in clear."

expected_kept=("$(basename "$ARCHIVE")" notes.txt tapif-manual-copy.tar)
for ago in "${old_days[@]}"; do
    day=$(date -u -d "-$ago days" +%Y-%m-%d)
    # Within the 3 days (today, 1 ago): kept. Before: the newest of each week, two weeks.
    if ((ago < 3)); then expected_kept+=("tapif-${day}T030000Z.tar"); fi
done
weeks_seen=()
for ago in "${old_days[@]}"; do
    ((ago >= 3)) || continue
    week=$(date -u -d "-$ago days" +%G-W%V)
    [[ " ${weeks_seen[*]} " == *" $week "* ]] && continue
    ((${#weeks_seen[@]} < 2)) || break
    weeks_seen+=("$week")
    expected_kept+=("tapif-$(date -u -d "-$ago days" +%Y-%m-%d)T030000Z.tar")
done
kept=$(cd "$BACKUP_DIR" && ls | sort | tr '\n' ' ')
want=$(printf '%s\n' "${expected_kept[@]}" | sort | tr '\n' ' ')
[[ $kept == "$want" ]] || die "retention kept: $kept; expected: $want"
echo "Retention kept: $kept(other files untouched)."

# --- 5. Wipe -----------------------------------------------------------------------------------
log "Restore drill: wipe the database and the bucket"
pg_admin drop "$DB_NAME"
pg_admin create "$DB_NAME"
"$PY" - <<'PY'
import os
import boto3
from botocore.config import Config

s3 = boto3.client("s3", endpoint_url=os.environ["AWS_S3_ENDPOINT_URL"],
                  region_name=os.environ["AWS_S3_REGION_NAME"],
                  config=Config(s3={"addressing_style": "path"}))
bucket = os.environ["AWS_STORAGE_BUCKET_NAME"]
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for item in page.get("Contents", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"])
print(f"Bucket {bucket} emptied.")
PY
fingerprint >"$WORK/wiped.txt"
! grep -q '^object \|^table ' "$WORK/wiped.txt" || die "the wipe left tables or objects"

# --- 6. Restore and compare -------------------------------------------------------------------
log "Restore drill: scripts/restore.sh"
scripts/restore.sh --yes "$ARCHIVE"
fingerprint >"$WORK/after.txt"
if ! diff -u "$WORK/before.txt" "$WORK/after.txt"; then
    die "the restored database or bucket differs from the original (diff above)"
fi
log "Restore drill passed: $tables tables ($rows rows), the sequences and $objects objects \
are identical after backup, wipe and restore ($(basename "$ARCHIVE"))."
