# tapif — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/sh
PYTHON_BIN := $(shell scripts/find-python.sh)
VENV := .venv
TOOLS := .tools
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test e2e lint format messages serve install check-python clean

check-python:
	@test -n "$(PYTHON_BIN)" || { scripts/find-python.sh; exit 1; }

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
demo: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v 0
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py load_demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The whole suite without any service (browser tests are skipped when Chromium is missing).
test: install
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools -v 0
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Browser tests only (needs /usr/bin/chromium).
e2e: install
	$(PY) -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the French catalogue after adding strings, then fill in locale/fr/LC_MESSAGES/django.po.
messages: install
	$(PY) manage.py makemessages -l fr --ignore=.venv --ignore=.tools --ignore=node_modules --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=.tools

clean:
	rm -rf $(VENV) $(TOOLS) staticfiles
