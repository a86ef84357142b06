"""Every candidate page runs the same number of queries with one entry of each kind and with
many: the dossier is read once per request, its history only on the timeline (issue 16)."""

import datetime as dt

import pytest

from candidates import services
from candidates.models import Experience, FrenchCourse
from tests.candidates.dossier import fill_sections, upload
from tests.candidates.factories import ApplicationFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")

PAGES = [
    "/en/dossier/",
    "/en/dossier/identity/",
    "/en/dossier/studies/",
    "/en/dossier/french/",
    "/en/dossier/experience/",
    "/en/dossier/assets/",
    "/en/dossier/couple/",
    "/en/dossier/documents/",
    "/en/dossier/submit/",
    "/en/dossier/summary/",
    "/en/dossier/timeline/",
]


def _add_entries(application, start: int, count: int) -> None:
    for n in range(start, start + count):
        Experience.objects.create(
            application=application,
            kind="children",
            role=f"Camp {n}",
            start_date=dt.date(2023, 1, 1) + dt.timedelta(days=n),
        )
        FrenchCourse.objects.create(application=application, title=f"French {n}", year=2020 + n % 5)
        services.section_update(
            application=application,
            section="identity",
            data={"city": f"Ottawa {n}"},
            actor=application.candidate,
        )


def _queries(client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_candidate_pages_run_as_many_queries_with_one_entry_as_with_many(client):
    application = ApplicationFactory()
    client.force_login(application.candidate)
    fill_sections(application)
    _add_entries(application, 0, 1)
    upload(application, "transcripts")
    one = {path: _queries(client, path) for path in PAGES}
    _add_entries(application, 1, 12)
    for kind in ("birth_certificate", "fee_receipt"):
        upload(application, kind)
    upload(application, "passport", dt.date(2030, 1, 1))
    many = {path: _queries(client, path) for path in PAGES}
    assert many == one
