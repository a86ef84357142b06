"""Official letters (tapif.core.letters): the stamp, caching by content, private files, the
staff's "Check a letter" page and who may download a letter."""

from __future__ import annotations

import io
import re

import pytest
from django.db import IntegrityError
from pypdf import PdfReader

from tapif.core import letters
from tapif.core.letters import (
    can_download_letter,
    code_display,
    code_new,
    code_normalize,
    content_sha256,
    letter_by_code,
    letter_issue,
)
from tapif.core.models import AuditEntry, IssuedLetter
from tapif.core.pdf import render_html
from tests.candidates.factories import stored_files
from tests.factories import CandidateFactory, StaffFactory
from tests.selection.review_dossiers import staff_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_storage")]

CHECK = "/admin/core/issuedletter/check/"
A4_POINTS = (595.28, 841.89)

SAMPLE = """{% extends "letters/base.html" %}{% load i18n %}
{% block title %}Sample{% endblock %}
{% block content %}<h1>{% translate "Acceptance letter" %}</h1>
<p>{{ name }} · {{ academie }} · {{ amount }}</p>{% endblock %}
"""


@pytest.fixture
def sample_template(settings, tmp_path) -> str:
    """A small letter on the shared layout, from a template folder of its own."""
    folder = tmp_path / "templates"
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "sample_letter.html").write_text(SAMPLE, encoding="utf-8")
    engine = {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], str(folder)]}
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    return "tests/sample_letter.html"


@pytest.fixture
def owner():
    return CandidateFactory(first_name="Hélène", last_name="Côté", preferred_language="fr")


def issue(
    template,
    campaign,
    owner,
    *,
    language="fr",
    name="Hélène Côté-Éthier",
    kind=IssuedLetter.Kind.ACCEPTANCE,
    **extra,
):
    return letter_issue(
        kind=kind,
        template=template,
        context={
            "campaign": campaign,
            "number": "CA27-00042",
            "name": name,
            "academie": "Académie de Besançon",
            "amount": "1 036,21 €",
        },
        language=language,
        owner=owner,
        number="CA27-00042",
        facts={"name": name, "academie": "Académie de Besançon"},
        **extra,
    )


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def stored_bytes(letter: IssuedLetter) -> bytes:
    with letter.file.open("rb") as handle:
        return handle.read()


# --- codes -------------------------------------------------------------------------------------


def test_codes_are_ten_unambiguous_characters():
    codes = {code_new() for _ in range(200)}
    assert len(codes) == 200
    assert all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", code) for code in codes)
    assert code_display("ABCDE12345") == "ABCDE-12345"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("ABCDE-FGHJK", "ABCDEFGHJK"),
        ("abcde fghjk", "ABCDEFGHJK"),
        (" abcdefghjk ", "ABCDEFGHJK"),
        ("OOOOO-IIIII", "0000011111"),  # letters read as the digits they look like
        ("LLLLL-00000", "1111100000"),
        ("ABCDE-FGHJ", ""),  # too short
        ("ABCDE-FGHJU", ""),  # U is not in the alphabet
        ("", ""),
    ],
)
def test_typed_codes_are_normalised(typed, stored):
    assert code_normalize(typed) == stored


# --- issuing -----------------------------------------------------------------------------------


def test_a_letter_prints_the_header_number_code_and_accents_on_a4(
    sample_template, reference_campaign, owner, private_storage
):
    letter = issue(sample_template, reference_campaign, owner)

    text = pdf_text(stored_bytes(letter))
    assert "Hélène Côté-Éthier" in text
    assert "Académie de Besançon" in text
    assert "1 036,21 €" in text
    assert "CA27-00042" in text
    assert "Ambassade de France au Canada — Service culturel" in text
    assert "Assistants de langue anglaise en France" in text
    assert "TAPIF" in text
    assert "2026-2027" in text
    assert letter.display_code in text
    # The public verification page, in the letter's language, and its address as a QR code.
    assert f"/fr/verify/?code={letter.display_code}" in text.replace("\n", "")
    assert "data:image/svg+xml;base64," in render_html(
        sample_template,
        {"campaign": reference_campaign, "stamp": letters.Stamp(letter.code, "x", None)},
        language="fr",
    )
    page = PdfReader(io.BytesIO(stored_bytes(letter))).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
        A4_POINTS, abs=0.5
    )
    assert (letter.kind, letter.owner, letter.language, letter.number) == (
        "acceptance",
        owner,
        "fr",
        "CA27-00042",
    )
    assert letter.facts == {"name": "Hélène Côté-Éthier", "academie": "Académie de Besançon"}
    assert letter.size == len(stored_bytes(letter))
    # The file sits in the private storage under letters/, named by nothing anyone typed.
    assert [p.relative_to(private_storage).parts[0] for p in stored_files(private_storage)] == [
        "letters"
    ]
    assert letter.file.name == f"letters/acceptance/{letter.issued_at:%Y}/{letter.code}.pdf"


def test_the_content_hash_is_the_letter_without_its_stamp(
    sample_template, reference_campaign, owner
):
    letter = issue(sample_template, reference_campaign, owner)
    context = {
        "campaign": reference_campaign,
        "number": "CA27-00042",
        "name": "Hélène Côté-Éthier",
        "academie": "Académie de Besançon",
        "amount": "1 036,21 €",
        "stamp": None,
    }
    unstamped = render_html(sample_template, context, language="fr")
    assert letter.code not in unstamped
    assert letter.content_sha256 == content_sha256(unstamped)


def test_the_same_content_is_the_same_letter_rendered_once(
    sample_template, reference_campaign, owner, private_storage, monkeypatch
):
    rendered = []
    real = letters.html_to_pdf
    monkeypatch.setattr(
        letters, "html_to_pdf", lambda html, **kw: rendered.append(html) or real(html, **kw)
    )

    first = issue(sample_template, reference_campaign, owner)
    second = issue(sample_template, reference_campaign, owner)

    assert second.pk == first.pk
    assert second.code == first.code
    assert len(rendered) == 1
    assert IssuedLetter.objects.count() == 1
    assert len(stored_files(private_storage)) == 1
    assert AuditEntry.objects.filter(action="letter.issue").count() == 1


def test_changed_content_language_or_owner_make_a_new_letter(
    sample_template, reference_campaign, owner, private_storage
):
    first = issue(sample_template, reference_campaign, owner)
    renamed = issue(sample_template, reference_campaign, owner, name="Hélène Côté")
    english = issue(sample_template, reference_campaign, owner, language="en")
    other_owner = issue(sample_template, reference_campaign, CandidateFactory())

    letters_issued = [first, renamed, english, other_owner]
    assert len({letter.pk for letter in letters_issued}) == 4
    assert len({letter.code for letter in letters_issued}) == 4
    assert len(stored_files(private_storage)) == 4
    assert "Hélène Côté-Éthier" not in pdf_text(stored_bytes(renamed))
    assert english.language == "en"
    # Asking again for the first content still gives the first letter.
    assert issue(sample_template, reference_campaign, owner).pk == first.pk


def test_an_issue_is_audited_with_its_dossier(sample_template, reference_campaign, owner):
    staff = StaffFactory()
    letter = issue(sample_template, reference_campaign, owner, actor=staff)
    entry = AuditEntry.objects.get(action="letter.issue")
    assert (entry.actor, entry.target_id, entry.dossier) == (staff, str(letter.pk), "CA27-00042")
    assert entry.data == {"kind": "acceptance", "code": letter.code, "language": "fr"}


