"""French and English everywhere, and a switch that keeps the page."""

import pytest

from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def test_root_redirects_to_a_language_prefix(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/fr/"


def test_root_follows_the_browser_language(client):
    response = client.get("/", headers={"accept-language": "en-CA,en;q=0.9"})
    assert response["Location"] == "/en/"


@pytest.mark.parametrize(
    ("prefix", "lang", "title"),
    [("/fr/", "fr", "Enseigner l’anglais en France"), ("/en/", "en", "Teach English in France")],
)
def test_landing_page_is_served_in_each_language(client, prefix, lang, title):
    html = client.get(prefix).content.decode()
    assert f'<html lang="{lang}">' in html
    assert title in html


def test_switch_keeps_the_current_page(client):
    response = client.post(
        "/language/", {"language": "en", "next": "/fr/accounts/login/?next=/fr/home/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/fr/home/"
    assert response.cookies["tapif_language"].value == "en"


def test_switch_stores_the_choice_on_the_account(client):
    user = CandidateFactory(preferred_language="fr")
    client.force_login(user)

    response = client.post("/language/", {"language": "en", "next": "/fr/home/"})

    assert response["Location"] == "/en/home/"
    user.refresh_from_db()
    assert user.preferred_language == "en"


def test_switch_ignores_an_unknown_language(client):
    user = CandidateFactory(preferred_language="fr")
    client.force_login(user)
    client.post("/language/", {"language": "de", "next": "/fr/home/"})
    user.refresh_from_db()
    assert user.preferred_language == "fr"


def test_switch_never_redirects_to_another_site(client):
    response = client.post("/language/", {"language": "en", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_switch_requires_post(client):
    assert client.get("/language/?language=en").status_code == 405


def test_every_page_offers_the_other_language(client):
    client.force_login(CandidateFactory())
    for path, other in [("/fr/dossier/", "English"), ("/en/dossier/", "Français")]:
        html = client.get(path).content.decode()
        assert 'action="/language/"' in html
        assert f'name="next" value="{path}"' in html
        assert other in html


@pytest.mark.parametrize(
    ("browser", "next_url", "language", "expected"),
    [
        ("en-CA,en;q=0.9", "/fr/accounts/login/", "en", "/en/accounts/login/"),
        ("fr-CA,fr;q=0.9", "/en/accounts/login/", "fr", "/fr/accounts/login/"),
    ],
)
def test_switch_works_whatever_the_browser_language(client, browser, next_url, language, expected):
    response = client.post(
        "/language/",
        {"language": language, "next": next_url},
        headers={"accept-language": browser},
    )
    assert response["Location"] == expected
