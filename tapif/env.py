"""Turn environment variables into Django settings values.

Pure functions of a mapping, so the settings module stays declarative and the switching rules
(SQLite or PostgreSQL, disk or S3, eager or brokered tasks) can be tested without reloading
Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.utils import formataddr, getaddresses
from pathlib import Path
from typing import Any

import dj_database_url

TRUE_VALUES = frozenset({"1", "true", "yes", "on"})
FALSE_VALUES = frozenset({"0", "false", "no", "off", ""})


class EnvError(ValueError):
    """An environment variable holds a value the settings cannot use."""


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    if name not in env:
        return default
    value = env[name].strip().lower()
    if value in TRUE_VALUES:
        return True
    if value in FALSE_VALUES:
        return False
    raise EnvError(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {env[name]!r}")


def env_list(env: Mapping[str, str], name: str, default: list[str] | None = None) -> list[str]:
    raw = env.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise EnvError(f"{name} must be an integer; got {raw!r}") from error


def database_config(env: Mapping[str, str], base_dir: Path) -> dict[str, Any]:
    """SQLite in the project folder unless DATABASE_URL names another database."""
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(base_dir / "var" / "db.sqlite3"),
            # Wait instead of failing at once when two requests write together.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    config = dj_database_url.parse(url, conn_max_age=env_int(env, "DATABASE_CONN_MAX_AGE", 60))
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return config


def storages_config(env: Mapping[str, str], base_dir: Path) -> dict[str, Any]:
    """Private document storage: a local folder, or a private S3 bucket with signed URLs.

    Setting AWS_STORAGE_BUCKET_NAME switches to S3; AWS_S3_ENDPOINT_URL lets any S3-compatible
    server (MinIO, moto) stand in for AWS.
    """
    staticfiles_backend = (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env_bool(env, "STATIC_MANIFEST", False)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    bucket = env.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if bucket:
        default: dict[str, Any] = {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": env.get("AWS_S3_ENDPOINT_URL") or None,
                "region_name": env.get("AWS_S3_REGION_NAME") or None,
                "access_key": env.get("AWS_ACCESS_KEY_ID") or None,
                "secret_key": env.get("AWS_SECRET_ACCESS_KEY") or None,
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": env_int(env, "AWS_QUERYSTRING_EXPIRE", 300),
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        }
    else:
        default = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": env.get("PRIVATE_MEDIA_ROOT") or str(base_dir / "var" / "private"),
                # No base_url: these files are never served by URL, only by a view that checks
                # permission first.
                "base_url": None,
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    return {"default": default, "staticfiles": {"BACKEND": staticfiles_backend}}


def cache_config(env: Mapping[str, str]) -> dict[str, Any]:
    """Per-process memory cache on a laptop; Redis (shared by all workers) when CACHE_URL is set.

    The login rate limits live in the cache, so production needs the shared one.
    """
    url = env.get("CACHE_URL", "").strip()
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if not url.startswith(("redis://", "rediss://")):
        raise EnvError(f"CACHE_URL must be a redis:// URL; got {url!r}")
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


def celery_config(env: Mapping[str, str]) -> dict[str, Any]:
    """Tasks run inline (eagerly) unless CELERY_BROKER_URL names a broker."""
    broker = env.get("CELERY_BROKER_URL", "").strip()
    return {
        "broker_url": broker or "memory://",
        "task_always_eager": not broker,
        "task_eager_propagates": True,
    }


def log_format(env: Mapping[str, str]) -> str:
    """ "json" or "plain": LOG_FORMAT if set, else JSON in production (DJANGO_DEBUG=0)."""
    chosen = env.get("LOG_FORMAT", "").strip().lower()
    if chosen in ("json", "plain"):
        return chosen
    if chosen:
        raise EnvError(f"LOG_FORMAT must be json or plain; got {env['LOG_FORMAT']!r}")
    return "plain" if env_bool(env, "DJANGO_DEBUG", True) else "json"


def admins_config(env: Mapping[str, str]) -> list[str]:
    """DJANGO_ADMINS ("Name <a@example.org>, b@example.org") as Django's ADMINS: addresses."""
    raw = env.get("DJANGO_ADMINS", "").strip()
    if not raw:
        return []
    admins = []
    for name, address in getaddresses([raw]):
        if "@" not in address or " " in address:
            raise EnvError(f"DJANGO_ADMINS must be e-mail addresses, comma-separated; got {raw!r}")
        admins.append(formataddr((name, address)) if name else address)
    return admins
