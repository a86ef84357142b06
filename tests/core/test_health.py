"""Liveness (/healthz), readiness (/readyz) and `manage.py healthcheck web|worker|beat`."""

import datetime as dt
import json
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from tapif.celery import app as celery_app
from tapif.core import health
from tapif.core.tasks import beat_tick

pytestmark = pytest.mark.django_db

#: Nothing listens there: connections are refused at once.
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": UNREACHABLE_REDIS,
    }
}


@pytest.fixture
def unreachable_broker(monkeypatch):
    """Tasks go to a broker nobody answers at (not run inline): a context manager. Only the
    configuration changes: the checks open their own connection, and no producer pool of the
    eager tests is touched."""
    for name in ("CELERY_BROKER_URL", "CELERY_BROKER_READ_URL", "CELERY_BROKER_WRITE_URL"):
        monkeypatch.delenv(name, raising=False)  # Celery reads them before its configuration

    @contextmanager
    def brokered():
        saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
        celery_app.conf.update(broker_url=UNREACHABLE_REDIS, task_always_eager=False)
        try:
            yield
        finally:
            celery_app.conf.update(saved)

    return brokered


def readyz(client):
    response = client.get("/readyz")
    return response.status_code, json.loads(response.content)


def test_readyz_answers_each_check_on_a_laptop(client, private_storage):
    status, body = readyz(client)

    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {
            "database": {"status": "ok", "detail": ""},
            "cache": {"status": "ok", "detail": ""},
            "broker": {"status": "skipped", "detail": "tasks run inline"},
            "storage": {"status": "ok", "detail": ""},
            "beat": {"status": "skipped", "detail": "tasks run inline"},
        },
    }
    # The probe object is gone again.
    assert list((private_storage / "health").iterdir()) == []


def test_readyz_fails_when_redis_is_unreachable(client, private_storage):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        status, body = readyz(client)

    assert status == 503
    assert body["status"] == "failed"
    assert body["checks"]["cache"] == {"status": "failed", "detail": "ConnectionError"}
    assert body["checks"]["database"]["status"] == "ok"


def test_readyz_fails_when_the_storage_cannot_write(client, settings, tmp_path):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(not_a_folder / "private")},
        },
    }

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["storage"]["status"] == "failed"
    assert body["checks"]["cache"]["status"] == "ok"


def test_readyz_checks_the_bucket(client, s3_bucket):
    status, body = readyz(client)

    assert status == 200
    assert body["checks"]["storage"] == {"status": "ok", "detail": ""}
    assert s3_bucket.list_objects_v2(Bucket="tapif-test-documents").get("KeyCount") == 0


def test_readyz_fails_when_the_broker_is_unreachable(client, private_storage, unreachable_broker):
    with unreachable_broker():
        status, body = readyz(client)

    assert status == 503
    assert body["checks"]["broker"] == {"status": "failed", "detail": "OperationalError"}
    assert body["checks"]["beat"] == {"status": "failed", "detail": "no tick yet"}


def test_readyz_is_neither_redirected_to_https_nor_rate_limited(client, settings, private_storage):
    settings.SECURE_SSL_REDIRECT = True

    statuses = {client.get("/readyz").status_code for _ in range(40)}

    assert statuses == {200}


def test_beat_is_healthy_while_its_ticks_are_recent(unreachable_broker):
    now = timezone.now()
    with unreachable_broker():
        assert health.check_beat(now=now).detail == "no tick yet"
        health.beat_tick_record(now=now - dt.timedelta(minutes=4))
        recent = health.check_beat(now=now)
        health.beat_tick_record(now=now - dt.timedelta(minutes=6))
        stale = health.check_beat(now=now)

    assert recent == health.Check("ok", "last tick 240 s ago")
    assert stale == health.Check("failed", "last tick 360 s ago")


def test_the_tick_task_records_its_time(settings):
    beat_tick.delay()

    assert timezone.now() - health.beat_last_tick() < dt.timedelta(seconds=5)
    assert settings.CELERY_BEAT_SCHEDULE["beat-tick"]["task"] == beat_tick.name


def test_healthcheck_web_passes_and_prints_each_check(private_storage, capsys):
    call_command("healthcheck", "web")

    assert capsys.readouterr().out.splitlines() == [
        "database: ok",
        "cache: ok",
        "broker: skipped (tasks run inline)",
        "storage: ok",
    ]


def test_healthcheck_web_fails_on_an_unreachable_cache(private_storage):
    with override_settings(CACHES=UNREACHABLE_CACHE), pytest.raises(CommandError) as failed:
        call_command("healthcheck", "web")

    assert failed.value.returncode == 1
    assert str(failed.value) == "web is not healthy: cache"


def test_healthcheck_beat_fails_on_a_stale_tick(unreachable_broker):
    health.beat_tick_record(now=timezone.now() - dt.timedelta(minutes=12))

    with unreachable_broker():
        call_command("healthcheck", "beat", "--max-age", "15")
        with pytest.raises(CommandError, match="beat is not healthy: beat"):
            call_command("healthcheck", "beat")


def test_healthcheck_worker_fails_without_a_broker(unreachable_broker):
    with (
        unreachable_broker(),
        pytest.raises(CommandError, match="worker is not healthy: broker, worker"),
    ):
        call_command("healthcheck", "worker", "--timeout", "0.5")
