"""The letters of an accepted offer (issue 9): the acceptance letter and the attestation for a
student-loan organisation, in French and English, issued through `tapif.core.letters`.

Both state the offer's terms as they were copied from the campaign when the offer was made
(académie, school level, contract dates and length, gross monthly salary in euros with the
overseas supplement where the académie pays one) and the campaign's weekly hours; the
académie's town and schools once staff have recorded them. They exist only for an offer the
candidate accepted (still accepted, appointed or not): a pending, declined, lapsed offer, or one
given up by a withdrawal, has none.

Downloads (`placements/letter_urls.py`, under /<lang>/letters/):
- `acceptance.pdf`, `attestation.pdf`: the signed-in candidate's own accepted offer;
- `offers/<id>/acceptance.pdf`, `offers/<id>/attestation.pdf`: that offer's letter, for its
  candidate or for staff holding `placements.view_offer` (the admin's download).
Anyone else gets a 404 (staff without the permission a 403); nothing is issued for them.

Checking a letter (`tapif.core.letters.letter_verification`, registered in
`PlacementsConfig.ready()`): an offer letter is **withdrawn** as soon as its offer is no longer
accepted (withdrawn, declined, lapsed) or the dossier is withdrawn; **replaced** when a newer
letter of its kind stating other terms was issued to the candidate and this one no longer
states the offer as it is; **valid** otherwise. Its public facts are the name, the position,
the académie, the school level, the contract's dates and the gross monthly salary (with the
overseas supplement): what a student-loan office compares. The candidate number, the date of
acceptance, the town and the schools are for staff. The committee's ranked list is
**replaced** once its round is frozen, superseded or frozen again since; publicly it shows only
its school year (the list itself names candidates).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from candidates.choices import ApplicationStatus
from placements.choices import OfferStatus, RoundStatus
from placements.models import Offer, SelectionRound
from tapif.core.choices import LetterStanding
from tapif.core.letters import (
    LetterFact,
    date_words,
    letter_filename,
    letter_issue,
    letter_language,
    letter_log_staff_download,
    letter_newer_differs,
    letter_response,
    letter_standing_default,
)
from tapif.core.middleware import staff_needs_two_factor
from tapif.core.models import IssuedLetter, User
from tapif.core.selectors import campaign_current

Kind = IssuedLetter.Kind

#: Each letter: its template and the stem of its file name.
LETTERS = {
    Kind.ACCEPTANCE: ("placements/letters/acceptance.html", "tapif-acceptance"),
    Kind.ATTESTATION: ("placements/letters/attestation.html", "tapif-attestation"),
}

#: Staff who may download an offer's letters from the admin.
STAFF_PERMISSION = "placements.view_offer"

CENT = Decimal("0.01")
CURRENCY_SYMBOLS = {"EUR": "€"}


# --- the terms, as the letters write them (pure) -----------------------------------------------


def supplement_amounts(salary: Decimal, low: int, high: int) -> tuple[Decimal, Decimal]:
    """The gross monthly salary with the overseas supplement's lowest and highest percent."""
    return (
        (salary * (100 + low) / 100).quantize(CENT, rounding=ROUND_HALF_UP),
        (salary * (100 + high) / 100).quantize(CENT, rounding=ROUND_HALF_UP),
    )


def money(amount: Decimal, currency: str) -> str:
    """An amount as the active language writes it: "1 036,21 €" in French, "€1,036.21" in
    English (other currencies by their code)."""
    number = formats.number_format(amount, 2, use_l10n=True, force_grouping=True)
    symbol = CURRENCY_SYMBOLS.get(currency)
    if symbol is None:
        return f"{number}\N{NO-BREAK SPACE}{currency}"
    if translation.get_language() == "fr":
        return f"{number}\N{NO-BREAK SPACE}{symbol}"
    return f"{symbol}{number}"


@dataclass(frozen=True)
class Terms:
    """What both letters state about one accepted offer, in the active language."""

    name: str
    date_of_birth: Any
    number: str
    academie: str
    level: str
    contract_start: Any
    contract_end: Any
    contract_months: int
    weekly_hours: int
    max_schools: int
    salary: str
    supplement_low: int
    supplement_high: int
    supplement_salary_low: str
    supplement_salary_high: str
    accepted_at: Any
    town: str
    schools: list


def level_label(level: str) -> str:
    return {
        "primary": _("Primary (pupils aged 6 to 10)"),
        "secondary": _("Secondary (pupils aged 11 to 18)"),
    }.get(level, level)


def candidate_name(application) -> str:
    """The names as on the passport when the dossier has them, else the account's."""
    identity = getattr(application, "identity", None)
    if identity is not None and identity.legal_last_name:
        return f"{identity.legal_first_names} {identity.legal_last_name}".strip()
    return application.candidate.get_full_name()


