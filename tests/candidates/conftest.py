"""Fixtures for the dossier tests: an open campaign moment and a private storage folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine

from tests.candidates.factories import CAMPAIGN_OPEN_AT


@pytest.fixture
def campaign_open(db):
    """Freeze time inside the current campaign's window, so dossiers can be created and changed."""
    with time_machine.travel(CAMPAIGN_OPEN_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def private_storage(settings, tmp_path) -> Path:
    """Documents go to a fresh folder (no public URL); returns it to look at what is stored."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location