def test_two_issues_of_the_same_content_at_once_keep_one_letter(
    sample_template, reference_campaign, owner, private_storage, monkeypatch
):
    """The second request misses the first's row when it looks, then loses the unique
    constraint when it saves: its file is deleted and the first letter is returned."""
    first = issue(sample_template, reference_campaign, owner)
    real = letters._existing
    calls = []

    def late(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real(**kwargs)

    monkeypatch.setattr(letters, "_existing", late)
    again = issue(sample_template, reference_campaign, owner)

    assert again.pk == first.pk
    assert IssuedLetter.objects.count() == 1
    assert len(stored_files(private_storage)) == 1


def test_the_database_refuses_two_letters_of_one_content(
    sample_template, reference_campaign, owner
):
    first = issue(sample_template, reference_campaign, owner)
    with pytest.raises(IntegrityError):
        IssuedLetter.objects.create(
            kind=first.kind,
            code=code_new(),
            content_sha256=first.content_sha256,
            file_sha256="0" * 64,
            size=1,
            language=first.language,
            template=first.template,
            owner=owner,
        )


def test_staff_documents_are_cached_by_content_too(sample_template, reference_campaign):
    first = issue(sample_template, reference_campaign, None)
    assert issue(sample_template, reference_campaign, None).pk == first.pk
    assert IssuedLetter.objects.filter(owner=None).count() == 1


# --- checking a code ---------------------------------------------------------------------------


def staff_client(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_a_code_in_any_form_finds_its_letter(sample_template, reference_campaign, owner):
    letter = issue(sample_template, reference_campaign, owner)
    assert letter_by_code(letter.display_code.lower()) == letter
    assert letter_by_code(letter.code) == letter
    assert letter_by_code("00000-00000") is None
    assert letter_by_code("not a code") is None


def test_the_check_page_shows_what_the_letter_states(
    client, sample_template, reference_campaign, owner
):
    letter = issue(sample_template, reference_campaign, owner)
    # Staff who read the letters' register check a code (not reviewers: test_document_scope.py).
    staff_client(client, staff_with("core.view_issuedletter"))

    html = client.get(CHECK, {"code": letter.display_code.lower()}).content.decode()

    assert "Acceptance letter" in html
    assert letter.display_code in html
    assert "Hélène Côté-Éthier" in html
    assert "Académie de Besançon" in html
    assert owner.email in html
    assert "CA27-00042" in html
    assert letter.file_sha256 in html
    # Without the permission of the letter's kind, no download is offered.
    assert f"/admin/core/issuedletter/{letter.pk}/download/" not in html


def test_the_check_page_says_nothing_for_a_wrong_code(
    client, sample_template, reference_campaign, owner
):
    letter = issue(sample_template, reference_campaign, owner)
    staff_client(client, staff_with("core.view_issuedletter"))
    wrong = "00000-00000" if letter.code != "0000000000" else "11111-11111"

    html = client.get(CHECK, {"code": wrong}).content.decode()

    assert "No letter has this code" in html
    assert "Hélène" not in html
    assert "CA27-00042" not in html
    assert owner.email not in html
    # A blank page only asks for the code.
    blank = client.get(CHECK).content.decode()
    assert 'name="code"' in blank
    assert "No letter has this code" not in blank


def test_the_check_page_is_for_staff_only(client, sample_template, reference_campaign, owner):
    letter = issue(sample_template, reference_campaign, owner)
    url = f"{CHECK}?code={letter.display_code}"

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert "Hélène" not in anonymous.content.decode()
    client.force_login(owner)  # even the letter's owner
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_staff_with_the_permission_download_the_letter_as_issued(
    client, sample_template, reference_campaign
):
    letter = issue(sample_template, reference_campaign, None, kind=IssuedLetter.Kind.RANKED_LIST)
    staff = staff_with("placements.view_selectionround", "core.view_issuedletter")
    staff_client(client, staff)

    html = client.get(CHECK, {"code": letter.display_code}).content.decode()
    assert "Embassy staff (internal document)" in html
    assert f"/admin/core/issuedletter/{letter.pk}/download/" in html
    response = client.get(f"/admin/core/issuedletter/{letter.pk}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "private" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]
    assert response.content == stored_bytes(letter)
    entry = AuditEntry.objects.get(action="letter.staff_download")
    assert (entry.actor, entry.target_id) == (staff, str(letter.pk))


def test_staff_without_the_permission_cannot_download(
    client, sample_template, reference_campaign, owner
):
    letter = issue(sample_template, reference_campaign, owner)
    staff_client(client, staff_with("candidates.view_application"))

    assert client.get(f"/admin/core/issuedletter/{letter.pk}/download/").status_code == 403
    assert client.get("/admin/core/issuedletter/999999/download/").status_code == 404
    assert not AuditEntry.objects.filter(action="letter.staff_download").exists()


def test_who_may_download_a_letter(sample_template, reference_campaign, owner):
    summary = letter_issue(
        kind=IssuedLetter.Kind.DOSSIER_SUMMARY,
        template=sample_template,
        context={"campaign": reference_campaign, "name": "X"},
        language="en",
        owner=owner,
        number="CA27-00042",
    )
    reviewer = staff_with("candidates.view_application")
    assert can_download_letter(owner, summary) == (True, "owner")
    assert can_download_letter(reviewer, summary) == (True, "staff")
    assert can_download_letter(CandidateFactory(), summary)[0] is False
    assert can_download_letter(StaffFactory(), summary)[0] is False


def test_the_admin_lists_letters_and_finds_one_by_its_code(
    client, sample_template, reference_campaign, owner
):
    letter = issue(sample_template, reference_campaign, owner)
    other = issue(sample_template, reference_campaign, CandidateFactory())
    staff_client(client, staff_with("core.view_issuedletter"))

    listing = client.get("/admin/core/issuedletter/").content.decode()
    found = client.get("/admin/core/issuedletter/", {"q": letter.display_code.lower()})
    page = client.get(f"/admin/core/issuedletter/{letter.pk}/change/").content.decode()

    assert letter.display_code in listing
    assert other.display_code in listing
    assert letter.display_code in found.content.decode()
    assert other.display_code not in found.content.decode()
    assert "Hélène Côté-Éthier" in page  # what it states
    assert letter.content_sha256 in page
    assert f"{CHECK}?code={letter.display_code}" in page
    assert client.get("/admin/core/issuedletter/add/").status_code == 403
