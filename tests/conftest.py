import os
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from tapif.celery import app as celery_app
from tapif.core.models import Campaign

# Property tests run beside 2 xdist workers and a browser: no per-example deadline (a slow
# example under load is not a failure), the same number of examples.
hypothesis_settings.register_profile("tapif", deadline=None)
hypothesis_settings.load_profile("tapif")


@pytest.fixture(scope="session", autouse=True)
def _cache_per_xdist_worker():
    """On Redis (CACHE_URL), give each xdist worker its own database: cache.clear() is FLUSHDB,
    and one worker clearing must not wipe the rate-limit counters another is counting."""
    # Read from the environment, so the suite also runs with xdist disabled (-p no:xdist).
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")
    location = str(settings.CACHES["default"].get("LOCATION", ""))
    if worker_id == "master" or not location.startswith(("redis://", "rediss://")):
        yield
        return
    base, _, db = location.rpartition("/")
    own = {
        **settings.CACHES["default"],
        "LOCATION": f"{base}/{int(db or 0) + 8 + int(worker_id[2:])}",
    }
    with override_settings(CACHES={**settings.CACHES, "default": own}):
        yield


@pytest.fixture(scope="session", autouse=True)
def _eager_celery():
    """Tasks run inline in every test, even when CELERY_BROKER_URL names a broker (CI's second
    stage sets one): a test sees the task's effect at once, and nothing waits for a worker.
    The tests in tests/worker/ publish to a real broker instead (their `publishing` fixture)."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_eager_propagates")}
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(saved)


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Each test starts with English active, whatever the previous test's last request left
    (LocaleMiddleware activates a language per request and nothing resets it afterwards).
    Tests of French behaviour say so: /fr/ URLs, `translation.override("fr")`, or a French
    recipient."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _isolated_cache(_cache_per_xdist_worker):
    """allauth keeps rate limits and used TOTP codes in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference_campaign(db) -> Campaign:
    """The 2026-2027 campaign that the data migration loads as current."""
    return Campaign.objects.get(school_year="2026-2027")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a login; the tests check the flows, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def campaign_open(db):
    """Freeze time inside the current campaign's window, so dossiers can be created and changed."""
    from tests.candidates.factories import CAMPAIGN_OPEN_AT

    with time_machine.travel(CAMPAIGN_OPEN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def private_storage(settings, tmp_path) -> Path:
    """Documents go to a fresh folder (no public URL); returns it to look at what is stored."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


#: The bucket of the `s3_bucket` fixture.
BUCKET = "tapif-test-documents"


@pytest.fixture
def s3_bucket(settings, monkeypatch):
    """A private bucket in moto's in-process S3, and documents stored there as in production."""
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        import boto3

        client = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_bucket(Bucket=BUCKET)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "us-east-1",
                    "access_key": "testing",
                    "secret_key": "testing",
                    "default_acl": "private",
                    "querystring_auth": True,
                    "querystring_expire": 300,
                    "file_overwrite": False,
                    "addressing_style": "path",
                    "signature_version": "s3v4",
                },
            },
        }
        yield client


# --- Figures printed at the end of the run ------------------------------------------------------
# A test records a figure with `record_property("figure", (NAME, {"tried": n, "stored": 0}))`;
# the counts of every test recording NAME are added up and printed after the run, as
# "NAME: n tried, 0 stored", so CI (.ci/run) shows them even when everything passes. Recorded
# properties travel from pytest-xdist's workers to the controller with each test's report.
_FIGURES: dict[str, dict[str, int]] = {}


def pytest_runtest_logreport(report) -> None:
    if report.when != "call":
        return
    for key, value in report.user_properties:
        if key == "figure":
            name, counts = value
            totals = _FIGURES.setdefault(name, {})
            for label, count in counts.items():
                totals[label] = totals.get(label, 0) + count


def pytest_terminal_summary(terminalreporter) -> None:
    if hasattr(terminalreporter.config, "workerinput"):
        return  # an xdist worker: the controller prints
    for name, counts in sorted(_FIGURES.items()):
        words = ", ".join(f"{count} {label}" for label, count in counts.items())
        terminalreporter.write_line(f"{name}: {words}")
