"""Fixtures for tests with a real Redis broker and a real Celery worker (marker `worker`).

They need PostgreSQL (the worker is another process: it cannot see pytest's in-memory SQLite
database) and `redis-server` on PATH; elsewhere they are skipped with the reason. Each test gets
its own redis-server on a free port (so it can be stopped without touching the shared Redis, and
two xdist workers never hear each other's tasks), its own worker and its own mail folder. The
worker shares the test's database, so the tests are transactional: what the test commits, the
worker sees, and the other way round.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection

from tapif.celery import app as celery_app
from tests.migration_data import restore_migration_data
from tests.worker.harness import (
    CeleryWorker,
    MailDrop,
    RedisServer,
    publishing_to,
    worker_environment,
    worker_skip_reason,
)

HARNESS = pytest.StashKey[list[RedisServer | CeleryWorker]]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = worker_skip_reason(connection.vendor)
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if item.get_closest_marker("worker") is not None:
            item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """A failed test shows what its worker and its broker said."""
    report = yield
    if report.failed:
        for process in item.stash.get(HARNESS, []):
            label = (
                f"log of worker {process.name}"
                if isinstance(process, CeleryWorker)
                else "redis log"
            )
            report.sections.append((label, process.log()[-20_000:]))
    return report


@pytest.fixture(scope="module", autouse=True)
def _restore_the_migrations_rows(django_db_setup, django_db_blocker) -> Iterator[None]:
    """A transactional test ends by emptying every table: put the data migrations' rows back
    once the module is done, for the tests that follow on this database."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


@pytest.fixture(autouse=True)
def _migration_rows_present(transactional_db) -> None:
    """The previous transactional test (here or elsewhere) may have emptied the tables."""
    restore_migration_data()


@pytest.fixture
def broker(request: pytest.FixtureRequest, tmp_path) -> Iterator[RedisServer]:
    """A private redis-server, started; the test may stop, start, freeze and thaw it."""
    server = RedisServer(tmp_path / "redis")
    request.node.stash.setdefault(HARNESS, []).append(server)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def publishing(broker: RedisServer) -> Iterator[None]:
    """This process sends tasks to the private broker instead of running them eagerly."""
    with publishing_to(celery_app, broker.url):
        yield


@pytest.fixture
def mail_drop(tmp_path) -> MailDrop:
    """The folder the worker's e-mails are written to."""
    return MailDrop(tmp_path / "mail")


@pytest.fixture
def start_worker(
    request: pytest.FixtureRequest,
    transactional_db,
    broker: RedisServer,
    publishing,
    mail_drop: MailDrop,
    tmp_path,
) -> Iterator[Callable[[], CeleryWorker]]:
    """Start a Celery worker process on the private broker and the test database (call it
    again for a second worker); each may be stopped, killed and started again. All are stopped
    before the database is flushed."""
    env = worker_environment(
        os.environ,
        database=connection.settings_dict,
        broker_url=broker.url,
        mail_folder=mail_drop.folder,
        cache_location=settings.CACHES["default"].get("LOCATION"),
    )
    workers: list[CeleryWorker] = []

    def start() -> CeleryWorker:
        number = len(workers) + 1
        worker = CeleryWorker(
            env=env,
            log_path=tmp_path / f"worker-{number}.log",
            name=f"test{number}-{uuid.uuid4().hex[:8]}",
        )
        request.node.stash.setdefault(HARNESS, []).append(worker)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    if broker.frozen:  # a test failed with the broker hung: a worker could not stop
        broker.thaw()
    for worker in workers:
        worker.stop()


@pytest.fixture
def celery_worker(start_worker: Callable[[], CeleryWorker]) -> CeleryWorker:
    """One Celery worker, started."""
    return start_worker()