def offer_terms(offer: Offer) -> Terms:
    """The letters' facts for `offer`, formatted in the active language."""
    application = offer.application
    campaign = offer.round.campaign
    identity = getattr(application, "identity", None)
    low, high = supplement_amounts(
        offer.monthly_gross_salary,
        offer.overseas_supplement_min_percent,
        offer.overseas_supplement_max_percent,
    )
    return Terms(
        name=candidate_name(application),
        date_of_birth=identity.date_of_birth if identity is not None else None,
        number=application.number,
        academie=offer.academie.name,
        level=level_label(offer.level),
        contract_start=offer.contract_start,
        contract_end=offer.contract_end,
        contract_months=offer.contract_months,
        weekly_hours=campaign.weekly_hours,
        max_schools=campaign.max_schools,
        salary=money(offer.monthly_gross_salary, offer.salary_currency),
        supplement_low=offer.overseas_supplement_min_percent,
        supplement_high=offer.overseas_supplement_max_percent,
        supplement_salary_low=money(low, offer.salary_currency) if offer.has_supplement else "",
        supplement_salary_high=money(high, offer.salary_currency) if offer.has_supplement else "",
        accepted_at=offer.responded_at,
        town=offer.town,
        schools=list(offer.schools.all()),
    )


def offer_facts(offer: Offer) -> dict[str, Any]:
    """What the letters state, kept with each issued letter for staff to check (plain values,
    the same in both languages)."""
    application = offer.application
    return {
        "number": application.number,
        "name": candidate_name(application),
        "position": "English-language assistant",
        "academie": offer.academie.name,
        "level": offer.level,
        "contract_start": offer.contract_start.isoformat(),
        "contract_end": offer.contract_end.isoformat(),
        "contract_months": offer.contract_months,
        "weekly_hours": offer.round.campaign.weekly_hours,
        "monthly_gross_salary": str(offer.monthly_gross_salary),
        "salary_currency": offer.salary_currency,
        "overseas_supplement": (
            f"{offer.overseas_supplement_min_percent}–{offer.overseas_supplement_max_percent} %"
            if offer.has_supplement
            else ""
        ),
        "offer": offer.pk,
        "offer_status": offer.status,
        "accepted_at": offer.responded_at.isoformat() if offer.responded_at else "",
        "town": offer.town,
        "schools": [school.name for school in offer.schools.all()],
    }


# --- issuing -----------------------------------------------------------------------------------


def has_letters(offer: Offer) -> bool:
    """An offer the candidate accepted and still holds (appointed or not)."""
    return offer.status == OfferStatus.ACCEPTED


def offer_letter_issue(
    *, offer: Offer, kind: str, language: str, actor: User | None
) -> IssuedLetter:
    """The acceptance letter or the attestation of an accepted offer, in `language`, issued to
    the candidate (the same terms give the same letter; see `tapif.core.letters`)."""
    if not has_letters(offer):
        raise ValueError("Only an accepted offer has letters.")
    template, _stem = LETTERS[kind]
    application = offer.application
    with translation.override(language):
        context = {
            "campaign": offer.round.campaign,
            "number": application.number,
            "terms": offer_terms(offer),
        }
    return letter_issue(
        kind=kind,
        template=template,
        context=context,
        language=language,
        owner=application.candidate,
        number=application.number,
        facts=offer_facts(offer),
        actor=actor,
    )


# --- checking a letter -------------------------------------------------------------------------


def offer_letter_standing(letter: IssuedLetter) -> str:
    """Withdrawn, replaced or valid, from the offer as it is now (module docstring)."""
    if "offer" not in letter.facts:  # not issued by `offer_letter_issue`
        return letter_standing_default(letter)
    offer = _offers().filter(pk=letter.facts.get("offer")).first()
    if (
        offer is None
        or offer.status != OfferStatus.ACCEPTED
        or offer.application.status == ApplicationStatus.WITHDRAWN
    ):
        return LetterStanding.WITHDRAWN
    if letter_newer_differs(letter) and offer_facts(offer) != letter.facts:
        return LetterStanding.REPLACED
    return LetterStanding.VALID


