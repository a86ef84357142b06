"""The submit page and the summary: what is missing links to its field, names its section;
unanswered questions read "—"; countries by name; dates with the French "1er"."""

import datetime as dt

import pytest

from candidates.models import Experience, Identity
from tests.candidates.factories import ApplicationFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")


@pytest.fixture
def candidate_client(client):
    application = ApplicationFactory()
    client.force_login(application.candidate)
    client.application = application
    return client


def test_each_missing_item_links_to_its_field_under_its_section(candidate_client):
    Identity.objects.create(application=candidate_client.application, legal_last_name="Roy")
    html = candidate_client.get("/en/dossier/submit/").content.decode()
    assert '<h3 class="h-small">1. Identity</h3>' in html
    assert '<h3 class="h-small">2. Studies</h3>' in html
    assert '<a href="/en/dossier/identity/#id_date_of_birth_field">Date of birth</a>' in html
    assert '<a href="/en/dossier/studies/">This section has not been filled in yet.</a>' in html
    assert '<a href="/en/dossier/fee/">Application fee:' in html
    assert '<a href="/en/dossier/documents/#document-passport">' in html
    page = candidate_client.get("/en/dossier/identity/").content.decode()
    assert 'id="id_date_of_birth_field"' in page  # the target exists


def test_the_summary_reads_unanswered_as_a_dash_and_countries_by_name(candidate_client):
    application = candidate_client.application
    Identity.objects.create(
        application=application, place_of_birth="Québec", country_of_birth="CA", country=""
    )
    Experience.objects.create(
        application=application,
        kind="teaching",
        role="Tutor",
        country="FR",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 6, 1),
    )
    html = candidate_client.get("/fr/dossier/summary/").content.decode()
    assert "Québec, Canada" in html
    assert "Québec CA" not in html
    assert "Tutor, France" in html
    assert "1er septembre 2024" in html
    assert "<dd>—</dd>" in html  # the address and the names, never answered
    assert "<dd>, " not in html
