"""Official letters: rendered once from a Django template, stored privately, checked by code.

`letter_issue` renders the letter's HTML without its stamp (verification code, address, QR
code, issue date) and hashes it: that hash is the letter's content. A letter of the same kind,
owner and language with the same content is returned as it is (same file, same code: nothing is
rendered again). Otherwise a fresh code is drawn, the stamp is added, WeasyPrint makes the PDF,
and the file goes to the private storage (`letters/…`, never a public address) with an
`IssuedLetter` row stating the letter's facts, in one audited transaction.

Each letter prints its code, the address of the public verification page (`core:letter_verify`,
in the letter's language) and that address as a QR code. Whoever is shown a letter (a
student-loan office, a bank, a landlord) opens it and reads what `letter_verification` says:
the few facts the letter states, written for people, and its standing *today* (valid,
withdrawn, replaced), worked out when it is read. Staff's "Check a letter" page reads the same
selector with every recorded fact. The files are served by `letter_response`, to the owner or
to staff holding the permission of the letter's kind (`can_download_letter`).

Core imports no app. The app that issues a kind of letter registers, from its `ready()`, how to
read it (`letter_kind_register`): its standing from the current state of what it states (an
offer withdrawn after its acceptance letter, a dossier withdrawn) and its facts in words. The
kinds' download permissions are named by their "app_label.codename" strings.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from tapif.core.audit import audit_record
from tapif.core.choices import LetterStanding
from tapif.core.models import IssuedLetter, User
from tapif.core.moments import day_words
from tapif.core.pdf import html_to_pdf, render_html

Kind = IssuedLetter.Kind

#: Crockford's base 32: digits and capitals without I, L, O, U (nothing to misread).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
#: What a person may type for a character of the alphabet.
_CODE_READS = str.maketrans({"O": "0", "I": "1", "L": "1"})

#: Staff who may download a letter of each kind (the owner always may).
LETTER_PERMISSIONS: dict[str, str] = {
    Kind.DOSSIER_SUMMARY: "candidates.view_application",
    Kind.ACCEPTANCE: "placements.view_offer",
    Kind.ATTESTATION: "placements.view_offer",
    Kind.RANKED_LIST: "placements.view_selectionround",
}

#: Lifetime of a signed S3 address: the browser follows the redirect at once.
SIGNED_URL_SECONDS = 60
#: Draws of a code before giving up (10 characters: 2^50 codes, a clash is already unlikely).
CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Stamp:
    """What makes one issued letter checkable, printed on every page."""

    code: str
    url: str
    issued_at: Any

    @property
    def display_code(self) -> str:
        return code_display(self.code)

    @property
    def qr_data_uri(self) -> str:
        """The verification address as a QR code (an SVG image inlined in the letter)."""
        return qr_svg_data_uri(self.url)


# --- codes -------------------------------------------------------------------------------------


def code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_display(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def code_normalize(text: str) -> str:
    """The stored form of a code as someone typed it ("abcde-fghjk", with spaces, O for 0…),
    or "" when it cannot be one."""
    code = "".join(text.split()).replace("-", "").upper().translate(_CODE_READS)
    if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
        return ""
    return code


def check_url(code: str, language: str = "fr") -> str:
    """The address of the public page that checks this code, in `language` (printed on the
    letter and in its QR code)."""
    with translation.override(language):
        path = reverse("core:letter_verify")
    return f"{settings.SITE_URL}{path}?code={code_display(code)}"


def qr_svg_data_uri(text: str) -> str:
    """`text` as a QR code: an SVG `data:` address, drawn here (no network, no image library)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# --- issuing -----------------------------------------------------------------------------------