def offer_letter_words(letter: IssuedLetter) -> list[LetterFact]:
    """The facts an offer letter states, in the active language (public ones first)."""
    facts = letter.facts
    contract = ""
    if facts.get("contract_start"):
        months = int(facts.get("contract_months") or 0)
        contract = ngettext(
            "From %(start)s to %(end)s (%(months)s month)",
            "From %(start)s to %(end)s (%(months)s months)",
            months,
        ) % {
            "start": date_words(facts["contract_start"]),
            "end": date_words(facts.get("contract_end")),
            "months": months,
        }
    salary = ""
    if facts.get("monthly_gross_salary"):
        salary = money(Decimal(facts["monthly_gross_salary"]), facts.get("salary_currency", "EUR"))
    words = [
        LetterFact(_("Name"), facts.get("name", ""), public=True),
        LetterFact(_("Position"), _("English-language assistant in French public schools"), True),
        LetterFact(_("Académie"), facts.get("academie", ""), public=True),
        LetterFact(_("School level"), level_label(facts.get("level", "")), public=True),
        LetterFact(_("Contract"), contract, public=True),
        LetterFact(_("Gross monthly salary"), salary, public=True),
    ]
    if facts.get("overseas_supplement"):
        words.append(LetterFact(_("Overseas supplement"), facts["overseas_supplement"], True))
    hours = facts.get("weekly_hours")
    words += [
        LetterFact(_("Candidate number"), facts.get("number", "")),
        LetterFact(
            _("Teaching time"),
            _("%(hours)s h a week") % {"hours": hours} if hours else "—",
        ),
        LetterFact(_("Offer accepted"), date_words(facts.get("accepted_at")) or "—"),
        LetterFact(_("Town"), facts.get("town") or "—"),
        LetterFact(_("Schools"), "; ".join(facts.get("schools", [])) or "—"),
    ]
    return [fact for fact in words if fact.text or not fact.public]


def ranked_list_standing(letter: IssuedLetter) -> str:
    """Replaced once its round is no longer what the list states (frozen, superseded or frozen
    again since); valid otherwise."""
    facts = letter.facts
    selection_round = SelectionRound.objects.filter(
        campaign__school_year=facts.get("campaign"), number=facts.get("round")
    ).first()
    if selection_round is None:
        return LetterStanding.VALID
    if (
        selection_round.status == RoundStatus.SUPERSEDED
        or selection_round.status != facts.get("round_status")
        or (selection_round.snapshot_sha256 or "") != facts.get("snapshot_sha256", "")
    ):
        return LetterStanding.REPLACED
    return LetterStanding.VALID


def ranked_list_words(letter: IssuedLetter) -> list[LetterFact]:
    facts = letter.facts
    status = facts.get("round_status", "")
    counts = facts.get("counts") or {}
    filters = facts.get("filters") or {}
    return [
        LetterFact(_("School year"), facts.get("campaign", ""), public=True),
        LetterFact(_("Selection round"), str(facts.get("round", ""))),
        LetterFact(
            _("Round status"), RoundStatus(status).label if status in RoundStatus.values else status
        ),
        LetterFact(_("Snapshot hash (SHA-256)"), facts.get("snapshot_sha256") or "—"),
        LetterFact(_("Candidates listed"), str(facts.get("rows", ""))),
        LetterFact(_("Decisions"), ", ".join(f"{k}: {v}" for k, v in counts.items()) or "—"),
        LetterFact(_("Filters"), ", ".join(f"{k}: {v}" for k, v in filters.items()) or "—"),
    ]


# --- views -------------------------------------------------------------------------------------


def _offers():
    return Offer.objects.select_related(
        "application__candidate",
        "application__identity",
        "round__campaign",
        "academie",
    )


def _download(request: HttpRequest, offer: Offer, kind: str) -> HttpResponse:
    owner = offer.application.candidate
    letter = offer_letter_issue(
        offer=offer, kind=kind, language=letter_language(request, owner), actor=request.user
    )
    if request.user.pk != owner.pk:
        letter_log_staff_download(letter=letter, actor=request.user)
    return letter_response(letter, filename=letter_filename(letter, LETTERS[kind][1]))


@require_GET
@login_required
def own_letter(request: HttpRequest, kind: str) -> HttpResponse:
    """The signed-in candidate's letter for their accepted offer of the current campaign."""
    offer = (
        _offers()
        .filter(
            application__candidate=request.user,
            application__campaign=campaign_current(),
            status=OfferStatus.ACCEPTED,
        )
        .order_by("-offered_at", "-id")
        .first()
    )
    if offer is None:
        raise Http404(_("You have no accepted offer."))
    return _download(request, offer, kind)


@require_GET
@login_required
def offer_letter(request: HttpRequest, offer_pk: int, kind: str) -> HttpResponse:
    """One offer's letter, for its candidate or for staff who may view offers."""
    if staff_needs_two_factor(request.user):
        return redirect("core:staff_setup_needed")
    offer = _offers().filter(pk=offer_pk).first()
    if offer is None:
        raise Http404
    if offer.application.candidate_id != request.user.pk:
        if not request.user.is_staff:
            raise Http404
        if not request.user.has_perm(STAFF_PERMISSION):
            raise PermissionDenied
    if not has_letters(offer):
        raise Http404(_("This offer has no letter: it is not accepted."))
    return _download(request, offer, kind)
