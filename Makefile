# tapif — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/sh
PYTHON_BIN := $(shell scripts/find-python.sh)
VENV := .venv
TOOLS := .tools
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: bench demo test e2e lint format messages serve install check-python check-system clean worker beat services \
	audit backup restore restore-drill

check-python:
	@test -n "$(PYTHON_BIN)" || { scripts/find-python.sh; exit 1; }

# The system packages the two commands need (gettext, Pango, HarfBuzz's subsetter, a font).
check-system:
	@scripts/check-system.sh

# uv installs in seconds where pip takes minutes; bootstrap it in a private folder if absent.
$(TOOLS)/bin/uv: | check-python
	$(PYTHON_BIN) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: pyproject.toml uv.lock | $(TOOLS)/bin/uv
	$(TOOLS)/bin/uv sync --frozen --python $(PYTHON_BIN)
	@touch $@

install: $(VENV)/.synced

# Serve a demo campaign with sample accounts on http://127.0.0.1:8000 (SQLite, local files,
# eager tasks, console e-mail: no service needed).
demo: check-system install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v 0
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The whole suite without any service (browser tests are skipped when Chromium is missing).
test: check-system install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v 0
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Browser tests only (needs /usr/bin/chromium).
e2e: check-system install
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# Every benchmark once (benchmarks/README.md): a throw-away PostgreSQL database and a Redis
# database number (BENCH_DB_NAME, BENCH_REDIS_DB: scripts/bench.sh), figures as `name: value`
# lines and a table, kept in var/bench/last.txt. Uses the virtualenv as it is (no sync).
bench:
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v 0
	@scripts/bench.sh

# Known vulnerabilities in the locked dependencies (pip-audit; exit 2 = the service was out of
# reach and nothing is claimed).
audit: install
	@scripts/audit-dependencies.sh

# Backups (docs/production.md, "Backups"): an encrypted, dated archive of the database and the
# documents bucket in BACKUP_DIR, with retention and an off-host copy; the variables are those of
# scripts/backup.sh (BACKUP_MODE=compose on a docker compose host).
backup:
	@scripts/backup.sh

# Restore one archive: make restore FILE=var/backups/tapif-2026-03-01T030000Z.tar (asks first).
restore:
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=path/to/tapif-....tar" >&2; exit 2; }
	@scripts/restore.sh "$(FILE)"

# Back up, wipe and restore a scratch database and bucket, and check them equal (CI runs it).
restore-drill: install
	@scripts/restore-drill.sh

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Background jobs on Celery with Redis (the embedded default runs tasks inline and needs none of
# this). The broker is CELERY_BROKER_URL, redis://127.0.0.1:6379/0 unless set; start the web
# process with the same variable, or its tasks keep running inline. The worker and beat use the
# same database as the web process (DATABASE_URL, or var/db.sqlite3).
#   make worker    the worker: mail delivery, reminders, the results release
#   make beat      the clock: sends the static schedule of tapif/settings.py (exactly one beat),
#                  remembering the last runs in var/celerybeat-schedule
#   make services  both in one process (a worker with an embedded beat), for a laptop
CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
CELERY := CELERY_BROKER_URL=$(CELERY_BROKER_URL) $(PY) -m celery -A tapif
BEAT_SCHEDULE := var/celerybeat-schedule

worker: install
	$(CELERY) worker --loglevel=INFO --concurrency=2

beat: install
	$(CELERY) beat --loglevel=INFO --schedule=$(BEAT_SCHEDULE)

services: install
	$(CELERY) worker --beat --schedule=$(BEAT_SCHEDULE) --loglevel=INFO --concurrency=2

# Refresh the French catalogue after adding strings, then fill in locale/fr/LC_MESSAGES/django.po.
messages: install
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=.tools --ignore=node_modules --ignore=tests --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles
