#!/usr/bin/env bash
# Restore tapif from an archive of scripts/backup.sh: the database, then the documents bucket.
#
#   make restore FILE=/var/backups/tapif/tapif-2026-03-01T030000Z.tar
#   scripts/restore.sh [--yes] [--database-only | --documents-only] [--prune-documents] FILE
#
# Stop what writes first (docker compose stop web worker beat; or the systemd services): the
# script refuses while other sessions are connected to the database.
#   --yes               no question (scripts, the restore drill); otherwise it asks you to type
#                       the database's name
#   --prune-documents   also delete objects of the bucket that the archive does not have
#                       (documents uploaded after the backup, whose rows the restore removed)
# The database is restored with pg_restore --clean --if-exists in a single transaction: the
# tables of the dump are dropped and made again, a failure leaves the database as it was.
# Keys: BACKUP_AGE_IDENTITY_FILE (age private key) or BACKUP_PASSPHRASE_FILE (gpg), as the
# archive says. Reaching the data: BACKUP_MODE=native|compose, as for scripts/backup.sh.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/backup.sh
source scripts/lib/backup.sh

usage() {
    sed -n '4,5p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
    exit 2
}

YES=0 DATABASE=1 DOCUMENTS=1 PRUNE=()
FILE=
while (($#)); do
    case $1 in
        --yes) YES=1 ;;
        --database-only) DOCUMENTS=0 ;;
        --documents-only) DATABASE=0 ;;
        --prune-documents) PRUNE=(--prune) ;;
        -h | --help) usage ;;
        -*) backup_die "unknown option $1" ;;
        *) [[ -z $FILE ]] || usage; FILE=$1 ;;
    esac
    shift
done
[[ -n $FILE ]] || usage
[[ -r $FILE ]] || backup_die "cannot read $FILE"
((DATABASE || DOCUMENTS)) || backup_die "--database-only and --documents-only exclude each other."
backup_check_mode

umask 077
PARTS=$(mktemp -d "${TMPDIR:-/tmp}/tapif-restore.XXXXXX")
trap 'rm -rf "$PARTS"' EXIT
tar -xf "$FILE" -C "$PARTS" --no-same-owner
[[ -f $PARTS/tapif-backup.txt ]] || backup_die "$FILE is not a tapif backup (no tapif-backup.txt)."
grep -q '^tapif backup, format 1$' "$PARTS/tapif-backup.txt" \
    || backup_die "unknown backup format: $(head -n 1 "$PARTS/tapif-backup.txt")"
ENC_EXT=$(sed -n 's/^encryption: //p' "$PARTS/tapif-backup.txt")
backup_log "Archive: $(sed -n 's/^created: //p' "$PARTS/tapif-backup.txt"), \
encrypted with $ENC_EXT, code $(sed -n 's/^git: //p' "$PARTS/tapif-backup.txt")"

# The parts are those the archive lists, intact (a truncated copy is refused before any change).
while read -r _ name size sha; do
    [[ -f $PARTS/$name ]] || backup_die "part $name is missing from $FILE"
    [[ $(stat -c %s "$PARTS/$name") == "$size" ]] || backup_die "part $name: wrong size"
    [[ $(sha256sum "$PARTS/$name" | cut -d' ' -f1) == "$sha" ]] \
        || backup_die "part $name: SHA-256 differs from the archive's record"
done < <(grep '^part: ' "$PARTS/tapif-backup.txt")
backup_log "Both parts are intact (sizes and SHA-256 as recorded)."

if ((DATABASE)); then
    database=$(backup_psql -c 'SELECT current_database()')
    others=$(backup_psql -c "SELECT count(*) FROM pg_stat_activity WHERE datname = \
current_database() AND pid <> pg_backend_pid()")
    ((others == 0)) || backup_die "$others other session(s) are connected to $database: stop \
web, worker and beat first (docker compose stop web worker beat)."
    if ((!YES)); then
        [[ -t 0 ]] || backup_die "no terminal to confirm on: pass --yes."
        printf 'This replaces the content of database "%s"%s. Type its name to go on: ' \
            "$database" "$( ((DOCUMENTS)) && echo ' and the documents bucket')" >&2
        read -r answer
        [[ $answer == "$database" ]] || backup_die "not confirmed: nothing changed."
    fi
    backup_log "Restoring the database $database"
    backup_decrypt "$ENC_EXT" <"$PARTS/database.dump.$ENC_EXT" | backup_pg_restore
    backup_log "Database restored."
elif ((!YES)); then
    [[ -t 0 ]] || backup_die "no terminal to confirm on: pass --yes."
    read -r -p "This overwrites the documents bucket's objects from the archive. Go on? [y/N] " \
        answer
    [[ $answer == [yY]* ]] || backup_die "not confirmed: nothing changed."
fi

if ((DOCUMENTS)); then
    backup_log "Restoring the documents bucket"
    backup_decrypt "$ENC_EXT" <"$PARTS/documents.tar.$ENC_EXT" | backup_bucket load "${PRUNE[@]}"
fi
backup_log "Restore finished. Start the services again (docker compose up -d), then check \
/readyz and a document."
