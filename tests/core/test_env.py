"""Settings switching: the environment alone decides database, storage, cache and tasks."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tapif.env import (
    EnvError,
    cache_config,
    celery_config,
    database_config,
    env_bool,
    storages_config,
)

BASE = Path("/srv/tapif")
ROOT = Path(__file__).resolve().parents[2]


def test_database_defaults_to_sqlite_in_the_project_folder():
    config = database_config({}, BASE)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/srv/tapif/var/db.sqlite3"


def test_database_url_switches_to_postgresql():
    config = database_config({"DATABASE_URL": "postgres://tapif:pw@db.internal:5433/tapif"}, BASE)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "db.internal",
        5433,
        "tapif",
        "tapif",
    )
    assert config["CONN_HEALTH_CHECKS"] is True


def test_storage_defaults_to_a_private_folder_without_url():
    default = storages_config({}, BASE)["default"]
    assert default["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert default["OPTIONS"]["location"] == "/srv/tapif/var/private"
    assert default["OPTIONS"]["base_url"] is None
    assert default["OPTIONS"]["file_permissions_mode"] == 0o600


def test_bucket_name_switches_to_private_s3_with_short_signed_urls():
    env = {
        "AWS_STORAGE_BUCKET_NAME": "tapif-documents",
        "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "AWS_QUERYSTRING_EXPIRE": "120",
    }
    default = storages_config(env, BASE)["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    options = default["OPTIONS"]
    assert options["bucket_name"] == "tapif-documents"
    assert options["endpoint_url"] == "http://127.0.0.1:9000"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["querystring_expire"] == 120
    assert options["file_overwrite"] is False


def test_static_manifest_is_opt_in():
    assert "Manifest" not in storages_config({}, BASE)["staticfiles"]["BACKEND"]
    manifest = storages_config({"STATIC_MANIFEST": "1"}, BASE)["staticfiles"]["BACKEND"]
    assert manifest == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_cache_is_local_memory_unless_a_redis_url_is_given():
    assert cache_config({})["default"]["BACKEND"].endswith("LocMemCache")
    redis = cache_config({"CACHE_URL": "redis://127.0.0.1:6379/1"})["default"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/1"


def test_cache_refuses_a_non_redis_url():
    with pytest.raises(EnvError, match="CACHE_URL"):
        cache_config({"CACHE_URL": "memcached://x"})


def test_tasks_run_eagerly_without_a_broker():
    config = celery_config({})
    assert config["task_always_eager"] is True
    assert config["broker_url"] == "memory://"


def test_broker_url_turns_eager_mode_off():
    config = celery_config({"CELERY_BROKER_URL": "redis://127.0.0.1:6379/0"})
    assert config["task_always_eager"] is False
    assert config["broker_url"] == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("no", False), ("TRUE", True)])
def test_env_bool_reads_common_spellings(raw, expected):
    assert env_bool({"X": raw}, "X", not expected) is expected


def test_env_bool_rejects_nonsense():
    with pytest.raises(EnvError, match="X must be"):
        env_bool({"X": "maybe"}, "X", True)


def _run_django(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "CELERY_", "AWS_", "EMAIL_"))
        and k not in ("SITE_URL", "CACHE_URL")
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="tapif.settings")
    return subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_loaded_settings_follow_database_url():
    result = _run_django(
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/whatever",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_production_mode_requires_a_secret_key():
    result = _run_django("", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="tapif.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_mode_requires_allowed_hosts():
    result = _run_django("", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS is required" in result.stderr


#: Every service named (the checks connect to none of them).
PRODUCTION_SERVICES = {
    "DATABASE_URL": "postgres://tapif:secret@db.embassy.test:5432/tapif",
    "CACHE_URL": "redis://redis.embassy.test:6379/1",
    "CELERY_BROKER_URL": "redis://redis.embassy.test:6379/0",
    "AWS_STORAGE_BUCKET_NAME": "tapif-documents",
    "EMAIL_HOST": "smtp.embassy.test",
}


def test_production_mode_passes_the_deployment_checklist():
    result = _run_django(
        "from django.core.management import call_command; "
        "call_command('check', deploy=True, fail_level='WARNING')",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tapif.embassy.test",
        SITE_URL="https://tapif.embassy.test",
        **PRODUCTION_SERVICES,
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout + result.stderr


PRODUCTION = {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "tapif.example.org"}


@pytest.mark.parametrize("site_url", [None, "http://127.0.0.1:8000", "https://"])
def test_production_mode_refuses_to_start_without_an_https_site_url(site_url):
    """Links in e-mails and the address printed on letters come from SITE_URL: in production
    it must be the site's https address, never the laptop default."""
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    if site_url is not None:
        env["SITE_URL"] = site_url
    refused = _run_django("", **env)
    assert refused.returncode != 0
    assert "SITE_URL must be the site's https:// address when DJANGO_DEBUG=0" in refused.stderr


def test_production_mode_starts_with_an_https_site_url():
    started = _run_django(
        "from django.conf import settings; print(settings.SITE_URL)",
        **PRODUCTION,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        SITE_URL="https://tapif.example.org/",
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "https://tapif.example.org"


def test_a_laptop_keeps_its_local_site_url():
    result = _run_django("from django.conf import settings; print(settings.SITE_URL)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000"


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"
