"""HTTP headers every response carries (tapif.core.middleware): `Permissions-Policy` on all of
them, static files included; `Cache-Control: private, no-store` on whatever a signed-in person
receives (pages, documents), public pages left cacheable."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from candidates.choices import DocumentKind
from tapif.core.middleware import PERMISSIONS_POLICY
from tests.candidates.factories import DocumentFactory
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

REFUSED = ("camera", "microphone", "geolocation", "payment", "usb")


def get(client, path: str):
    """The response, its body read whole (a static file is streamed: reading closes it)."""
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)
        response.close()
    return response


def test_the_permissions_policy_refuses_every_powerful_feature():
    features = dict(item.split("=") for item in PERMISSIONS_POLICY.split(", "))
    assert set(REFUSED) <= set(features)
    assert set(features.values()) == {"()"}  # allowed to nobody, not even the site itself


@pytest.mark.parametrize("path", ["/fr/", "/en/eligibility/", "/healthz", "/static/css/tapif.css"])
def test_every_response_carries_the_permissions_policy(client, path):
    response = get(client, path)

    assert response.status_code == 200
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_public_page_for_an_anonymous_visitor_is_not_marked_private(client):
    response = client.get("/en/")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("path", ["/en/", "/en/dossier/", "/en/accounts/email/"])
def test_every_page_a_signed_in_person_receives_is_private_and_not_stored(client, path):
    client.force_login(CandidateFactory())

    response = client.get(path)

    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives
    assert "public" not in directives
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_a_document_download_is_private_and_not_stored(client, campaign_open, private_storage):
    document = DocumentFactory(kind=DocumentKind.PASSPORT)
    client.force_login(document.application.candidate)
    with translation.override("en"):
        url = reverse("candidates:document_download", kwargs={"pk": document.pk})

    response = get(client, url)

    assert response.status_code == 200
    assert {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_a_static_file_stays_cacheable_for_a_signed_in_person(client):
    client.force_login(CandidateFactory())

    response = get(client, "/static/css/tapif.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