def content_sha256(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def _existing(*, kind: str, owner: User | None, language: str, digest: str):
    return IssuedLetter.objects.filter(
        kind=kind, owner=owner, language=language, content_sha256=digest
    ).first()


def letter_issue(
    *,
    kind: str,
    template: str,
    context: dict[str, Any],
    language: str,
    owner: User | None,
    number: str,
    facts: dict[str, Any] | None = None,
    actor: User | None = None,
) -> IssuedLetter:
    """The letter `template` renders from `context` in `language`, issued to `owner` (None for
    a staff document).

    The content is the HTML rendered without the stamp; when a letter of this kind, owner and
    language already has that content, it is returned unchanged. Otherwise: a new code, the
    PDF rendered with its stamp, the file written to the private storage, and in one
    transaction the `IssuedLetter` row (with `facts`, what the letter states) and an audit entry
    `letter.issue` (by `actor`). Two requests issuing the same content at once end with one
    letter: the loser's file is deleted and the winner's row returned.
    """
    content = render_html(template, {**context, "stamp": None}, language=language)
    digest = content_sha256(content)
    existing = _existing(kind=kind, owner=owner, language=language, digest=digest)
    if existing is not None:
        return existing
    for _attempt in range(CODE_ATTEMPTS):
        code = code_new()
        if IssuedLetter.objects.filter(code=code).exists():
            continue
        issued_at = timezone.now()
        stamp = Stamp(code=code, url=check_url(code, language), issued_at=issued_at)
        html = render_html(template, {**context, "stamp": stamp}, language=language)
        pdf = html_to_pdf(html, print_stylesheet=False)
        letter = IssuedLetter(
            kind=kind,
            code=code,
            content_sha256=digest,
            file_sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            language=language,
            template=template,
            number=number,
            owner=owner,
            issued_at=issued_at,
            facts=facts or {},
        )
        letter.file.save(f"{code}.pdf", ContentFile(pdf), save=False)
        try:
            with transaction.atomic():
                letter.save()
                audit_record(
                    actor=actor,
                    action="letter.issue",
                    target=letter,
                    data={"kind": kind, "code": code, "language": language},
                    dossier=number,
                )
        except IntegrityError:
            letter.file.delete(save=False)
            existing = _existing(kind=kind, owner=owner, language=language, digest=digest)
            if existing is not None:
                return existing
            continue  # the code was drawn by someone else meanwhile: draw another
        return letter
    raise RuntimeError("No free verification code after several draws.")


def letter_by_code(text: str) -> IssuedLetter | None:
    """The letter a typed code names, or None (for a code of the wrong shape too)."""
    code = code_normalize(text)
    if not code:
        return None
    return IssuedLetter.objects.select_related("owner").filter(code=code).first()


# --- what a letter states and what it is worth today --------------------------------------------


@dataclass(frozen=True)
class LetterFact:
    """One fact a letter states, in words of the active language. `public`: shown on the public
    verification page (the few facts a reader of the letter needs to compare); the others only
    on staff's "Check a letter" page."""

    label: str
    text: str
    public: bool = False


StandingReader = Callable[[IssuedLetter], str]
FactsReader = Callable[[IssuedLetter], list[LetterFact]]


@dataclass(frozen=True)
class KindReader:
    standing: StandingReader
    facts: FactsReader


_READERS: dict[str, KindReader] = {}


def letter_kind_register(kind: str, *, standing: StandingReader, facts: FactsReader) -> None:
    """How to read the letters of `kind`, declared by the app that issues them (from its
    `ready()`): `standing(letter)` returns a `LetterStanding` value worked out from the current
    state, `facts(letter)` the letter's facts in words. A kind registered twice with other
    readers is a programming error (two apps claiming one kind)."""
    reader = KindReader(standing=standing, facts=facts)
    known = _READERS.get(kind)
    if known is not None and known != reader:
        raise ValueError(f"letter kind {kind!r} is already registered")
    _READERS[kind] = reader


def letter_newer_differs(letter: IssuedLetter) -> bool:
    """A letter of the same kind was issued to the same person after this one and states
    something else (the same facts in the other language are not a replacement)."""
    if letter.owner_id is None:
        return False
    newer = IssuedLetter.objects.filter(
        kind=letter.kind, owner_id=letter.owner_id, issued_at__gt=letter.issued_at
    ).values_list("facts", flat=True)
    return any(facts != letter.facts for facts in newer)


def letter_standing_default(letter: IssuedLetter) -> str:
    """Replaced once a newer letter of its kind states something else; valid otherwise."""
    return LetterStanding.REPLACED if letter_newer_differs(letter) else LetterStanding.VALID


@dataclass(frozen=True)
class Verification:
    """What the verification pages show for one letter."""

    letter: IssuedLetter
    standing: str
    facts: list[LetterFact]

    @property
    def standing_label(self) -> str:
        return str(LetterStanding(self.standing).label)


def letter_verification(letter: IssuedLetter, *, full: bool = False) -> Verification:
    """The letter's standing today and its facts in the active language: the public ones only,
    or (`full`, for staff) every recorded fact. A letter whose dossier was anonymised by the
    retention policy keeps its standing and states nothing any more."""
    reader = _READERS.get(letter.kind)
    if letter.erased_at is not None:
        standing = reader.standing(letter) if reader else letter_standing_default(letter)
        facts = []
    elif reader is None:
        standing = letter_standing_default(letter)
        facts = letter_facts_display(letter)
    else:
        standing = reader.standing(letter)
        facts = reader.facts(letter)
    if not full:
        facts = [fact for fact in facts if fact.public]
    return Verification(letter=letter, standing=LetterStanding(standing), facts=facts)


# --- facts in words ------------------------------------------------------------------------------


def date_words(value: Any, where: Any = None) -> str:
    """A date (or an ISO date or timestamp as stored in `facts`) as the active language writes
    it (`tapif.core.moments.day_words`): "1er octobre 2026", "1 October 2026"; '' for nothing.
    A timestamp is read in the zone of `where` (a campaign, a zone; the active one for None)."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        parse = dt.datetime.fromisoformat if "T" in value else dt.date.fromisoformat
        try:
            value = parse(value)
        except ValueError:
            return value
    return day_words(value, where)


#: Labels of facts recorded by a kind nobody registered (other keys are shown as they are).
FACT_LABELS = {
    "number": _("Candidate number"),
    "name": _("Name"),
    "campaign": _("School year"),
}


def _fact_text(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(_fact_text(item) for item in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_fact_text(item)}" for key, item in value.items()) or "—"
    if value is None or value == "":
        return "—"
    return str(value)


def letter_facts_display(letter: IssuedLetter) -> list[LetterFact]:
    """The recorded facts of a kind with no reader, as staff-only rows in recorded order."""
    return [
        LetterFact(label=str(FACT_LABELS.get(key, key)), text=_fact_text(value))
        for key, value in letter.facts.items()
    ]


# --- who may download, and the download --------------------------------------------------------


def can_download_letter(user: User, letter: IssuedLetter) -> tuple[bool, str]:
    """The owner downloads their letters; staff with the permission of the letter's kind too."""
    if not user.is_authenticated:
        return False, "anonymous"
    if letter.owner_id is not None and letter.owner_id == user.pk:
        return True, "owner"
    if user.is_staff and user.has_perm(LETTER_PERMISSIONS[letter.kind]):
        return True, "staff"
    return False, "not the owner"


def letter_log_staff_download(*, letter: IssuedLetter, actor: User) -> None:
    """Staff opening someone's letter is recorded, as for their documents."""
    audit_record(
        actor=actor,
        action="letter.staff_download",
        target=letter,
        data={"code": letter.code},
        dossier=letter.number,
    )


def letter_language(request: HttpRequest, owner: User | None) -> str:
    """`?lang=fr|en` when asked, else the owner's language, else the page's."""
    languages = {code for code, _name in settings.LANGUAGES}
    asked = request.GET.get("lang", "")
    if asked in languages:
        return asked
    if owner is not None and owner.preferred_language in languages:
        return owner.preferred_language
    return request.LANGUAGE_CODE if request.LANGUAGE_CODE in languages else "fr"


def letter_response(letter: IssuedLetter, *, filename: str) -> HttpResponse:
    """The letter's file as a download: read from the private folder (a letter is small), or
    (S3) a signed address that expires a minute later. The caller has checked permission."""
    storage = letter.file.storage
    if getattr(storage, "querystring_auth", False) is True:
        url = storage.url(
            letter.file.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(True, filename),
                "ResponseContentType": "application/pdf",
            },
            expire=SIGNED_URL_SECONDS,
        )
        response: HttpResponse = HttpResponseRedirect(url)
    else:
        try:
            with storage.open(letter.file.name, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise Http404 from None
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, filename)
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def letter_filename(letter: IssuedLetter, stem: str) -> str:
    """`<stem>-<number>-<language>.pdf` (the number left out of staff documents)."""
    parts = [stem, letter.number, letter.language]
    return "-".join(part for part in parts if part) + ".pdf"
