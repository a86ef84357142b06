# shellcheck shell=bash
# Helpers shared by scripts/backup.sh and scripts/restore.sh (sourced, not run): encryption,
# and how to reach the database and the bucket (BACKUP_MODE=native or compose).

backup_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%SZ)" "$*" >&2; }
backup_warn() { printf 'WARNING: %s\n' "$*" >&2; }
backup_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

BACKUP_MODE=${BACKUP_MODE:-native}
# The postgres container's user and database (docker-compose.yml).
COMPOSE_PG=(docker compose exec -T postgres)
COMPOSE_PG_DB=(-U tapif -d tapif)

# Sets ENCRYPTION (age or gpg) and ENC_EXT from the key or passphrase file configured.
backup_choose_encryption() {
    if [[ -n ${BACKUP_AGE_RECIPIENTS_FILE:-} ]]; then
        command -v age >/dev/null || backup_die "age is not installed (apt-get install age)."
        [[ -r $BACKUP_AGE_RECIPIENTS_FILE ]] \
            || backup_die "BACKUP_AGE_RECIPIENTS_FILE=$BACKUP_AGE_RECIPIENTS_FILE is not readable."
        ENCRYPTION=age ENC_EXT=age
    elif [[ -n ${BACKUP_PASSPHRASE_FILE:-} ]]; then
        command -v gpg >/dev/null || backup_die "gpg is not installed (apt-get install gpg)."
        [[ -r $BACKUP_PASSPHRASE_FILE && -s $BACKUP_PASSPHRASE_FILE ]] \
            || backup_die "BACKUP_PASSPHRASE_FILE=$BACKUP_PASSPHRASE_FILE is missing or empty."
        ENCRYPTION=gpg ENC_EXT=gpg
    else
        backup_die "no encryption key: set BACKUP_AGE_RECIPIENTS_FILE (an age public key) or \
BACKUP_PASSPHRASE_FILE (a passphrase file for gpg). Backups are never written in clear."
    fi
}

# gpg keeps its state in a private, temporary home (never the user's keyring).
_backup_gpg() {
    local home status=0
    home=$(mktemp -d "${TMPDIR:-/tmp}/tapif-gpg.XXXXXX")
    gpg --homedir "$home" --batch --quiet --yes --pinentry-mode loopback \
        --passphrase-file "$BACKUP_PASSPHRASE_FILE" "$@" || status=$?
    rm -rf "$home"
    return "$status"
}

backup_encrypt() {
    case $ENCRYPTION in
        age) age --encrypt --recipients-file "$BACKUP_AGE_RECIPIENTS_FILE" ;;
        gpg) _backup_gpg --symmetric --cipher-algo AES256 --s2k-digest-algo SHA512 --output - ;;
    esac
}

# decrypt EXT: from stdin to stdout with the key the archive's part was made for.
backup_decrypt() {
    case $1 in
        age)
            [[ -r ${BACKUP_AGE_IDENTITY_FILE:-} ]] || backup_die "this archive is encrypted \
with age: set BACKUP_AGE_IDENTITY_FILE to the private key (age-keygen's file)."
            age --decrypt --identity "$BACKUP_AGE_IDENTITY_FILE"
            ;;
        gpg)
            [[ -r ${BACKUP_PASSPHRASE_FILE:-} ]] || backup_die "this archive is encrypted with \
gpg: set BACKUP_PASSPHRASE_FILE to its passphrase file."
            _backup_gpg --decrypt
            ;;
        *) backup_die "unknown encryption .$1" ;;
    esac
}

backup_check_mode() {
    case $BACKUP_MODE in
        native)
            [[ ${DATABASE_URL:-} == postgres://* || ${DATABASE_URL:-} == postgresql://* ]] \
                || backup_die "DATABASE_URL must name the PostgreSQL database (BACKUP_MODE=native)."
            command -v pg_dump >/dev/null \
                || backup_die "pg_dump is missing (apt-get install postgresql-client)."
            [[ -x .venv/bin/python ]] || backup_die ".venv/bin/python is missing: make install."
            [[ -n ${AWS_STORAGE_BUCKET_NAME:-} ]] \
                || backup_die "AWS_STORAGE_BUCKET_NAME is not set: where are the documents?"
            ;;
        compose)
            command -v docker >/dev/null || backup_die "docker is missing (BACKUP_MODE=compose)."
            [[ -f docker-compose.yml ]] || backup_die "no docker-compose.yml in $PWD."
            ;;
        *) backup_die "BACKUP_MODE must be native or compose, not '$BACKUP_MODE'." ;;
    esac
}

backup_pg_dump() {
    case $BACKUP_MODE in
        native) pg_dump --format=custom --no-owner --dbname="$DATABASE_URL" ;;
        compose) "${COMPOSE_PG[@]}" pg_dump --format=custom --no-owner "${COMPOSE_PG_DB[@]}" ;;
    esac
}

# pg_restore --clean: drops what the dump holds and makes it again, in one transaction.
backup_pg_restore() {
    local options=(--clean --if-exists --no-owner --no-privileges --single-transaction
        --exit-on-error)
    case $BACKUP_MODE in
        native) pg_restore "${options[@]}" --dbname="$DATABASE_URL" ;;
        compose) "${COMPOSE_PG[@]}" pg_restore "${options[@]}" "${COMPOSE_PG_DB[@]}" ;;
    esac
}

backup_psql() {
    case $BACKUP_MODE in
        native) psql --no-psqlrc --quiet --tuples-only --no-align --dbname="$DATABASE_URL" "$@" ;;
        compose) "${COMPOSE_PG[@]}" psql --no-psqlrc --quiet --tuples-only --no-align \
            "${COMPOSE_PG_DB[@]}" "$@" ;;
    esac
}

# backup_bucket dump|load [--prune]: scripts/bucket_archive.py with the application's S3 settings.
backup_bucket() {
    case $BACKUP_MODE in
        native) .venv/bin/python scripts/bucket_archive.py "$@" ;;
        compose)
            # Inside the network, straight to MinIO rather than through the public files host.
            docker compose run --rm --no-deps -T \
                -e "BACKUP_S3_ENDPOINT_URL=${BACKUP_S3_ENDPOINT_URL:-http://minio:9000}" \
                web python scripts/bucket_archive.py "$@"
            ;;
    esac
}
