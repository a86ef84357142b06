"""Fixtures for the evaluation tests: an open campaign, a dossier on the professor route, an
invitation (with its link's token) and the professor who opened it."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine

from evaluations.models import EvaluationRequest
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.evaluations.factories import EvaluationRequestFactory, opened_by, professor_route


@pytest.fixture
def campaign_open(db):
    """Time frozen inside the current campaign's window (as in tests/candidates)."""
    with time_machine.travel(CAMPAIGN_OPEN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def private_storage(settings, tmp_path) -> Path:
    """Documents go to a fresh folder, for the tests that complete and submit a dossier."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


@pytest.fixture
def application(campaign_open):
    return professor_route(ApplicationFactory())


@pytest.fixture
def invitation(application) -> EvaluationRequest:
    """An invitation sent (its e-mail is in the outbox); `.token` is the link's token."""
    return EvaluationRequestFactory(application=application)


@pytest.fixture
def opened(invitation) -> EvaluationRequest:
    """The invited professor created a Professeur account and followed the link."""
    return opened_by(invitation)
