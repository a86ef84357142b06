#!/usr/bin/env bash
# Run tapif in its production shape on this machine, natively, and check that it works.
#
# The same shape as docker-compose.yml, with the local services instead of containers:
#   DJANGO_DEBUG=0, PostgreSQL (database tapif_prod_check, dropped and made anew),
#   Redis (cache in db 3, Celery broker in db 4, both emptied first), S3 on a moto_server,
#   collectstatic with STATIC_MANIFEST=1, gunicorn, a Celery worker (--pool=solo) and beat.
# Then: /healthz and /fr/ answer 200 (French page, security headers, hashed static files),
# a task goes through Redis to the worker, beat runs, and a file saved through
# default_storage lands in the bucket behind a presigned URL.
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and Redis on 127.0.0.1:6379
# (override with PROD_CHECK_PG_ADMIN_URL / PROD_CHECK_REDIS_URL). Every process it starts is
# stopped on exit, the database is dropped and staticfiles/ removed if the script made it
# (PROD_CHECK_KEEP=1 keeps them and the logs).
# Plain HTTP on loopback: DJANGO_SECURE_SSL_REDIRECT=0, HTTPS is simulated with
# X-Forwarded-Proto as a reverse proxy would send it.
# shellcheck disable=SC2015  # `check` and `fail` always succeed: A && check || fail is safe
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
[[ -x $PY ]] || { echo "ERROR: $PY is missing: run 'make install' first." >&2; exit 1; }
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh

