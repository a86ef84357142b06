"""Is each part of the production shape working? Read by /readyz and `manage.py healthcheck`.

`/healthz` stays the cheap liveness answer (the process serves, the database answers).
Readiness checks every service the site needs: the database, the cache (Redis: rate limits,
sessions' second factor), the broker (when tasks are not run inline), the document storage (a
tiny probe object written, read back and deleted) and beat's last tick. Beat sends
`tapif.core.tasks.beat_tick` every minute; the worker records the time in the cache, so a
recent tick means beat, the broker and a worker all work. On a laptop (tasks inline) the broker
and beat checks are skipped.

A check's detail names a failure's class only (never its message, which could quote a
password from a URL or an address): nothing personal, nothing secret.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass

from celery import current_app
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.utils import timezone

#: The cache key holding the last beat tick's time (ISO 8601).
BEAT_TICK_KEY = "tapif:health:beat-tick"
#: A tick older than this means beat (or the broker, or every worker) has stopped.
BEAT_MAX_AGE = dt.timedelta(minutes=5)
#: Seconds the broker and a worker's ping may take.
BROKER_TIMEOUT = 3.0

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass(frozen=True)
class Check:
    status: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAILED


def _failure(error: Exception) -> Check:
    return Check(FAILED, type(error).__name__)


def tasks_run_inline() -> bool:
    return bool(current_app.conf.task_always_eager)


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # any failure is the answer
        return _failure(error)
    return Check(OK)


def check_cache() -> Check:
    key = f"tapif:health:probe:{secrets.token_hex(8)}"
    try:
        cache.set(key, "1", 30)
        found = cache.get(key)
        cache.delete(key)
    except Exception as error:
        return _failure(error)
    return Check(OK) if found == "1" else Check(FAILED, "value not kept")


def check_broker() -> Check:
    if tasks_run_inline():
        return Check(SKIPPED, "tasks run inline")
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0.5, interval_step=0.5, timeout=BROKER_TIMEOUT
            )
    except Exception as error:
        return _failure(error)
    return Check(OK)


def check_storage() -> Check:
    """A few bytes written to the private storage, read back and deleted (no personal data)."""
    storage = storages["default"]
    content = secrets.token_hex(8).encode()
    try:
        name = storage.save(f"health/probe-{secrets.token_hex(8)}.txt", ContentFile(content))
        try:
            with storage.open(name, "rb") as stored:
                same = stored.read() == content
        finally:
            storage.delete(name)
    except Exception as error:
        return _failure(error)
    return Check(OK) if same else Check(FAILED, "content differs")


def beat_tick_record(*, now: dt.datetime | None = None) -> None:
    """Beat's tick, run by a worker: the time it arrived, for a day."""
    cache.set(BEAT_TICK_KEY, (now or timezone.now()).isoformat(), 24 * 3600)


def beat_last_tick() -> dt.datetime | None:
    value = cache.get(BEAT_TICK_KEY)
    return dt.datetime.fromisoformat(value) if value else None


def check_beat(*, max_age: dt.timedelta = BEAT_MAX_AGE, now: dt.datetime | None = None) -> Check:
    if tasks_run_inline():
        return Check(SKIPPED, "tasks run inline")
    try:
        last = beat_last_tick()
    except Exception as error:
        return _failure(error)
    if last is None:
        return Check(FAILED, "no tick yet")
    age = int(((now or timezone.now()) - last).total_seconds())
    if age > max_age.total_seconds():
        return Check(FAILED, f"last tick {age} s ago")
    return Check(OK, f"last tick {age} s ago")


def check_worker(*, hostname: str | None = None, timeout: float = BROKER_TIMEOUT) -> Check:
    """A worker answers a ping through the broker: the one named `hostname` (this machine's
    `celery@<host>` by default, as in its own container), or any when `hostname` is "*"."""
    reachable = check_broker()
    if reachable.status != OK:
        return reachable
    destination = None if hostname == "*" else [hostname or f"celery@{socket.gethostname()}"]
    try:
        replies = current_app.control.ping(
            destination=destination,
            timeout=timeout,
            limit=len(destination) if destination else None,
        )
    except Exception as error:
        return _failure(error)
    if not replies:
        return Check(FAILED, "no worker answered")
    return Check(OK, f"{len(replies)} answered")


#: What /readyz checks, in order.
READINESS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
    "beat": check_beat,
}


def readiness() -> dict[str, Check]:
    """Every check of READINESS (each one runs, even after a failure)."""
    return {name: check() for name, check in READINESS.items()}
