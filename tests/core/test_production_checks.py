"""With DJANGO_DEBUG=0, tapif refuses to start on a laptop's stand-ins, naming what to set."""

import secrets

import pytest
from django.core.management.base import SystemCheckError

from tapif.core.checks import production_problems, startup_check
from tests.core.test_env import PRODUCTION_SERVICES, _run_django

#: The production shape, as settings read it with every service variable set.
PRODUCTION = {
    "database_engine": "django.db.backends.postgresql",
    "cache_backend": "django.core.cache.backends.redis.RedisCache",
    "task_always_eager": False,
    "broker_url": "redis://redis:6379/0",
    "storage_backend": "storages.backends.s3.S3Storage",
    "site_url": "https://tapif.embassy.test",
    "email_backend": "django.core.mail.backends.smtp.EmailBackend",
}


def test_the_production_shape_has_no_problem():
    assert production_problems(PRODUCTION) == []


@pytest.mark.parametrize(
    ("setting", "value", "check_id", "variable"),
    [
        ("database_engine", "django.db.backends.sqlite3", "tapif.E001", "DATABASE_URL"),
        (
            "cache_backend",
            "django.core.cache.backends.locmem.LocMemCache",
            "tapif.E002",
            "CACHE_URL",
        ),
        ("cache_backend", "django.core.cache.backends.dummy.DummyCache", "tapif.E002", "CACHE_URL"),
        ("task_always_eager", True, "tapif.E003", "CELERY_BROKER_URL"),
        ("broker_url", "memory://", "tapif.E003", "CELERY_BROKER_URL"),
        (
            "storage_backend",
            "django.core.files.storage.FileSystemStorage",
            "tapif.E004",
            "AWS_STORAGE_BUCKET_NAME",
        ),
        ("site_url", "https://localhost:8050", "tapif.E005", "SITE_URL"),
        ("site_url", "https://127.0.0.1", "tapif.E005", "SITE_URL"),
        ("site_url", "https://tapif.example.org", "tapif.E005", "SITE_URL"),
        (
            "email_backend",
            "django.core.mail.backends.console.EmailBackend",
            "tapif.E006",
            "EMAIL_HOST",
        ),
        (
            "email_backend",
            "tapif.core.mail_backends.ReadableConsoleBackend",
            "tapif.E006",
            "EMAIL_HOST",
        ),
        (
            "email_backend",
            "django.core.mail.backends.filebased.EmailBackend",
            "tapif.E006",
            "EMAIL_BACKEND",
        ),
    ],
)
def test_each_stand_in_is_an_error_naming_its_variable(setting, value, check_id, variable):
    problems = production_problems({**PRODUCTION, setting: value})

    assert [problem.id for problem in problems] == [check_id]
    assert problems[0].is_serious()
    assert variable in problems[0].hint


def test_a_laptop_is_never_refused(settings):
    """DEBUG (the default) runs on every stand-in: make demo, make test."""
    settings.DEBUG = True
    settings.SITE_URL = "http://127.0.0.1:8000"

    startup_check()


def test_startup_refuses_in_production_mode(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://localhost"

    with pytest.raises(SystemCheckError, match=r"tapif\.E005.*\n.*HINT: Set SITE_URL"):
        startup_check()


def test_a_silenced_check_lets_a_rehearsal_start(settings):
    settings.DEBUG = False
    settings.SITE_URL = "https://localhost"
    settings.SILENCED_SYSTEM_CHECKS = [f"tapif.E00{n}" for n in range(1, 7)]

    startup_check()


def test_manage_check_without_service_variables_names_each_one():
    """As an operator would meet it: `manage.py check` with DJANGO_DEBUG=0 and nothing else."""
    result = _run_django(
        "from django.core.management import call_command; call_command('check')",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tapif.embassy.test",
        SITE_URL="https://tapif.embassy.test",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )

    assert result.returncode != 0
    for check_id, variable in [
        ("tapif.E001", "DATABASE_URL"),
        ("tapif.E002", "CACHE_URL"),
        ("tapif.E003", "CELERY_BROKER_URL"),
        ("tapif.E004", "AWS_STORAGE_BUCKET_NAME"),
        ("tapif.E006", "EMAIL_HOST"),
    ]:
        assert check_id in result.stderr
        assert f"HINT: Set {variable}" in result.stderr or variable in result.stderr
    assert "tapif.E005" not in result.stderr


def test_manage_check_names_the_one_missing_variable():
    services = {key: value for key, value in PRODUCTION_SERVICES.items() if key != "CACHE_URL"}

    result = _run_django(
        "from django.core.management import call_command; call_command('check')",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tapif.embassy.test",
        SITE_URL="https://tapif.embassy.test",
        **services,
    )

    assert result.returncode != 0
    assert "(tapif.E002)" in result.stderr
    assert "HINT: Set CACHE_URL" in result.stderr
    assert "tapif.E001" not in result.stderr
