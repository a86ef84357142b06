"""Fixtures for the evaluation tests: an open campaign, a dossier on the professor route, an
invitation (with its link's token) and the professor who opened it."""

from __future__ import annotations

import pytest

from evaluations.models import EvaluationRequest
from tests.candidates.factories import ApplicationFactory
from tests.evaluations.factories import EvaluationRequestFactory, opened_by, professor_route


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
