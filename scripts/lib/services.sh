# shellcheck shell=bash
# Helpers shared by .ci/run and scripts/check-production-shape.sh (sourced, not run).
#
# They start background processes (moto's S3 server, gunicorn, celery) on free loopback ports,
# remember their ids and stop exactly those again: call `bg_stop_all` from an EXIT trap.
# The caller sets PY to the project's interpreter (.venv/bin/python).

BG_PIDS=()
BG_NAMES=()

log() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf '\033[33mWARNING: %s\033[0m\n' "$*" >&2; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# A TCP port free on 127.0.0.1: the preferred one if nobody listens there, else one the kernel
# picks.
free_port() {
    "$PY" - "${1:-0}" <<'PY'
import socket, sys

def free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]

print(free(int(sys.argv[1])) or free(0))
PY
}

# Start "$@" in the background, its output in $logfile; remembered for bg_stop_all.
bg_start() {
    local name=$1 logfile=$2
    shift 2
    "$@" >"$logfile" 2>&1 &
    BG_PIDS+=("$!")
    BG_NAMES+=("$name")
}

bg_pid() {
    local i
    for i in "${!BG_NAMES[@]}"; do
        [[ ${BG_NAMES[$i]} == "$1" ]] && { echo "${BG_PIDS[$i]}"; return 0; }
    done
    return 1
}

bg_alive() {
    local pid
    pid=$(bg_pid "$1") && kill -0 "$pid" 2>/dev/null
}

# Stop what bg_start started, newest first: TERM, then KILL after 15 s.
bg_stop_all() {
    local i pid waited
    for ((i = ${#BG_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${BG_PIDS[$i]}
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$pid" 2>/dev/null || true
        waited=0
        while kill -0 "$pid" 2>/dev/null && ((waited < 150)); do
            sleep 0.1
            waited=$((waited + 1))
        done
        if kill -0 "$pid" 2>/dev/null; then
            warn "${BG_NAMES[$i]} (pid $pid) ignored TERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    BG_PIDS=()
    BG_NAMES=()
}

# Wait until $url answers HTTP 200 (or the process $name died, or $timeout seconds passed).
wait_http_ok() {
    local url=$1 name=$2 timeout=${3:-30} start=$SECONDS code
    while ((SECONDS - start < timeout)); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
        [[ $code == 200 ]] && return 0
        bg_alive "$name" || return 1
        sleep 0.3
    done
    return 1
}

# Fail loudly unless PostgreSQL accepts a connection at $1 (a postgres:// URL).
require_postgres() {
    local url=$1 out
    if ! out=$("$PY" - "$url" 2>&1 <<'PY'
import sys
import psycopg
with psycopg.connect(sys.argv[1], connect_timeout=5) as conn:
    print(conn.execute("SHOW server_version").fetchone()[0])
PY
    ); then
        printf '%s\n' "$out" | tail -n 3 >&2
        die "PostgreSQL is unreachable at $url. It should be running on 127.0.0.1:5432 with trust \
auth for user postgres. Restart it with: pg_ctlcluster --skip-systemctl-redirect \
\$(ls /etc/postgresql) main start"
    fi
    echo "PostgreSQL $out is up ($url)."
}

# Fail loudly unless Redis answers PING at $1 (a redis:// URL).
require_redis() {
    local url=$1 out
    if ! out=$("$PY" - "$url" 2>&1 <<'PY'
import sys
import redis
client = redis.Redis.from_url(sys.argv[1], socket_connect_timeout=5)
assert client.ping()
print(client.info("server")["redis_version"])
PY
    ); then
        printf '%s\n' "$out" | tail -n 3 >&2
        die "Redis is unreachable at $url. It should be running on 127.0.0.1:6379. Restart it \
with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save \"\" \
--appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log"
    fi
    echo "Redis $out is up ($url)."
}

# Empty one Redis database (those the scripts use for themselves, never the default 0).
redis_flush() {
    "$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$1"
}

# Stop unless the Redis database at $1 is empty: a script then owns it and may empty it again.
redis_require_empty() {
    local url=$1 hint=$2 size
    size=$("$PY" -c 'import sys, redis; print(redis.Redis.from_url(sys.argv[1]).dbsize())' "$url")
    ((size == 0)) || die "Redis database $url holds $size keys: not this script's to empty ($hint)."
}

# Start moto's S3 server on 127.0.0.1:$port under the name "moto" and create a private bucket.
start_moto_s3() {
    local port=$1 logfile=$2 bucket=$3 region=$4
    [[ -x .venv/bin/moto_server ]] || die ".venv/bin/moto_server is missing: run 'make install'."
    bg_start moto "$logfile" .venv/bin/moto_server -H 127.0.0.1 -p "$port"
    if ! wait_http_ok "http://127.0.0.1:$port/moto-api/" moto 30; then
        cat "$logfile" >&2
        die "moto_server did not start on 127.0.0.1:$port"
    fi
    "$PY" - "http://127.0.0.1:$port" "$bucket" "$region" <<'PY'
import sys
import boto3
from botocore.config import Config

endpoint, bucket, region = sys.argv[1:]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name=region,
    aws_access_key_id="tapif-ci",
    aws_secret_access_key="tapif-ci-secret",
    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
)
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
s3.put_public_access_block(
    Bucket=bucket,
    PublicAccessBlockConfiguration={
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    },
)
print(f"S3 bucket {bucket!r} created on {endpoint} ({region}).")
PY
}
