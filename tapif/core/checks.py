"""Production fails closed: with DJANGO_DEBUG=0, refuse to start on a laptop's stand-ins.

With no variable set, tapif runs on SQLite, a per-process memory cache, inline tasks, local
files and console e-mail: right for a laptop, wrong in production, where it would run for
days before anyone noticed (rate limits per process, documents on one container's disk, no
e-mail sent). These checks are errors, so `manage.py check`, `migrate` and `runserver` stop,
and `tapif.wsgi` and the Celery worker and beat run them at start (`startup_check`): each error
names the variable to set.

They run with every `check`, not only `check --deploy`. A deliberate exception (a loopback
rehearsal without an SMTP server) silences one by its id in DJANGO_SILENCED_SYSTEM_CHECKS.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

#: The tag of these checks (`manage.py check --tag production` runs them alone).
PRODUCTION_TAG = "production"

_EMBEDDED_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)
_LOCAL_MAIL_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})  # noqa: S104 (a name)
#: The placeholder domains of .env.example and the documentation (RFC 2606).
_EXAMPLE_DOMAINS = ("example.org", "example.com", "example.net")


def production_problems(config: Mapping[str, Any]) -> list[checks.Error]:
    """What in `config` (see `configured_services`) is a laptop's stand-in, as check errors.

    A pure function of the values, so each case is tested without reloading settings.
    """
    problems: list[checks.Error] = []

    def refuse(check_id: str, message: str, hint: str) -> None:
        problems.append(checks.Error(message, hint=hint, id=f"tapif.{check_id}"))

    if config["database_engine"] == "django.db.backends.sqlite3":
        refuse(
            "E001",
            "DJANGO_DEBUG=0 on SQLite: production needs PostgreSQL.",
            "Set DATABASE_URL (postgres://user:password@host:5432/name).",
        )
    if config["cache_backend"] in _EMBEDDED_CACHES:
        refuse(
            "E002",
            "DJANGO_DEBUG=0 with a per-process cache: rate limits and used two-factor codes "
            "would not be shared between processes.",
            "Set CACHE_URL (redis://host:6379/1).",
        )
    if config["task_always_eager"] or str(config["broker_url"]).startswith("memory://"):
        refuse(
            "E003",
            "DJANGO_DEBUG=0 with Celery tasks run inline: e-mails would be sent inside web "
            "requests and scheduled jobs would never run.",
            "Set CELERY_BROKER_URL (redis://host:6379/0).",
        )
    if config["storage_backend"] == "django.core.files.storage.FileSystemStorage":
        refuse(
            "E004",
            "DJANGO_DEBUG=0 with private documents on the local disk.",
            "Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, "
            "AWS_SECRET_ACCESS_KEY) to keep them in the private S3 bucket.",
        )
    host = (urlsplit(config["site_url"]).hostname or "").lower()
    if (
        host in _LOCAL_HOSTS
        or host.endswith(".localhost")
        or host.startswith("127.")
        or any(host == domain or host.endswith(f".{domain}") for domain in _EXAMPLE_DOMAINS)
    ):
        refuse(
            "E005",
            f"DJANGO_DEBUG=0 with SITE_URL {config['site_url']!r}: links in e-mails and the "
            "address printed on letters would not reach the site.",
            "Set SITE_URL to the site's public https:// address.",
        )
    if _is_local_mail(config["email_backend"]):
        refuse(
            "E006",
            f"DJANGO_DEBUG=0 with the e-mail backend {config['email_backend']!r}: no e-mail "
            "would leave this machine.",
            "Unset EMAIL_BACKEND (SMTP is the default) and set EMAIL_HOST, EMAIL_PORT, "
            "EMAIL_HOST_USER, EMAIL_HOST_PASSWORD and EMAIL_USE_TLS.",
        )
    return problems


def _is_local_mail(backend_path: str) -> bool:
    try:
        backend = import_string(backend_path)
    except ImportError:
        return False  # Django's own mail checks report a backend that does not import
    local = tuple(import_string(path) for path in _LOCAL_MAIL_BACKENDS)
    return isinstance(backend, type) and issubclass(backend, local)


def configured_services() -> dict[str, Any]:
    """The settings `production_problems` reads, from the loaded settings."""
    return {
        "database_engine": settings.DATABASES["default"]["ENGINE"],
        "cache_backend": settings.CACHES["default"]["BACKEND"],
        "task_always_eager": settings.CELERY_TASK_ALWAYS_EAGER,
        "broker_url": settings.CELERY_BROKER_URL,
        "storage_backend": settings.STORAGES["default"]["BACKEND"],
        "site_url": settings.SITE_URL,
        "email_backend": settings.MAILERS["default"]["BACKEND"],
    }


@checks.register(PRODUCTION_TAG)
def check_production_services(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DJANGO_DEBUG=0, an error for each laptop stand-in (see the module)."""
    if settings.DEBUG:
        return []
    return list(production_problems(configured_services()))


def startup_check() -> None:
    """Stop a process that Django's commands do not check (gunicorn, Celery worker and beat):
    raises SystemCheckError listing the errors (silenced ones aside)."""
    from django.core.management import call_command

    call_command("check", tags=[PRODUCTION_TAG], stdout=io.StringIO())
