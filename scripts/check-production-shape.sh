#!/usr/bin/env bash
# Run tapif in its production shape on this machine, natively, and check that it works.
#
# The same shape as docker-compose.yml, with the local services instead of containers:
#   DJANGO_DEBUG=0, PostgreSQL (a database this script creates), Redis (a cache and a broker
#   database, both empty at start), S3 on a moto_server, collectstatic with STATIC_MANIFEST=1,
#   gunicorn, a Celery worker (--pool=solo) and beat, and in front of gunicorn and the bucket
#   the reference nginx proxy (deploy/nginx/: the same snippets, on loopback ports with a
#   self-signed certificate made here).
# Then, through the proxy over HTTPS: /healthz and /fr/ answer 200 (French page, security
# headers, hashed static files), an 11 MB body passes and a 13 MB one gets nginx's 413, the
# access log is JSON without tokens, and (once TAPIF_TRUSTED_PROXY_COUNT exists) two clients
# behind the proxy have separate login rate limits; a task goes through Redis to the worker,
# beat runs, a file saved through default_storage lands in the bucket, through the documents
# host, behind a presigned URL, and readiness passes (/readyz, `manage.py healthcheck
# web|worker|beat`, as the containers' healthchecks run them).
#
# Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth), Redis on 127.0.0.1:6379
# (override with PROD_CHECK_PG_ADMIN_URL / PROD_CHECK_REDIS_URL), nginx and openssl.
#   PROD_CHECK_DB_NAME          database to create (default tapif_prod_check); if it exists the
#                               check stops: it never drops what it did not create
#   PROD_CHECK_REDIS_CACHE_DB   Redis database numbers for the cache (default 3) and the broker
#   PROD_CHECK_REDIS_BROKER_DB  (default 4); each must be empty at start (else the check stops),
#                               and is emptied again at the end
# Every process it starts is stopped on exit, its database dropped and staticfiles/ removed if
# the script made it (PROD_CHECK_KEEP=1 keeps them and the logs).
# shellcheck disable=SC2015  # `check` and `fail` always succeed: A && check || fail is safe
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=.venv/bin/python
[[ -x $PY ]] || { echo "ERROR: $PY is missing: run 'make install' first." >&2; exit 1; }
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh

PG_ADMIN_URL=${PROD_CHECK_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
REDIS_URL=${PROD_CHECK_REDIS_URL:-redis://127.0.0.1:6379}
DB_NAME=${PROD_CHECK_DB_NAME:-tapif_prod_check}
CACHE_DB=${PROD_CHECK_REDIS_CACHE_DB:-3}
BROKER_DB=${PROD_CHECK_REDIS_BROKER_DB:-4}
[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "PROD_CHECK_DB_NAME must be a plain lower-case name."
[[ $CACHE_DB =~ ^[0-9]+$ && $BROKER_DB =~ ^[0-9]+$ && $CACHE_DB != "$BROKER_DB" ]] \
    || die "PROD_CHECK_REDIS_CACHE_DB and PROD_CHECK_REDIS_BROKER_DB must be two different numbers."
BUCKET=tapif-prod-check
REGION=ca-central-1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tapif-prod-check.XXXXXX")
FAILURES=0
DB_CREATED=0
REDIS_CLAIMED=()
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
        # Empty again the Redis databases that were empty when the check started.
        for db in "${REDIS_CLAIMED[@]}"; do
            redis_flush "$REDIS_URL/$db" || warn "could not empty Redis database $db"
        done
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
command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx)."
command -v openssl >/dev/null || die "openssl is missing (apt-get install openssl)."
"$PY" - "$PG_ADMIN_URL" "$DB_NAME" <<'PY' || exit 1
import sys
import psycopg
with psycopg.connect(sys.argv[1], autocommit=True) as conn:
    name = sys.argv[2]
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        sys.exit(f"ERROR: database {name} exists already; this check drops only the database it "
                 "creates. Drop it yourself if it is a leftover of an earlier run, or set "
                 "PROD_CHECK_DB_NAME to another name.")
    conn.execute(f'CREATE DATABASE "{name}"')
print(f"Database {sys.argv[2]} created.")
PY
DB_CREATED=1
for db in "$CACHE_DB" "$BROKER_DB"; do
    redis_require_empty "$REDIS_URL/$db" \
        "set PROD_CHECK_REDIS_CACHE_DB / PROD_CHECK_REDIS_BROKER_DB to unused databases"
    REDIS_CLAIMED+=("$db")
done

MOTO_PORT=$(free_port 0)
start_moto_s3 "$MOTO_PORT" "$WORK/moto.log" "$BUCKET" "$REGION"
WEB_PORT=$(free_port 8050)
GUNICORN=http://127.0.0.1:$WEB_PORT
# The reference proxy: the site and the documents host, HTTPS on loopback.
PROXY_PORT=$(free_port 8443)
FILES_PORT=$(free_port 0)
BASE=https://localhost:$PROXY_PORT
FILES=https://localhost:$FILES_PORT
TLS=$WORK/tls
mkdir -p "$TLS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$TLS/key.pem" -out "$TLS/cert.pem" 2>/dev/null
# curl, Python (urllib) and boto3 trust that certificate, as browsers trust the real one.
CURL=(curl -sS --max-time 30 --cacert "$TLS/cert.pem")

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
export TAPIF_TRUSTED_PROXY_COUNT=1
# The address the TLS-terminating proxy publishes (settings refuse anything but https:// with
# DJANGO_DEBUG=0); the checks below go through the proxy, as browsers do.
export SITE_URL=$BASE
# The production default: only the proxy's X-Forwarded-Proto keeps Django from redirecting.
export DJANGO_SECURE_SSL_REDIRECT=1
export DJANGO_LOG_LEVEL=INFO
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB_NAME
export CACHE_URL=$REDIS_URL/$CACHE_DB
export CELERY_BROKER_URL=$REDIS_URL/$BROKER_DB
export AWS_STORAGE_BUCKET_NAME=$BUCKET
# As in production, the application reaches the bucket through the documents host.
export AWS_S3_ENDPOINT_URL=$FILES
export AWS_CA_BUNDLE=$TLS/cert.pem SSL_CERT_FILE=$TLS/cert.pem
export AWS_S3_REGION_NAME=$REGION
export AWS_ACCESS_KEY_ID=tapif-ci
export AWS_SECRET_ACCESS_KEY=tapif-ci-secret
export AWS_QUERYSTRING_EXPIRE=120
export STATIC_MANIFEST=1
# No SMTP server here: production sends through SMTP, this check prints e-mails instead.
export EMAIL_BACKEND=django.core.mail.backends.console.EmailBackend
# The two stand-ins of a rehearsal on one machine, let through by name: a localhost SITE_URL
# and console e-mail. Every other production check (tapif/core/checks.py) still applies.
export DJANGO_SILENCED_SYSTEM_CHECKS=tapif.E005,tapif.E006
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
log "Production shape: gunicorn on $GUNICORN behind nginx on $BASE, Celery worker and beat"
# The production configuration module once it exists (access logs without tokens, JSON).
GUNICORN_CONF=()
[[ -f tapif/gunicorn_conf.py ]] && GUNICORN_CONF=(-c python:tapif.gunicorn_conf)
bg_start gunicorn "$WORK/gunicorn.log" .venv/bin/gunicorn "${GUNICORN_CONF[@]}" tapif.wsgi \
    --bind "127.0.0.1:$WEB_PORT" --workers 2 --access-logfile - --error-logfile - \
    --graceful-timeout 5 --no-control-socket
bg_start worker "$WORK/worker.log" .venv/bin/celery -A tapif worker --pool=solo \
    --loglevel=INFO --hostname "prod-check@%h" --without-mingle --without-gossip
bg_start beat "$WORK/beat.log" .venv/bin/celery -A tapif beat --loglevel=INFO \
    --schedule "$WORK/celerybeat-schedule"

# nginx with the reference snippets of deploy/nginx/, in the foreground, everything in $WORK.
NGINX=$WORK/nginx
mkdir -p "$NGINX"
# Run as root (CI), nginx's workers would switch to an account that cannot write in $WORK.
NGINX_USER=
((EUID == 0)) && NGINX_USER="user root root;"
cat >"$NGINX/nginx.conf" <<NGINX
$NGINX_USER
worker_processes 1;
daemon off;
pid $NGINX/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 256; }
http {
    client_body_temp_path $NGINX/body;
    proxy_temp_path $NGINX/proxy;
    fastcgi_temp_path $NGINX/fastcgi;
    uwsgi_temp_path $NGINX/uwsgi;
    scgi_temp_path $NGINX/scgi;
    include $PWD/deploy/nginx/tapif-http.conf;
    upstream tapif_web { server 127.0.0.1:$WEB_PORT; keepalive 16; }
    upstream tapif_files { server 127.0.0.1:$MOTO_PORT; keepalive 16; }
    server {
        listen 127.0.0.1:$PROXY_PORT ssl;
        server_name localhost;
        ssl_certificate $TLS/cert.pem;
        ssl_certificate_key $TLS/key.pem;
        include $PWD/deploy/nginx/tapif-tls.conf;
        access_log $WORK/nginx-access.log tapif_json;
        include $PWD/deploy/nginx/tapif-app.conf;
    }
    server {
        listen 127.0.0.1:$FILES_PORT ssl;
        server_name localhost;
        ssl_certificate $TLS/cert.pem;
        ssl_certificate_key $TLS/key.pem;
        include $PWD/deploy/nginx/tapif-tls.conf;
        access_log $WORK/nginx-files-access.log tapif_json;
        set \$tapif_site_origin $BASE;
        include $PWD/deploy/nginx/tapif-files.conf;
    }
}
NGINX
nginx -t -q -c "$NGINX/nginx.conf" -e "$WORK/nginx-error.log" \
    || die "nginx refuses the configuration (deploy/nginx/ snippets): see above"
bg_start nginx "$WORK/nginx.log" nginx -c "$NGINX/nginx.conf" -e "$WORK/nginx-error.log"

if wait_http_ok "$GUNICORN/healthz" gunicorn 45; then
    check "gunicorn is up"
else
    fail "gunicorn did not answer /healthz within 45 s"
    exit 1
fi

# --- HTTP ----------------------------------------------------------------------------------------
log "Production shape: HTTP checks"
body=$("${CURL[@]}" -w '\n%{http_code}' "$BASE/healthz")
if [[ ${body##*$'\n'} == 200 && ${body%$'\n'*} == ok ]]; then
    check "/healthz -> 200 ok"
else
    fail "/healthz answered: $body"
fi

code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -H 'Host: evil.example.com' \
    "$BASE/healthz")
[[ $code == 400 ]] && check "unknown Host header -> 400 (ALLOWED_HOSTS enforced)" \
    || fail "a request for Host evil.example.com got $code, expected 400"

code=$("${CURL[@]}" -D "$WORK/fr.headers" -o "$WORK/fr.html" -w '%{http_code}' \
    "$BASE/fr/")
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

code=$("${CURL[@]}" -D "$WORK/login.headers" -o /dev/null -w '%{http_code}' \
    "$BASE/fr/accounts/login/")
cookie=$(grep -i '^set-cookie: csrftoken=' "$WORK/login.headers" | tr -d '\r' || true)
[[ $code == 200 && ${cookie,,} == *"; secure"* ]] \
    && check "/fr/accounts/login/ -> 200 with a Secure CSRF cookie" \
    || fail "/fr/accounts/login/: status $code, cookie '$cookie'"

css=$(grep -o '/static/css/tapif\.[0-9a-f]\{12\}\.css' "$WORK/fr.html" | head -n 1 || true)
if [[ -n $css ]]; then
    code=$("${CURL[@]}" -D "$WORK/css.headers" -o /dev/null -w '%{http_code}' \
        -H 'Accept-Encoding: br, gzip' "$BASE$css")
    cache=$(grep -i '^cache-control:' "$WORK/css.headers" | tr -d '\r' || true)
    encoding=$(grep -i '^content-encoding:' "$WORK/css.headers" | tr -d '\r' || true)
    [[ $code == 200 && $cache == *immutable* ]] \
        && check "hashed static file $css -> 200, immutable, ${encoding:-uncompressed}" \
        || fail "static $css: status $code, '$cache'"
else
    fail "/fr/ links no hashed stylesheet (/static/css/tapif.<hash>.css): manifest storage off?"
fi

# --- The reference proxy: body limit, forwarded headers, access log -----------------------------
log "Production shape: the reference proxy (deploy/nginx/)"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$BASE/fr/")
[[ $code == 200 ]] && check "X-Forwarded-Proto reaches Django: /fr/ is not redirected with \
DJANGO_SECURE_SSL_REDIRECT=1" || fail "/fr/ through the proxy answered $code: is \
X-Forwarded-Proto lost?"

# A document upload's body: 11 MB passes the proxy (Django answers: 403, no CSRF token here);
# 13 MB gets nginx's 413 before reaching gunicorn.
head -c $((11 * 1024 * 1024)) /dev/zero >"$WORK/11mb.bin"
head -c $((13 * 1024 * 1024)) /dev/zero >"$WORK/13mb.bin"
post_body() {
    "${CURL[@]}" -o "$WORK/post.html" -D "$WORK/post.headers" -w '%{http_code}' \
        -H 'Content-Type: application/octet-stream' --data-binary "@$1" \
        "$BASE/fr/dossier/documents/passport/upload/"
}
code=$(post_body "$WORK/11mb.bin")
if [[ $code != 413 ]] && grep -qi '^content-security-policy:' "$WORK/post.headers"; then
    check "an 11 MB body passes the proxy (Django answered $code)"
else
    fail "an 11 MB body: $code (the proxy's client_max_body_size must allow 12 MB)"
fi
code=$(post_body "$WORK/13mb.bin")
if [[ $code == 413 ]] && ! grep -qi '^content-security-policy:' "$WORK/post.headers"; then
    check "a 13 MB body gets the proxy's 413 (client_max_body_size 12m)"
else
    fail "a 13 MB body: $code, expected nginx's 413"
fi

# Readiness is for the monitoring: refused by the proxy to anyone but the allowed addresses.
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' --interface 127.0.0.2 "$BASE/readyz")
[[ $code == 403 ]] && check "/readyz through the proxy from another address -> 403" \
    || fail "/readyz from 127.0.0.2 answered $code, expected the proxy's 403"

# Tokens in links never reach the access logs (nginx here; gunicorn's with its conf module).
secret="tok$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
for path in "/fr/evaluations/r/$secret/" "/fr/evaluations/c/$secret/" \
    "/fr/staff/setup/$secret/" "/fr/accounts/confirm-email/$secret/" \
    "/fr/accounts/password/reset/key/1-$secret/" "/fr/accounts/login/?next=/$secret"; do
    "${CURL[@]}" -o /dev/null "$BASE$path"
done
sleep 1
access_check=$("$PY" - "$WORK/nginx-access.log" "$secret" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
entries = [json.loads(line) for line in lines]  # every line is one JSON object
leaks = [e["path"] for e in entries if sys.argv[2] in json.dumps(e)]
redacted = sum(e["path"].endswith("/[redacted]/") for e in entries)
print("ok" if entries and not leaks and redacted >= 5 else f"leaks={leaks} redacted={redacted}")
PY
) || access_check="unreadable access log"
[[ $access_check == ok ]] && check "nginx's access log is JSON and holds no token (paths redacted, \
no query strings)" || fail "nginx access log: $access_check"
if [[ -f tapif/gunicorn_conf.py ]]; then
    ! grep -q "$secret" "$WORK/gunicorn.log" && check "gunicorn's access log holds no token" \
        || fail "gunicorn's log holds a link's token (tapif/gunicorn_conf.py)"
fi

# Two clients behind the proxy have their own login rate limits (allauth keys on the address
# the proxy appends to X-Forwarded-For). Active once the settings read TAPIF_TRUSTED_PROXY_COUNT.
if grep -q TAPIF_TRUSTED_PROXY_COUNT tapif/settings.py; then
    limits=$("$PY" - "$BASE" "$TLS/cert.pem" <<'PY'
"""Client 127.0.0.2 exhausts the login limit (30/min/ip); 127.0.0.3 must still get in."""
import http.client, re, ssl, sys
from urllib.parse import urlencode, urlsplit

base, cafile = sys.argv[1], sys.argv[2]
port = urlsplit(base).port
context = ssl.create_default_context(cafile=cafile)

def attempt(source: str, n: int) -> int:
    conn = http.client.HTTPSConnection("localhost", port, context=context,
                                       source_address=(source, 0), timeout=30)
    conn.request("GET", "/fr/accounts/login/")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = urlencode({"csrfmiddlewaretoken": token, "login": f"nobody{n}@example.org",
                      "password": "wrong-password"})
    conn.request("POST", "/fr/accounts/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}",
        "Origin": base, "Referer": f"{base}/fr/accounts/login/",
        # What a client claims is appended to, never trusted over, the proxy's own record.
        "X-Forwarded-For": "203.0.113.9"})
    status = conn.getresponse().status
    conn.close()
    return status

first = [attempt("127.0.0.2", n) for n in range(35)]
other = attempt("127.0.0.3", 99)
print(f"{first.count(429)} {other} {sorted(set(first))}")
PY
    ) || limits="error"
    read -r limited other statuses <<<"$limits"
    if [[ $limited -gt 0 && $other != 429 ]]; then
        check "rate limits per client behind the proxy: 127.0.0.2 limited ($limited x 429), \
127.0.0.3 not ($other)"
    else
        fail "rate limits behind the proxy: '$limits' (expected 429s for the first client only)"
    fi
else
    warn "tapif/settings.py does not read TAPIF_TRUSTED_PROXY_COUNT yet: per-client rate \
limits behind the proxy not checked"
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

# --- Readiness: what the containers' healthchecks and a monitor run ----------------------------
log "Production shape: readiness (/readyz, manage.py healthcheck web|worker|beat)"
# Beat sends its tick at each minute; a worker records it.
start=$SECONDS
until manage healthcheck beat >/dev/null 2>&1; do
    if ((SECONDS - start > 90)) || ! bg_alive beat; then break; fi
    sleep 3
done
for process in web beat "worker --hostname prod-check@$(hostname)"; do
    # shellcheck disable=SC2086  # the worker's options are words
    if out=$(manage healthcheck $process 2>&1); then
        check "healthcheck ${process%% *}: $(echo "$out" | tr '\n' ' ')"
    else
        fail "healthcheck ${process%% *}: $out"
    fi
done
body=$("${CURL[@]}" -w '\n%{http_code}' "$BASE/readyz" || true)
[[ ${body##*$'\n'} == 200 && ${body%$'\n'*} == *'"status": "ok"'* ]] \
    && check "/readyz through the proxy -> 200 (database, cache, broker, storage, beat)" \
    || fail "/readyz answered: $body"

bg_alive gunicorn && bg_alive worker && bg_alive beat && bg_alive nginx \
    && check "gunicorn, worker, beat and nginx still alive" \
    || fail "a process died during the check"

log "Production shape: $([[ $FAILURES == 0 ]] && echo 'all checks passed' || echo "$FAILURES check(s) FAILED")"
((FAILURES == 0))
