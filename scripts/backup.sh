#!/usr/bin/env bash
# Back up tapif: an encrypted, dated archive of the database and the documents bucket.
#
#   make backup                         (or scripts/backup.sh; docs/production.md, "Backups")
#
# Writes $BACKUP_DIR/tapif-YYYY-MM-DDTHHMMSSZ.tar (UTC), a plain tar of three members:
#   tapif-backup.txt        format, date, encryption, sizes and SHA-256 of the two others
#   database.dump.<enc>     pg_dump --format=custom of DATABASE_URL, encrypted
#   documents.tar.<enc>     every object of the bucket and a manifest (scripts/bucket_archive.py),
#                           encrypted
# Each part is encrypted as it streams: nothing readable is written to disk. The database is
# dumped first, so that every document the dump refers to is in the bucket copy.
#
# Encryption (a backup is never written in clear):
#   BACKUP_AGE_RECIPIENTS_FILE  age public key(s) (age-keygen -y): encrypts with age; the host
#                               cannot read its own backups, the private key stays off the host
#   BACKUP_PASSPHRASE_FILE      or a passphrase file (gpg --symmetric, AES-256)
# Where and how long:
#   BACKUP_DIR           folder of the archives (default var/backups), made mode 700
#   BACKUP_KEEP_DAYS     keep every archive of the last N days (default 14)
#   BACKUP_KEEP_WEEKS    and, before that, the newest archive of each of M weeks (default 8)
#                        Only files named like this script's archives are ever deleted.
# Off the host (after each archive; a failure makes the run fail, the archive is kept):
#   BACKUP_OFFHOST_RSYNC  rsync destination, e.g. backup@vault.example.org:/srv/tapif/
#   BACKUP_OFFHOST_CMD    or a program of yours, run with the archive's path as its argument,
#                         e.g. /etc/tapif/offhost.sh holding
#                         aws s3 cp "$1" s3://embassy-backups/tapif/ --only-show-errors
# How to reach the data:
#   BACKUP_MODE=native    (default) pg_dump on DATABASE_URL, .venv/bin/python for the bucket,
#                         the application's variables from the environment
#   BACKUP_MODE=compose   pg_dump in the postgres container, the bucket through the web
#                         image (docker compose run), from the checkout's folder
set -euo pipefail
shopt -s nullglob

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/backup.sh
source scripts/lib/backup.sh

BACKUP_DIR=${BACKUP_DIR:-var/backups}
KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
KEEP_WEEKS=${BACKUP_KEEP_WEEKS:-8}
[[ $KEEP_DAYS =~ ^[0-9]+$ && $KEEP_WEEKS =~ ^[0-9]+$ ]] \
    || backup_die "BACKUP_KEEP_DAYS and BACKUP_KEEP_WEEKS must be whole numbers."
((KEEP_DAYS >= 1)) || backup_die "BACKUP_KEEP_DAYS must be at least 1 (today's archive)."

umask 077
backup_choose_encryption
backup_check_mode
mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR"

# One run at a time (a timer and a hand-made run before an upgrade could meet).
exec 9>"$BACKUP_DIR/.lock"
flock -n 9 || backup_die "another backup is running (lock $BACKUP_DIR/.lock)."

STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
ARCHIVE=$BACKUP_DIR/tapif-$STAMP.tar
PARTS=$(mktemp -d "$BACKUP_DIR/.tapif-$STAMP.XXXXXX")
trap 'rm -rf "$PARTS" "$ARCHIVE.partial"' EXIT

backup_log "Database -> database.dump.$ENC_EXT ($ENCRYPTION)"
backup_pg_dump | backup_encrypt >"$PARTS/database.dump.$ENC_EXT"
backup_log "Documents bucket -> documents.tar.$ENC_EXT ($ENCRYPTION)"
backup_bucket dump | backup_encrypt >"$PARTS/documents.tar.$ENC_EXT"

{
    echo "tapif backup, format 1"
    echo "created: $STAMP"
    echo "host: $(hostname)"
    echo "encryption: $ENCRYPTION"
    echo "git: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    for part in "$PARTS"/database.dump.* "$PARTS"/documents.tar.*; do
        printf 'part: %s %s %s\n' "$(basename "$part")" "$(stat -c %s "$part")" \
            "$(sha256sum "$part" | cut -d' ' -f1)"
    done
} >"$PARTS/tapif-backup.txt"
tar -cf "$ARCHIVE.partial" -C "$PARTS" tapif-backup.txt "database.dump.$ENC_EXT" \
    "documents.tar.$ENC_EXT"
mv "$ARCHIVE.partial" "$ARCHIVE"
backup_log "Wrote $ARCHIVE ($(du -h "$ARCHIVE" | cut -f1))"

# --- Retention: every archive of the last KEEP_DAYS days, then one a week for KEEP_WEEKS weeks --
cutoff=$(date -u -d "-$((KEEP_DAYS - 1)) days" +%Y-%m-%d)
declare -A weeks_kept=()
removed=0
# Newest first: the first archive met in an older week is that week's newest.
mapfile -t archives < <(printf '%s\n' "$BACKUP_DIR"/tapif-*.tar | sort -r)
for path in "${archives[@]}"; do
    name=$(basename "$path")
    [[ $name =~ ^tapif-([0-9]{4}-[0-9]{2}-[0-9]{2})T[0-9]{6}Z\.tar$ ]] || continue
    day=${BASH_REMATCH[1]}
    [[ $day > $cutoff || $day == "$cutoff" ]] && continue
    week=$(date -u -d "$day" +%G-W%V)
    if [[ -z ${weeks_kept[$week]:-} ]] && ((${#weeks_kept[@]} < KEEP_WEEKS)); then
        weeks_kept[$week]=$name
        continue
    fi
    rm -f -- "$path"
    removed=$((removed + 1))
done
backup_log "Retention: kept the archives since $cutoff and ${#weeks_kept[@]} weekly ones; \
removed $removed."

# --- Off the host --------------------------------------------------------------------------------
if [[ -n ${BACKUP_OFFHOST_RSYNC:-} ]]; then
    backup_log "Off-host copy: rsync to $BACKUP_OFFHOST_RSYNC"
    rsync --archive --chmod=F600 --partial "$ARCHIVE" "$BACKUP_OFFHOST_RSYNC"
fi
if [[ -n ${BACKUP_OFFHOST_CMD:-} ]]; then
    [[ -x $BACKUP_OFFHOST_CMD ]] || backup_die "BACKUP_OFFHOST_CMD=$BACKUP_OFFHOST_CMD is not an \
executable file (the archive is kept: $ARCHIVE)."
    backup_log "Off-host copy: $BACKUP_OFFHOST_CMD"
    "$BACKUP_OFFHOST_CMD" "$ARCHIVE"
fi
if [[ -z ${BACKUP_OFFHOST_RSYNC:-}${BACKUP_OFFHOST_CMD:-} ]]; then
    backup_warn "no off-host copy configured (BACKUP_OFFHOST_RSYNC or BACKUP_OFFHOST_CMD): \
this archive is on this host only."
fi
echo "$ARCHIVE"
