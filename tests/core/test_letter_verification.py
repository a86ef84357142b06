"""The public letter verification page (tapif.core.views.letter_verify) and the selector behind
it (tapif.core.letters.letter_verification), on a small sample letter: the address and QR code
printed on a letter, a code typed in any form, a wrong code, both languages, the rate limit,
the default standing (replaced by a newer letter stating something else), the staff check.
Offer letters and summaries through their real services: tests/placements and
tests/candidates."""

from __future__ import annotations

import base64
import re

import pytest
import qrcode
from django.conf import settings

from tapif.core.choices import LetterStanding
from tapif.core.letters import check_url, letter_verification, qr_svg_data_uri
from tapif.core.models import IssuedLetter
from tests.core import test_letters
from tests.core.test_letters import issue
from tests.factories import CandidateFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

VERIFY = "/{lang}/verify/"

# The sample letter's fixtures: a template on the letters' layout, its owner.
sample_template = test_letters.sample_template
owner = test_letters.owner


def verify(client, code: str, lang: str = "en"):
    return client.get(VERIFY.format(lang=lang), {"code": code})


@pytest.fixture
def letter(sample_template, reference_campaign, owner):
    return issue(sample_template, reference_campaign, owner)


def test_each_letter_prints_the_public_address_in_its_own_language(letter):
    assert check_url(letter.code, "fr") == (
        f"{settings.SITE_URL}/fr/verify/?code={letter.display_code}"
    )
    assert check_url(letter.code, "en") == (
        f"{settings.SITE_URL}/en/verify/?code={letter.display_code}"
    )


def test_the_qr_code_encodes_the_verification_address():
    url = "https://tapif.example.org/en/verify/?code=ABCDE-FGHJK"
    uri = qr_svg_data_uri(url)
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert svg.startswith("<svg")
    # Its dark modules are exactly those of the QR code of that address (and not another's).
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    dark = sum(row.count(True) for row in code.get_matrix())
    assert len(re.findall(r"M\d+,\d+H", svg)) == dark
    other = base64.b64decode(qr_svg_data_uri(url.replace("ABCDE", "VWXYZ")).split(",", 1)[1])
    assert other.decode() != svg


def test_anyone_checks_a_code_typed_in_any_form(client, letter):
    typed = letter.display_code.lower().replace("-", " ")

    response = verify(client, typed)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Valid: the programme issued this letter and it still stands." in html
    assert letter.display_code in html
    assert "Acceptance letter" in html
    # Public pages with someone's name are never cached.
    assert "no-store" in response["Cache-Control"]
    # The public facts (the name, the académie), not the staff's (the candidate number).
    assert "Hélène Côté-Éthier" in html
    assert "Académie de Besançon" in html
    assert "CA27-00042" not in html


def test_a_wrong_code_says_so_without_hinting(client, letter):
    wrong = "00000-00000" if letter.code != "0000000000" else "11111-11111"
    pages = [
        verify(client, code).content.decode()
        for code in (wrong, "ABCDE", letter.display_code[:-1] + "U", "<script>")
    ]

    for html in pages:
        assert "No letter has this code." in html
        assert "Valid" not in html
        assert "Hélène" not in html
        assert "CA27-00042" not in html
    # A malformed code and a well-formed unknown one read alike: nothing tells them apart.
    strip = [re.sub(r'(value|nonce)="[^"]*"', "", html) for html in pages]
    assert len(set(strip)) == 1
    # A blank page only asks for the code.
    blank = client.get(VERIFY.format(lang="en")).content.decode()
    assert 'name="code"' in blank
    assert "No letter has this code" not in blank


def test_the_page_speaks_both_languages(client, letter):
    french = verify(client, letter.display_code, "fr").content.decode()
    english = verify(client, letter.display_code, "en").content.decode()

    assert '<html lang="fr"' in french
    assert "Vérifier une lettre" in french
    assert "Valide : le programme a émis cette lettre et elle tient toujours." in french
    assert "Lettre d’acceptation" in french
    assert "Check a letter" in english


def test_lookups_are_rate_limited_per_address(client, letter, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "letter_verify": "3/m/ip"}

    answers = [verify(client, letter.display_code) for _ in range(3)]
    refused = verify(client, letter.display_code)
    other_address = client.get(
        VERIFY.format(lang="en"), {"code": letter.display_code}, REMOTE_ADDR="203.0.113.9"
    )

    assert [response.status_code for response in answers] == [200, 200, 200]
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many checks from your connection." in html
    assert "Valid" not in html
    assert other_address.status_code == 200
    # Opening the blank page costs nothing.
    assert client.get(VERIFY.format(lang="en")).status_code == 200


def test_wrong_codes_count_against_the_limit_too(client, letter, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "letter_verify": "2/m/ip"}

    for code in ("00000-00000", "11111-11111"):
        assert verify(client, code).status_code == 200
    assert verify(client, letter.display_code).status_code == 429


def test_a_newer_letter_stating_something_else_replaces_it(
    sample_template,
    reference_campaign,
    owner,
):
    first = issue(sample_template, reference_campaign, owner)
    english = issue(sample_template, reference_campaign, owner, language="en")
    someone_else = issue(sample_template, reference_campaign, CandidateFactory())

    # The same facts in the other language, or another person's letter, replace nothing.
    assert letter_verification(first).standing == LetterStanding.VALID
    assert letter_verification(english).standing == LetterStanding.VALID

    newer = issue(sample_template, reference_campaign, owner, name="Hélène Côté")

    assert letter_verification(first).standing == LetterStanding.REPLACED
    assert letter_verification(english).standing == LetterStanding.REPLACED
    assert letter_verification(newer).standing == LetterStanding.VALID
    assert letter_verification(someone_else).standing == LetterStanding.VALID
    assert IssuedLetter.objects.count() == 4


def test_the_staff_check_shows_the_standing_and_every_fact(client, letter):
    from tests.core.test_letters import staff_client
    from tests.selection.review_dossiers import staff_with

    staff_client(client, staff_with("placements.view_offer", "core.view_issuedletter"))

    html = client.get(
        "/admin/core/issuedletter/check/", {"code": letter.display_code}
    ).content.decode()

    assert "Standing today" in html
    assert "standing-valid" in html
    assert "Hélène Côté-Éthier" in html  # every recorded fact, for staff
    assert f"/en/verify/?code={letter.display_code}" in html or "/verify/?code=" in html
