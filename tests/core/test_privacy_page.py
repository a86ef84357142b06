"""The privacy page, in both languages, written from the current campaign's retention policy."""

from __future__ import annotations

import pytest

from tapif.core.models import Campaign

pytestmark = pytest.mark.django_db


def test_privacy_page_in_english_follows_the_campaign(client, reference_campaign):
    Campaign.objects.filter(pk=reference_campaign.pk).update(
        retention_not_selected_months=9, retention_identity_years=7
    )

    page = client.get("/en/privacy/").content.decode()

    assert "How long it is kept" in page
    assert "its documents are deleted 9 months after the results" in page
    assert "7 years after the contract ends, the dossier is anonymised" in page
    assert "deleted with its documents 30 days after applications close" in page
    assert "tapif@institutfrancais.ca" in page


def test_privacy_page_in_french(client, reference_campaign):
    page = client.get("/fr/privacy/").content.decode()

    assert "Combien de temps elles sont gardées" in page
    assert "ses documents sont supprimés 6 mois après les résultats" in page


def test_every_page_links_to_the_privacy_page(client, reference_campaign):
    assert 'href="/en/privacy/"' in client.get("/en/").content.decode()
