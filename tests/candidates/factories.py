"""Factories for the dossier: Application (through its service) and Document, plus tiny files.

`ApplicationFactory` goes through `services.application_create`, so the dossier gets a real
candidate number and its first timeline row; like the service, it needs the campaign to be open
(use the `campaign_open` fixture of tests/candidates/conftest.py, or an open campaign).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import factory

from candidates import services
from candidates.choices import DOCUMENTS_WITH_EXPIRY, DocumentKind
from candidates.models import Application, Document
from demo.files import demo_pdf, demo_png
from tapif.core.selectors import campaign_current
from tests.factories import EASTERN, CandidateFactory

#: A moment inside the 2026-2027 window (the current campaign loaded by the data migration).
CAMPAIGN_OPEN_AT = dt.datetime(2026, 1, 15, 12, tzinfo=EASTERN)
#: A moment after that campaign has closed (27 February 2026, 23:59:59).
CAMPAIGN_CLOSED_AT = dt.datetime(2026, 2, 28, 9, tzinfo=EASTERN)


def tiny_jpeg() -> bytes:
    """A real 1x1 JPEG (Pillow is installed with WeasyPrint)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(out, format="JPEG")
    return out.getvalue()


def stored_files(location: Path) -> list[Path]:
    """Every file under a storage folder (empty when nothing was stored)."""
    return sorted(p for p in location.rglob("*") if p.is_file()) if location.exists() else []


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft dossier in the current campaign, created by `services.application_create`."""

    class Meta:
        model = Application

    candidate = factory.SubFactory(CandidateFactory)
    campaign = factory.LazyFunction(campaign_current)

    @classmethod
    def _create(cls, model_class, *, candidate, campaign, **kwargs):
        if kwargs:
            raise TypeError(f"ApplicationFactory sets only candidate and campaign, not {kwargs}")
        return services.application_create(candidate=candidate, campaign=campaign)


#: Small real files, the same `make demo` stores.
tiny_pdf = demo_pdf
tiny_png = demo_png

_PDF = tiny_pdf()


class DocumentFactory(factory.django.DjangoModelFactory):
    """A current PDF document; passports get an expiry date far enough in the future."""

    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    kind = DocumentKind.TRANSCRIPTS
    file = factory.django.FileField(data=_PDF, filename="scan.pdf")
    original_name = "scan.pdf"
    content_type = "application/pdf"
    size = len(_PDF)
    sha256 = hashlib.sha256(_PDF).hexdigest()
    expires_on = factory.LazyAttribute(
        lambda o: dt.date(2030, 6, 30) if o.kind in DOCUMENTS_WITH_EXPIRY else None
    )
    uploaded_by = factory.LazyAttribute(lambda o: o.application.candidate)