PG_ADMIN_URL=${PROD_CHECK_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${PROD_CHECK_REDIS_URL:-redis://127.0.0.1:6379}
DB_NAME=tapif_prod_check
BUCKET=tapif-prod-check
REGION=ca-central-1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapif-prod-check.XXXXXX")
FAILURES=0
DB_CREATED=0
# collectstatic fills staticfiles/ (STATIC_ROOT); remove it afterwards unless it was there before,
# so that later test runs do not serve these copies through whitenoise.
STATICFILES_EXISTED=0
[[ -e staticfiles ]] && STATICFILES_EXISTED=1

check() { printf '  \033[32mok\033[0m   %s\n' "$*"; }
fail() {
    printf '  \033[31mFAIL\033[0m %s\n' "$*"
    FAILURES=$((FAILURES + 1))
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    bg_stop_all
    if ((rc != 0 || FAILURES > 0)) || [[ ${PROD_CHECK_KEEP:-0} == 1 ]]; then
        for logfile in "$WORK"/*.log; do
            [[ -s $logfile ]] || continue
            printf '\n----- last lines of %s -----\n' "$logfile"
            tail -n 40 "$logfile"
        done
    fi
    if [[ ${PROD_CHECK_KEEP:-0} == 1 ]]; then
        echo "Kept $WORK and the database $DB_NAME (PROD_CHECK_KEEP=1)."
    else
        if ((DB_CREATED)); then
            "$PY" - "$PG_ADMIN_URL" "$DB_NAME" <<'PY' || warn "could not drop database $DB_NAME"
import sys
import psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
PY
        fi
        rm -rf "$WORK"
        ((STATICFILES_EXISTED)) || rm -rf staticfiles
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- Services and a fresh database -------------------------------------------------------------
log "Production shape: services"
require_postgres "$PG_ADMIN_URL"
require_redis "$REDIS_URL/0"
"$PY" - "$PG_ADMIN_URL" "$DB_NAME" <<'PY'
import sys
import psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[2]}" WITH (FORCE)')
    conn.execute(f'CREATE DATABASE "{sys.argv[2]}"')
print(f"Database {sys.argv[2]} created.")
PY
DB_CREATED=1
redis_flush "$REDIS_URL/3"
redis_flush "$REDIS_URL/4"

MOTO_PORT=$(free_port 0)
start_moto_s3 "$MOTO_PORT" "$WORK/moto.log" "$BUCKET" "$REGION"
WEB_PORT=$(free_port 8050)
BASE=http://127.0.0.1:$WEB_PORT

# --- The production environment: only what is set here, nothing inherited -----------------------
for name in $(compgen -e); do
    case $name in
        DJANGO_* | DATABASE_* | CACHE_URL | CELERY_* | AWS_* | PRIVATE_MEDIA_ROOT | STATIC_MANIFEST | \
            EMAIL_* | DEFAULT_FROM_EMAIL | MFA_* | TAPIF_* | SITE_URL) unset "$name" ;;
    esac
done
export DJANGO_DEBUG=0
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
export DJANGO_SECRET_KEY
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_CSRF_TRUSTED_ORIGINS=$BASE
# The address the TLS-terminating proxy publishes (settings refuse anything but https:// with
# DJANGO_DEBUG=0); the checks below reach gunicorn directly with X-Forwarded-Proto: https.
export SITE_URL=https://localhost:$WEB_PORT
export DJANGO_SECURE_SSL_REDIRECT=0
export DJANGO_LOG_LEVEL=INFO
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB_NAME
export CACHE_URL=$REDIS_URL/3
export CELERY_BROKER_URL=$REDIS_URL/4
export AWS_STORAGE_BUCKET_NAME=$BUCKET
export AWS_S3_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AWS_S3_REGION_NAME=$REGION
export AWS_ACCESS_KEY_ID=tapif-ci
export AWS_SECRET_ACCESS_KEY=tapif-ci-secret
export AWS_QUERYSTRING_EXPIRE=120
export STATIC_MANIFEST=1
# No SMTP server here: production sends through SMTP, this check prints e-mails instead.
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
export DEFAULT_FROM_EMAIL="TAPIF Canada <no-reply@tapif.example.org>"
export PYTHONUNBUFFERED=1

manage() { "$PY" manage.py "$@"; }

# --- Build and migrate, as the image and the web container do ------------------------------------
log "Production shape: compilemessages, collectstatic, check, migrate"
manage compilemessages --ignore=.venv --ignore=.tools --ignore=node_modules -v 0
manage collectstatic --noinput --clear -v 0
[[ -f staticfiles/staticfiles.json ]] && check "collectstatic wrote the manifest (STATIC_MANIFEST=1)" \
    || fail "staticfiles/staticfiles.json missing after collectstatic"
manage check --database default
manage migrate --noinput -v 1 | tail -n 3

# --- The three processes of the production shape -----------------------------------------------
log "Production shape: gunicorn on $BASE, Celery worker and beat"
bg_start gunicorn "$WORK/gunicorn.log" .venv/bin/gunicorn tapif.wsgi \
    --bind "127.0.0.1:$WEB_PORT" --workers 2 --access-logfile - --error-logfile - \
    --graceful-timeout 5 --no-control-socket
bg_start worker "$WORK/worker.log" .venv/bin/celery -A tapif worker --pool=solo \
    --loglevel=INFO --hostname "prod-check@%h" --without-mingle --without-gossip
bg_start beat "$WORK/beat.log" .venv/bin/celery -A tapif beat --loglevel=INFO \
    --schedule "$WORK/celerybeat-schedule"

if wait_http_ok "$BASE/healthz" gunicorn 45; then
    check "gunicorn is up"
else
    fail "gunicorn did not answer /healthz within 45 s"
    exit 1
fi

# --- HTTP ----------------------------------------------------------------------------------------
log "Production shape: HTTP checks"
body=$(curl -sS --max-time 10 -w '\n%{http_code}' "$BASE/healthz")
if [[ ${body##*$'\n'} == 200 && ${body%$'\n'*} == ok ]]; then
    check "/healthz -> 200 ok"
else
    fail "/healthz answered: $body"
fi

code=$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H 'Host: evil.example.com' \
    "$BASE/healthz")
[[ $code == 400 ]] && check "unknown Host header -> 400 (ALLOWED_HOSTS enforced)" \
    || fail "a request for Host evil.example.com got $code, expected 400"

# As behind the TLS-terminating proxy: X-Forwarded-Proto: https.
code=$(curl -sS --max-time 10 -D "$WORK/fr.headers" -o "$WORK/fr.html" -w '%{http_code}' \
    -H 'X-Forwarded-Proto: https' "$BASE/fr/")
if [[ $code == 200 ]]; then
    check "/fr/ -> 200"
else
    fail "/fr/ answered $code"
fi
grep -q '<html lang="fr"' "$WORK/fr.html" && check '/fr/ is served in French (<html lang="fr">)' \
    || fail '/fr/ has no <html lang="fr">'
# French content: each of these strings, if the French catalogue translates it, must be on the
# page in French. Strings not translated yet are reported, not failed.
french=$(manage shell -v 0 -c '
from django.utils import translation
from django.utils.translation import gettext
msgids = ["English-language assistants in France", "Teach English in France for seven months",
          "Create an account", "Log in", "Skip to main content"]
with translation.override("fr"):
    for msgid in msgids:
        print(f"{msgid}\t{gettext(msgid)}")
')
translated=0
while IFS=$'\t' read -r msgid text; do
    [[ -n $msgid ]] || continue
    if [[ $text == "$msgid" ]]; then
        warn "no French translation yet for \"$msgid\""
    elif grep -qF "$(printf '%s' "$text" | sed "s/'/\&#x27;/g")" "$WORK/fr.html" \
        || grep -qF "$text" "$WORK/fr.html"; then
        translated=$((translated + 1))
    else
        fail "/fr/ lacks the French text \"$text\" (for \"$msgid\")"
    fi
done <<<"$french"
((translated > 0)) && check "/fr/ shows French text ($translated sampled strings translated)" \
    || warn "/fr/ shows no translated text yet (French catalogue still empty?)"

header() { grep -i "^$1:" "$WORK/fr.headers" | head -n 1 | tr -d '\r'; }
PERMISSIONS_POLICY=$(manage shell -v 0 -c '
from tapif.core.middleware import PERMISSIONS_POLICY
print(PERMISSIONS_POLICY)
')
for expected in 'Strict-Transport-Security: max-age=31536000; includeSubDomains; preload' \
    'X-Frame-Options: DENY' 'X-Content-Type-Options: nosniff' \
    'Referrer-Policy: same-origin' "Permissions-Policy: $PERMISSIONS_POLICY"; do
    got=$(header "${expected%%:*}")
    [[ ${got,,} == "${expected,,}" ]] && check "header $expected" \
        || fail "header ${expected%%:*}: expected '${expected#*: }', got '${got#*: }'"
done
csp=$(header Content-Security-Policy)
[[ $csp == *"default-src 'self'"* && $csp == *"frame-ancestors 'none'"* ]] \
    && check "Content-Security-Policy (default-src 'self', frame-ancestors 'none')" \
    || fail "Content-Security-Policy: '$csp'"

code=$(curl -sS --max-time 10 -D "$WORK/login.headers" -o /dev/null -w '%{http_code}' \
    -H 'X-Forwarded-Proto: https' "$BASE/fr/accounts/login/")
cookie=$(grep -i '^set-cookie: csrftoken=' "$WORK/login.headers" | tr -d '\r' || true)
[[ $code == 200 && ${cookie,,} == *"; secure"* ]] \
    && check "/fr/accounts/login/ -> 200 with a Secure CSRF cookie" \
    || fail "/fr/accounts/login/: status $code, cookie '$cookie'"

css=$(grep -o '/static/css/tapif\.[0-9a-f]\{12\}\.css' "$WORK/fr.html" | head -n 1 || true)
if [[ -n $css ]]; then
    code=$(curl -sS --max-time 10 -D "$WORK/css.headers" -o /dev/null -w '%{http_code}' \
        -H 'Accept-Encoding: br, gzip' "$BASE$css")
    cache=$(grep -i '^cache-control:' "$WORK/css.headers" | tr -d '\r' || true)
    encoding=$(grep -i '^content-encoding:' "$WORK/css.headers" | tr -d '\r' || true)
    [[ $code == 200 && $cache == *immutable* ]] \
        && check "hashed static file $css -> 200, immutable, ${encoding:-uncompressed}" \
        || fail "static $css: status $code, '$cache'"
else
    fail "/fr/ links no hashed stylesheet (/static/css/tapif.<hash>.css): manifest storage off?"
fi

# --- Redis: the shared cache, and a task through the broker to the worker ------------------------
log "Production shape: Redis cache and Celery"
cache_check=$(manage shell -v 0 -c '
import redis, secrets
from django.conf import settings
from django.core.cache import cache
value = secrets.token_hex(8)
cache.set("prod-check", value, 60)
keys = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).keys("*prod-check")
print("ok" if cache.get("prod-check") == value and keys else f"bad {keys}")
')
[[ $cache_check == ok ]] && check "Django cache stores in Redis ($CACHE_URL)" \
    || fail "cache check: $cache_check"

task_id=$(manage shell -v 0 -c '
from django.conf import settings
from tapif.core.tasks import clear_expired_sessions
assert not settings.CELERY_TASK_ALWAYS_EAGER, "tasks would run inline"
print(clear_expired_sessions.delay().id)
')
pattern="Task tapif.core.tasks.clear_expired_sessions\\[$task_id\\] succeeded"
start=$SECONDS
until grep -q "$pattern" "$WORK/worker.log"; do
    if ((SECONDS - start > 60)) || ! bg_alive worker; then break; fi
    sleep 0.5
done
if grep -q "$pattern" "$WORK/worker.log"; then
    check "task $task_id went through Redis and the worker ran it"
    grep "$pattern" "$WORK/worker.log" | sed 's/^/       /'
else
    fail "the worker did not log task $task_id as succeeded within 60 s"
fi

start=$SECONDS
until grep -q 'beat: Starting' "$WORK/beat.log" && compgen -G "$WORK/celerybeat-schedule*" >/dev/null; do
    if ((SECONDS - start > 30)) || ! bg_alive beat; then break; fi
    sleep 0.5
done
if bg_alive beat && grep -q 'beat: Starting' "$WORK/beat.log" \
    && compgen -G "$WORK/celerybeat-schedule*" >/dev/null; then
    check "beat is running and keeps its schedule file in a writable folder"
else
    fail "celery beat did not start (see beat.log)"
fi

# --- S3: private documents behind presigned URLs ----------------------------------------------
log "Production shape: private files on S3 ($AWS_S3_ENDPOINT_URL, bucket $BUCKET)"
storage_check=$(manage shell -v 0 -c '
import calendar, secrets, time, urllib.error, urllib.request
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""

problems = []
assert isinstance(default_storage, S3Storage), type(default_storage)
content = f"Relevé de notes — {secrets.token_hex(4)}".encode()
name = default_storage.save("prod-check/relevé de notes.txt", ContentFile(content))
s3 = boto3.client(
    "s3",
    endpoint_url=settings.STORAGES["default"]["OPTIONS"]["endpoint_url"],
    region_name="ca-central-1",
    config=Config(s3={"addressing_style": "path"}),
)
stored = s3.get_object(Bucket=settings.STORAGES["default"]["OPTIONS"]["bucket_name"], Key=name)
if stored["Body"].read() != content:
    problems.append("the object in the bucket differs from what was saved")
url = default_storage.url(name)
query = parse_qs(urlsplit(url).query)
expires = int(query.get("X-Amz-Expires", ["0"])[0])
signed_at = calendar.timegm(
    time.strptime(query.get("X-Amz-Date", ["19700101T000000Z"])[0], "%Y%m%dT%H%M%SZ")
)
if "X-Amz-Signature" not in query:
    problems.append(f"url() is not presigned: {url}")
if expires != 120:
    problems.append(f"X-Amz-Expires is {expires}, AWS_QUERYSTRING_EXPIRE is 120")
if abs(time.time() - signed_at) > 120:
    problems.append("X-Amz-Date is not the signing time")
status, body = fetch(url)
if (status, body) != (200, content):
    problems.append(f"the presigned URL answered {status}")
status, _ = fetch(url.split("?")[0])
if status != 403:
    problems.append(f"the bare object URL answered {status}, expected 403 (private)")
default_storage.delete(name)
if default_storage.exists(name):
    problems.append("delete() left the object")
print("; ".join(problems) or f"ok|{name}|{expires}")
')
# moto does not enforce X-Amz-Expires (an expired URL still answers there): the check reads the
# expiry the URL carries; S3 and MinIO refuse the URL once it has passed.
if [[ $storage_check == ok\|* ]]; then
    IFS='|' read -r _ saved_name expires <<<"$storage_check"
    check "default_storage saved '$saved_name' into the bucket (same bytes read back with boto3)"
    check "its url() is presigned (X-Amz-Signature, X-Amz-Expires=$expires s, signed now) and serves it"
    check "the bare object URL is refused (403: private bucket); delete() removes it"
else
    fail "S3 storage: $storage_check"
fi

bg_alive gunicorn && bg_alive worker && bg_alive beat && check "gunicorn, worker and beat still alive" \
    || fail "a process died during the check"

log "Production shape: $([[ $FAILURES == 0 ]] && echo 'all checks passed' || echo "$FAILURES check(s) FAILED")"
((FAILURES == 0))
