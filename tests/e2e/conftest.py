"""Browser tests: Chromium driven by Playwright against Django's live server.

`make e2e` or `pytest tests/e2e` (with `-n 2` too). They need the Debian `chromium` package at
/usr/bin/chromium (`playwright install` cannot download a browser here); without it every test
in this folder is reported as skipped, so `make test` still passes on a machine with no browser.

The live server answers from a thread of the test process, so these tests use transactional
database access: pytest-django empties every table after each of them, the rows written by data
migrations included (the 2026-2027 campaign, the académies, the institutions). Those migration
steps are run again whenever the tables have been emptied: before each test here, after each one,
and at the end of the session. The tests that follow in the same process, and the next run with
--reuse-db, find the database as `migrate` left it.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from django.utils import timezone
from playwright.sync_api import expect

from tapif.core.choices import UserKind
from tapif.core.models import Campaign, User
from tapif.core.services import campaign_make_current
from tests.e2e.helpers import PASSWORD
from tests.factories import CampaignFactory
from tests.migration_data import restore_migration_data

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Fail a browser step or an expectation after this many milliseconds (Playwright: 30 s, 5 s).
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)

# One request at a time: with SQLite in memory, the live server's threads share one database
# connection, and two requests at once (a page's autosave beside its Save) break each other's
# savepoints. A lock around the application (not the connections) keeps keep-alive connections
# from waiting on each other.


class _OneRequestAtATime(ThreadedWSGIServer):
    _lock = threading.Lock()

    def set_app(self, application) -> None:
        def locked(environ, start_response):
            with self._lock:
                return application(environ, start_response)

        super().set_app(locked)


LiveServerThread.server_class = _OneRequestAtATime

if CHROMIUM.exists():
    # Playwright's sync API keeps an asyncio loop running in the main thread for the whole
    # session, and Django refuses ORM calls from such a thread unless told otherwise.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"browser tests need Chromium at {CHROMIUM} "
        "(apt-get install -y --no-install-recommends chromium)"
    )
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(skip)


# --- Data written by migrations, put back after each flush -------------------------------------


_DB_BLOCKER = pytest.StashKey[object]()


@pytest.fixture(scope="session")
def _migration_data_kept(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker
) -> Iterator[None]:
    request.config.stash[_DB_BLOCKER] = django_db_blocker
    yield
    del request.config.stash[_DB_BLOCKER]
    # After the session's last test, before pytest-django lets go of the test database.
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    # The test's fixtures, the flush included, are torn down. After the session's last test the
    # blocker is gone already and `_migration_data_kept` has done this.
    blocker = item.config.stash.get(_DB_BLOCKER, None)
    if blocker is not None and item.path.is_relative_to(HERE):
        with blocker.unblock():
            restore_migration_data()
    return result


@pytest.fixture(autouse=True)
def _e2e_database(django_db_setup, live_server, transactional_db, _migration_data_kept) -> None:
    # django_db_setup first: pytest sets session fixtures up in the order it discovers them, and
    # the live server hands the in-memory SQLite test database to its request threads only if
    # that database exists when the server starts (else each thread opens, and leaks, its own).
    restore_migration_data()


# --- Browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(django_db_setup, live_server) -> str:
    # Also replaces pytest-playwright's fallback fixture, whose definition as an instance method
    # is deprecated by pytest 9 (a warning, so an error here).
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # A Canadian French-speaking visitor; tests open /fr/ or /en/ URLs explicitly anyway.
    return {**browser_context_args, "locale": "fr-CA"}


@pytest.fixture
def context(context):
    context.set_default_timeout(TIMEOUT_MS)
    return context


# --- People ------------------------------------------------------------------------------------


@pytest.fixture
def make_user(transactional_db) -> Callable[..., User]:
    """Create an account directly in the database, with a verified e-mail unless told not to."""

    def make(
        *,
        kind: UserKind = UserKind.CANDIDATE,
        language: str = "fr",
        verified: bool = True,
        is_staff: bool = False,
        is_superuser: bool = False,
        first_name: str = "Camille",
        last_name: str = "Tremblay",
    ) -> User:
        email = f"{kind}-{uuid.uuid4().hex[:12]}@example.ca"
        fields = {"first_name": first_name, "last_name": last_name, "preferred_language": language}
        if is_superuser:
            user = User.objects.create_superuser(email=email, password=PASSWORD, **fields)
        else:
            user = User.objects.create_user(
                email=email, password=PASSWORD, kind=kind, is_staff=is_staff, **fields
            )
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        return user

    return make


# --- What the journeys share: an open campaign, a private folder for uploads ----------------


@pytest.fixture
def campaign(transactional_db) -> Campaign:
    """An open campaign made current: opened a month ago, closing in two months."""
    now = timezone.now()
    closes_at = now + dt.timedelta(days=60)
    contract_year = closes_at.year if closes_at.month < 10 else closes_at.year + 1
    campaign = CampaignFactory(
        school_year=f"{contract_year}-{contract_year + 1}",
        code=f"CA{(contract_year + 1) % 100}",
        opens_at=now - dt.timedelta(days=30),
        closes_at=closes_at,
        language_test_deadline=(closes_at - dt.timedelta(days=7)).date(),
        contract_start=dt.date(contract_year, 10, 1),
        contract_end=dt.date(contract_year + 1, 4, 30),
        passport_valid_until=dt.date(contract_year + 1, 10, 30),
        results_release_date=dt.date(contract_year, 4, 15),
    )
    return campaign_make_current(campaign=campaign, actor=None)


@pytest.fixture
def storage(settings, tmp_path) -> Path:
    """Uploaded files go to a fresh private folder (no public URL)."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location
