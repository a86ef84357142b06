# syntax=docker/dockerfile:1
# tapif — one image for web (gunicorn), worker and beat (celery); see docker-compose.yml.

# --- Runtime base: Python, WeasyPrint's system libraries, the unprivileged user ---------------
FROM python:3.13-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/app/.venv \
    PATH=/app/.venv/bin:$PATH

# WeasyPrint renders PDFs with Pango (and its fonts); nothing else is needed at run time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 tapif \
    && useradd --system --uid 10001 --gid tapif --home-dir /app --shell /usr/sbin/nologin tapif

WORKDIR /app

# --- Build: dependencies from uv.lock, compiled translations, collected static files ----------
FROM base AS build

# gettext's msgfmt is only needed to compile the .po catalogues.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir --disable-pip-version-check "uv==0.13.9"

ENV UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy

# Dependencies first, so that a code change does not reinstall them.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project --python /usr/local/bin/python3

COPY . .
RUN uv sync --frozen --no-dev --python /usr/local/bin/python3 \
    && python manage.py compilemessages --ignore=.venv -v 0 \
    && STATIC_MANIFEST=1 python manage.py collectstatic --noinput -v 0 \
    && python -m compileall -q -x '/\.venv/' .

# --- Final image -------------------------------------------------------------------------------
FROM base

# Hashed, compressed static files from the manifest that collectstatic wrote.
ENV STATIC_MANIFEST=1 \
    DJANGO_DEBUG=0 \
    WEB_CONCURRENCY=3 \
    XDG_CACHE_HOME=/tmp/.cache

COPY --from=build /app /app

# Celery beat keeps its schedule here (a volume in docker-compose.yml): the only place the
# application writes to disk.
RUN mkdir -p /var/lib/tapif/beat && chown tapif:tapif /var/lib/tapif/beat

USER 10001:10001
EXPOSE 8000

# Behind the reference proxy (deploy/nginx/, docs/production.md). gunicorn's settings are in
# tapif/gunicorn_conf.py (bind, workers from WEB_CONCURRENCY, access log without tokens); other
# options: GUNICORN_CMD_ARGS. Migrations are not run here: docker-compose.yml's one-shot
# `migrate` service applies them before web, worker and beat start.
CMD ["gunicorn", "-c", "python:tapif.gunicorn_conf", "tapif.wsgi"]
