"""The harness itself, with a task that needs no outbox: a real worker takes tasks from the
private broker, a stopped broker makes publishing fail fast, and the worker carries on once the
broker is back."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone
from kombu.exceptions import OperationalError

from tapif.core.tasks import clear_expired_sessions
from tests.worker.harness import wait_until

pytestmark = pytest.mark.worker


def expired_session(key: str) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )


def test_the_worker_runs_a_published_task(celery_worker):
    expired_session("a" * 32)

    clear_expired_sessions.delay()

    wait_until(lambda: not Session.objects.exists(), message="the expired session cleared")
    celery_worker.wait_for_log("tapif.core.tasks.clear_expired_sessions[")


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_publishing_to_a_broker_that_is_down_fails_fast(celery_worker, broker, outage):
    if outage == "stopped":
        broker.stop()
    else:
        broker.freeze()
    started = time.monotonic()

    with pytest.raises(OperationalError):
        clear_expired_sessions.delay()

    assert time.monotonic() - started < 10
    if outage == "stopped":
        broker.start()
    else:
        broker.thaw()
    expired_session("b" * 32)
    clear_expired_sessions.delay()
    wait_until(lambda: not Session.objects.exists(), timeout=20, message="the worker back at work")
