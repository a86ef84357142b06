"""tapif settings: one module, driven by environment variables (see .env.example).

With no variable set it runs on a laptop with no service: SQLite, private files on disk, Celery
tasks run inline, e-mail printed to the console. DJANGO_DEBUG=0 is the production mode: it
requires DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS and turns on every HTTPS protection.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from tapif.core.sentry import sentry_init
from tapif.env import (
    admins_config,
    cache_config,
    celery_config,
    database_config,
    env_bool,
    env_int,
    env_list,
    log_format,
    storages_config,
)

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ

DEBUG = env_bool(ENV, "DJANGO_DEBUG", True)

SECRET_KEY = ENV.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG=0.")
    SECRET_KEY = "insecure-development-key-only-for-laptops"  # noqa: S105 (DEBUG only)

# Earlier keys, newest first, while what they signed or sealed is still in use (sessions,
# links, the stored second-factor secrets of tapif.core.sealing): see docs/production.md.
SECRET_KEY_FALLBACKS = env_list(ENV, "DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list(ENV, "DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required when DJANGO_DEBUG=0.")
CSRF_TRUSTED_ORIGINS = env_list(ENV, "DJANGO_CSRF_TRUSTED_ORIGINS")
# With DJANGO_DEBUG=0 the production checks (tapif/core/checks.py) refuse a laptop's stand-ins;
# a deliberate exception names the check's id here (a loopback rehearsal: tapif.E005,tapif.E006).
SILENCED_SYSTEM_CHECKS = env_list(ENV, "DJANGO_SILENCED_SYSTEM_CHECKS")

# The site's public address, used in e-mails and letters sent outside a request (and printed,
# with a QR code, on every letter): in production an https address, or nothing starts.
SITE_URL = ENV.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
_site = urlsplit(SITE_URL)
if not DEBUG and (_site.scheme != "https" or not _site.hostname):
    raise ImproperlyConfigured(
        "SITE_URL must be the site's https:// address when DJANGO_DEBUG=0 "
        f"(links in e-mails and letters use it); got {SITE_URL!r}."
    )

INSTALLED_APPS = [
    "tapif.core.apps.TapifAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_countries",
    "tapif.core",
    "candidates",
    "evaluations",
    "payments",
    "selection",
    "placements",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tapif.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tapif.core.middleware.PrivateCacheMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "tapif.core.middleware.StaffTwoFactorMiddleware",
]

ROOT_URLCONF = "tapif.urls"
WSGI_APPLICATION = "tapif.wsgi.application"
ASGI_APPLICATION = "tapif.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "tapif.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {"default": database_config(ENV, BASE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
CACHES = cache_config(ENV)

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
# Back to the programme page in the language of the page the user logged out from.
ACCOUNT_LOGOUT_REDIRECT_URL = "core:landing"

# --- allauth: e-mail only, verified before anything else, rate-limited logins -----------------
ACCOUNT_ADAPTER = "tapif.core.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "tapif.core.forms.SignupForm"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[TAPIF] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Invitations (and resends) a candidate may send to evaluators in an hour.
TAPIF_EVALUATION_INVITES_PER_HOUR = env_int(ENV, "TAPIF_EVALUATION_INVITES_PER_HOUR", 5)
# allauth's own limits (login failures per IP and per account, sign-ups, resets), kept explicit.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_email": "1/m/user",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    # The public letter verification page (tapif.core.views.letter_verify): lookups per address.
    "letter_verify": "20/m/ip,200/d/ip",
    # Evaluation invitations, resends and replacements per candidate (evaluations.views).
    "evaluation_invite": f"{TAPIF_EVALUATION_INVITES_PER_HOUR}/h/key",
}
# Behind the reverse proxy every request comes from the proxy's address: the limits above key
# on the client's address, which the proxy appends to X-Forwarded-For. Set this to the number of
# proxies in front of gunicorn (1 for the documented one); the client is then that many entries
# from the right of X-Forwarded-For, so entries a client writes itself are never read. 0 (a
# laptop, no proxy) reads REMOTE_ADDR only. Our own limits (letter_verify) use the same address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int(ENV, "TAPIF_TRUSTED_PROXY_COUNT", 0)
MFA_ADAPTER = "tapif.core.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# Recovery codes are shown once, when they are made (a stolen session cannot read them later).
MFA_RECOVERY_CODES_SHOW_ONCE = True
MFA_TOTP_ISSUER = "TAPIF Canada"
# Development and browser tests only: allauth refuses this setting unless DEBUG is on.
MFA_TOTP_INSECURE_BYPASS_CODE = ENV.get("MFA_TOTP_INSECURE_BYPASS_CODE") or None
# Staff must have two-factor authentication before reaching the admin (see core.middleware).
TAPIF_STAFF_REQUIRE_2FA = env_bool(ENV, "TAPIF_STAFF_REQUIRE_2FA", True)
# Staff set their second factor only from an e-mailed, single-use link valid this many hours.
TAPIF_STAFF_SETUP_LINK_HOURS = env_int(ENV, "TAPIF_STAFF_SETUP_LINK_HOURS", 72)

# --- Languages ---------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["tapif.formats"]
USE_I18N = True
TIME_ZONE = "America/Toronto"
USE_TZ = True
LANGUAGE_COOKIE_NAME = "tapif_language"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Files -------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = storages_config(ENV, BASE_DIR)
# Without DEBUG, static files come from `collectstatic`'s folder, compressed and cached forever.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600
# The largest document a candidate may upload, and the most pixels an image may have (it is
# decoded to be re-encoded). The reverse proxy's body limit sits just above the first
# (docs/production.md: nginx `client_max_body_size 12m`).
UPLOAD_MAX_BYTES = 10 * 1024 * 1024
UPLOAD_MAX_IMAGE_PIXELS = 40_000_000
# The size limit's handler comes first: past UPLOAD_MAX_BYTES, nothing more of a file is kept
# in memory or written to disk.
FILE_UPLOAD_HANDLERS = [
    "tapif.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail ------------------------------------------------------------------------------------
# Django 6.1's MAILERS: the console on a laptop, SMTP (or any backend) from the environment.
_email_backend = ENV.get(
    "EMAIL_BACKEND",
    "tapif.core.mail_backends.ReadableConsoleBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_email_options: dict = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": ENV.get("EMAIL_HOST", "localhost"),
        "port": env_int(ENV, "EMAIL_PORT", 25),
        "username": ENV.get("EMAIL_HOST_USER", ""),
        "password": ENV.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool(ENV, "EMAIL_USE_TLS", False),
        "timeout": 20,
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    # Each connection writes its messages to one file in this folder (the worker tests read them).
    _email_options = {"file_path": ENV.get("EMAIL_FILE_PATH") or str(BASE_DIR / "var" / "mail")}
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "TAPIF Canada <no-reply@tapif.ca>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who receives Django's error mails (server errors, failed tasks) when DJANGO_DEBUG=0; with a
# SENTRY_DSN the reports go to Sentry too, and this may stay empty.
ADMINS = admins_config(ENV)

# --- Celery ------------------------------------------------------------------------------------
_celery = celery_config(ENV)
CELERY_BROKER_URL = _celery["broker_url"]
CELERY_TASK_ALWAYS_EAGER = _celery["task_always_eager"]
CELERY_TASK_EAGER_PROPAGATES = _celery["task_eager_propagates"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The worker and beat log through LOGGING below (UTC, JSON, masked), not Celery's own handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks are published from web requests (after commit): a broker that is down, or hung with its
# port still open, must make the publish fail within seconds (the outbox keeps the message
# pending and the beat job re-queues it), not hang on TCP's time-outs (kombu's Redis default is
# to wait forever). One retry, for a pooled connection the server has closed: about 7 s at worst
# (tests/worker checks it). BRPOP returns every second, so the worker is not disturbed by these.
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 3}
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
}
# Seconds between two batches of the results release; its rate is the campaign's setting.
RESULTS_RELEASE_BATCH_SECONDS = env_int(ENV, "RESULTS_RELEASE_BATCH_SECONDS", 10)
# A static schedule: *what* each job sends, and when, is read from the campaign at run time.
CELERY_BEAT_SCHEDULE = {
    # Beat's heartbeat (tapif.core.health): dropped if no worker takes it within the minute.
    "beat-tick": {
        "task": "tapif.core.tasks.beat_tick",
        "schedule": crontab(minute="*"),
        "options": {"expires": 55},
    },
    "requeue-pending-messages": {
        "task": "tapif.core.tasks.requeue_pending_messages",
        "schedule": crontab(minute="*/5"),
    },
    "resume-results-releases": {
        "task": "placements.tasks.resume_results_releases",
        "schedule": crontab(minute="*"),
    },
    "expire-offers": {  # every 5 minutes: no offer lapses more than a few minutes late
        "task": "placements.tasks.expire_offers",
        "schedule": crontab(minute="*/5"),
    },
    "deadline-reminders": {
        "task": "candidates.tasks.send_deadline_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "language-test-reminders": {
        "task": "candidates.tasks.send_language_test_reminders",
        "schedule": crontab(hour=9, minute=10),
    },
    "correction-reminders": {
        "task": "candidates.tasks.send_correction_reminders",
        "schedule": crontab(hour=9, minute=15),
    },
    "offer-reminders": {
        "task": "placements.tasks.send_offer_reminders",
        "schedule": crontab(hour=9, minute=25),
    },
    "results-day-reminders": {
        "task": "placements.tasks.send_results_day_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "evaluator-reminders": {
        "task": "evaluations.tasks.send_evaluator_reminders",
        "schedule": crontab(hour=9, minute=20),
    },
    "clear-expired-invitation-tokens": {
        "task": "evaluations.tasks.clear_expired_invitation_tokens",
        "schedule": crontab(hour=3, minute=30),
    },
    "flag-unopened-invitations": {
        "task": "evaluations.tasks.flag_unopened_invitations",
        "schedule": crontab(hour=9, minute=5),
    },
    "staff-alerts": {
        "task": "tapif.core.tasks.send_staff_alerts",
        "schedule": crontab(minute="*/15"),
    },
    "clear-expired-sessions": {
        "task": "tapif.core.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "apply-retention": {
        "task": "tapif.core.tasks.apply_retention",
        "schedule": crontab(hour=2, minute=40),
    },
}

# The key of the identity fingerprints kept by the retention policy (docs/privacy.md); derived
# from SECRET_KEY when empty, but set it: a new SECRET_KEY would forget earlier participations.
IDENTITY_FINGERPRINT_KEY = ENV.get("TAPIF_IDENTITY_FINGERPRINT_KEY", "")

# --- Security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool(ENV, "DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int(ENV, "DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

# Every process (web, worker, beat) logs through this: UTC ISO 8601 timestamps, JSON lines in
# production (LOG_FORMAT), e-mail addresses and link secrets masked (tapif/core/logs.py).
# gunicorn's own lines: `gunicorn -c python:tapif.gunicorn_conf`.
LOG_FORMAT = log_format(ENV)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "tapif.core.logs.RedactingFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "plain": {
            "()": "tapif.core.logs.UtcFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "json": {"()": "tapif.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact"],
        },
        # Server errors and failed tasks, to ADMINS, in production only.
        "mail_admins": {
            "level": "ERROR",
            "class": "tapif.core.admin_mail.RedactingAdminEmailHandler",
            "filters": ["require_debug_false", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": ENV.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # The root's console and the admins' mail (Django's default adds an unfiltered console).
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "celery.app.trace": {"handlers": ["mail_admins"]},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Error reports to Sentry or GlitchTip when a DSN is set: no personal data (tapif/core/sentry.py).
sentry_init(
    dsn=ENV.get("SENTRY_DSN", ""),
    environment=ENV.get("SENTRY_ENVIRONMENT", "production"),
    release=ENV.get("SENTRY_RELEASE", ""),
)
