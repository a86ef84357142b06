"""Reads for the committee's pages: a round's ranked list, its académies, its couples.

A draft round is read from the live preview (`services.round_preview`: today's dossiers and
quotas, nothing saved); a frozen or superseded round from what its freeze stored (`RankEntry`
and `Placement` rows, read in one query, and the input snapshot for the demand per académie).
Both give the same rows, so the pages, the CSV and the PDF do not care which it was.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, FilteredRelation, Max, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from candidates.choices import ApplicationStatus, CoupleStatus
from candidates.models import Application, Couple
from candidates.selectors import CandidateSituation
from placements.allocation import Allocation, Level
from placements.choices import OfferStatus, RankDecision
from placements.models import Offer, Placement, Quota, RankEntry, SelectionRound
from placements.services import (
    CalibrationCompared,
    round_compare_calibration,
    round_preview,
    round_preview_scored,
)
from tapif.core.messages import explain_all
from tapif.core.models import Academie, Campaign, User
from tapif.core.schedule import days_until, local_date

DECISIONS = tuple(RankDecision.values)
LEVELS = (Level.PRIMARY.value, Level.SECONDARY.value)


@dataclass(frozen=True)
class RankedRow:
    """One candidate of a round, as the committee reads it."""

    number: str
    name: str
    rank: int | None
    merit: Decimal | None
    decision: str
    waitlist_position: int | None
    academie_code: str
    academie_name: str
    level: str
    preference_obtained: int | None
    flags: tuple[str, ...]
    explanation_messages: Sequence[Mapping[str, Any]]  # the allocation's, one per sentence
    partner: str | None  # the partner's dossier number, for a confirmed couple in the round

    def explanation(self, language: str) -> str:
        """The explanation worded in `language`."""
        with translation.override(language):
            return explain_all(self.explanation_messages)


@dataclass(frozen=True)
class RoundRows:
    rows: tuple[RankedRow, ...]
    preview: bool  # computed now from the dossiers (a draft round), not read from a freeze
    allocation: Allocation | None = None  # the preview's result, for the per-académie figures


@dataclass(frozen=True)
class AcademieRow:
    code: str
    name: str
    places: dict[str, int]
    filled: dict[str, int]
    cutoff_rank: dict[str, int | None]
    first_choice_requests: int
    any_choice_requests: int

    @property
    def places_total(self) -> int:
        return sum(self.places.values())

    @property
    def ratio(self) -> Decimal | None:
        """First-choice requests per place: above 1, more asked for it first than it can take."""
        if not self.places_total:
            return None
        return (Decimal(self.first_choice_requests) / self.places_total).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class CoupleRow:
    first: RankedRow
    second: RankedRow
    preference: str

    @property
    def together(self) -> bool:
        return bool(self.first.academie_code) and (
            self.first.academie_code == self.second.academie_code
        )

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.first.flags, *self.second.flags)))


@dataclass(frozen=True)
class RowFilter:
    decision: str = ""
    academie: str = ""
    level: str = ""
    couples_only: bool = False
    query: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    def keeps(self, row: RankedRow) -> bool:
        if self.decision and row.decision != self.decision:
            return False
        if self.academie and row.academie_code != self.academie:
            return False
        if self.level and row.level != self.level:
            return False
        if self.couples_only and not row.partner:
            return False
        if self.query:
            needle = self.query.casefold()
            return needle in row.number.casefold() or needle in row.name.casefold()
        return True


# --- rounds ------------------------------------------------------------------------------------


def round_list(*, campaign: Campaign | None) -> QuerySet[SelectionRound]:
    """The campaign's rounds, newest first, with their counts of entries and accepted."""
    if campaign is None:
        return SelectionRound.objects.none()
    return (
        SelectionRound.objects.filter(campaign=campaign)
        .select_related("campaign", "frozen_by")
        .annotate(
            entries_count=Count("entries"),
            accepted_count=Count("entries", filter=Q(entries__decision=RankDecision.ACCEPTED)),
        )
        .order_by("-number")
    )


# --- the ranked list ---------------------------------------------------------------------------


def _partners(campaign: Campaign) -> dict[str, str]:
    """Dossier number → partner's dossier number, for the campaign's confirmed couples."""
    partners: dict[str, str] = {}
    for first, second in Couple.objects.filter(
        status=CoupleStatus.CONFIRMED,
        proposer__campaign=campaign,
        partner__campaign=campaign,
    ).values_list("proposer__number", "partner__number"):
        partners[first] = second
        partners[second] = first
    return partners


def _snapshot_partners(selection_round: SelectionRound) -> dict[str, str]:
    candidates = (selection_round.snapshot or {}).get("candidates", [])
    return {c["id"]: c["partner"] for c in candidates if c.get("partner")}


def _preview_rows(selection_round: SelectionRound) -> RoundRows:
    allocation, scores = round_preview_scored(selection_round)
    numbers = [o.id for o in allocation.outcomes]
    people = {
        number: (f"{first} {last}".strip(), scores.get(number))
        for number, first, last in Application.objects.filter(
            campaign=selection_round.campaign, number__in=numbers
        ).values_list("number", "candidate__first_name", "candidate__last_name")
    }
    names = dict(Academie.objects.values_list("code", "name"))
    partners = _partners(selection_round.campaign)
    rows = tuple(
        RankedRow(
            number=o.id,
            name=people.get(o.id, ("", None))[0],
            rank=o.rank,
            merit=people.get(o.id, ("", None))[1] if o.rank is not None else None,
            decision=str(o.decision),
            waitlist_position=o.waitlist_position,
            academie_code=o.academie or "",
            academie_name=names.get(o.academie, o.academie) if o.academie else "",
            level=str(o.level) if o.level else "",
            preference_obtained=o.preference_obtained,
            flags=tuple(str(flag) for flag in o.flags),
            explanation_messages=o.explanation,
            partner=partners.get(o.id),
        )
        for o in allocation.outcomes
    )
    return RoundRows(rows=rows, preview=True, allocation=allocation)


def frozen_entries(selection_round: SelectionRound) -> QuerySet[RankEntry]:
    """The round's entries with their candidate and placement: one query, in rank order."""
    return (
        RankEntry.objects.filter(round=selection_round)
        .select_related("application__candidate")
        .annotate(
            placed=FilteredRelation(
                "application__placements",
                condition=Q(application__placements__round=selection_round),
            ),
            placed_academie_code=F("placed__academie__code"),
            placed_academie_name=F("placed__academie__name"),
            placed_level=F("placed__level"),
            placed_preference=F("placed__preference_obtained"),
            placed_explanation=F("placed__explanation"),
        )
        .order_by(F("rank").asc(nulls_last=True), "application__number")
    )


def _frozen_rows(selection_round: SelectionRound) -> RoundRows:
    partners = _snapshot_partners(selection_round)
    rows = tuple(
        RankedRow(
            number=entry.application.number,
            name=entry.application.candidate.get_full_name(),
            rank=entry.rank,
            merit=entry.merit,
            decision=entry.decision,
            waitlist_position=entry.waitlist_position,
            academie_code=entry.placed_academie_code or "",
            academie_name=entry.placed_academie_name or "",
            level=entry.placed_level or "",
            preference_obtained=entry.placed_preference,
            flags=tuple(entry.flags or ()),
            explanation_messages=entry.placed_explanation or [],
            partner=partners.get(entry.application.number),
        )
        for entry in frozen_entries(selection_round)
    )
    return RoundRows(rows=rows, preview=False)


def round_rows(*, selection_round: SelectionRound) -> RoundRows:
    """Every candidate of the round in rank order (the unranked last). A draft round is
    previewed now (may raise the services' DomainError); other rounds are read as frozen."""
    if selection_round.is_draft:
        return _preview_rows(selection_round)
    return _frozen_rows(selection_round)


def rows_filter(rows: Iterable[RankedRow], *, row_filter: RowFilter) -> list[RankedRow]:
    return [row for row in rows if row_filter.keeps(row)]


def decision_counts(rows: Sequence[RankedRow]) -> dict[str, int]:
    counts = Counter(row.decision for row in rows)
    return {decision: counts[decision] for decision in DECISIONS}


# --- per académie ------------------------------------------------------------------------------


def _frozen_academies(selection_round: SelectionRound) -> list[AcademieRow]:
    places: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for quota in Quota.objects.filter(round=selection_round).select_related("academie"):
        places[quota.academie.code] = {
            Level.PRIMARY.value: quota.primary,
            Level.SECONDARY.value: quota.secondary,
        }
        names[quota.academie.code] = quota.academie.name
    filled: dict[str, dict[str, int]] = defaultdict(dict)
    cutoff: dict[str, dict[str, int | None]] = defaultdict(dict)
    placed = (
        Placement.objects.filter(round=selection_round, academie__isnull=False)
        .annotate(
            entry=FilteredRelation(
                "application__rank_entries",
                condition=Q(application__rank_entries__round=selection_round),
            )
        )
        .values("academie__code", "academie__name", "level")
        .annotate(filled=Count("id"), cutoff=Max("entry__rank"))
    )
    for row in placed:
        code = row["academie__code"]
        names.setdefault(code, row["academie__name"])
        filled[code][row["level"]] = row["filled"]
        cutoff[code][row["level"]] = row["cutoff"]
    candidates = [
        c
        for c in (selection_round.snapshot or {}).get("candidates", [])
        if c.get("eligible", True) and c.get("score") is not None
    ]
    first = Counter(c["preferences"][0] for c in candidates if c.get("preferences"))
    anywhere = Counter(code for c in candidates for code in c.get("preferences", []))
    missing = (set(first) | set(anywhere)) - set(names)
    names.update(Academie.objects.filter(code__in=missing).values_list("code", "name"))
    return [
        AcademieRow(
            code=code,
            name=names.get(code, code),
            places={level: places.get(code, {}).get(level, 0) for level in LEVELS},
            filled={level: filled[code].get(level, 0) for level in LEVELS},
            cutoff_rank={level: cutoff[code].get(level) for level in LEVELS},
            first_choice_requests=first[code],
            any_choice_requests=anywhere[code],
        )
        for code in sorted(set(names))
    ]


def _preview_academies(allocation: Allocation) -> list[AcademieRow]:
    names = dict(Academie.objects.filter(code__in=allocation.academies).values_list("code", "name"))
    return [
        AcademieRow(
            code=code,
            name=names.get(code, code),
            places={str(level): n for level, n in totals.places.items()},
            filled={str(level): n for level, n in totals.filled.items()},
            cutoff_rank={str(level): r for level, r in totals.cutoff_rank.items()},
            first_choice_requests=totals.first_choice_requests,
            any_choice_requests=totals.any_choice_requests,
        )
        for code, totals in sorted(allocation.academies.items())
    ]


def round_academies(
    *, selection_round: SelectionRound, allocation: Allocation | None = None
) -> list[AcademieRow]:
    """Per académie: places, filled, demand (first and any choice, over the ranked candidates)
    and the rank of the last candidate placed per level. Sorted by code."""
    if selection_round.is_draft:
        return _preview_academies(allocation or round_preview(selection_round))
    return _frozen_academies(selection_round)


# --- couples -----------------------------------------------------------------------------------


def round_couples(*, selection_round: SelectionRound, rows: Sequence[RankedRow]) -> list[CoupleRow]:
    """The campaign's confirmed couples whose two dossiers are in the round, the better-ranked
    partner first, couples in the order of their better-ranked partner."""
    by_number = {row.number: row for row in rows}
    couples = []
    for first, second, preference in Couple.objects.filter(
        status=CoupleStatus.CONFIRMED,
        proposer__campaign=selection_round.campaign,
        partner__campaign=selection_round.campaign,
    ).values_list("proposer__number", "partner__number", "preference"):
        if first not in by_number or second not in by_number:
            continue
        pair = sorted(
            (by_number[first], by_number[second]),
            key=lambda row: (row.rank is None, row.rank or 0, row.number),
        )
        couples.append(CoupleRow(first=pair[0], second=pair[1], preference=preference))
    couples.sort(key=lambda c: (c.first.rank is None, c.first.rank or 0, c.first.number))
    return couples


# --- the candidate's offer pages ---------------------------------------------------------------


class OfferState:
    """What the offer page shows, one value per situation the candidate can be in."""

    OPEN = "open"  # an offer waiting for the answer, before its deadline
    EXPIRED = "expired"  # an offer waiting for the answer, past its deadline
    ACCEPTED = "accepted"
    APPOINTED = "appointed"
    DECLINED = "declined"
    LAPSED = "lapsed"
    WITHDRAWN = "withdrawn"
    WAITLISTED = "waitlisted"
    ACADEMIE_TO_COME = "academie_to_come"  # accepted, no académie given yet


@dataclass(frozen=True)
class Deadline:
    """When an offer must be answered, as the candidate reads it."""

    at: dt.datetime  # aware, shown in the campaign's time zone
    days_left: int


@dataclass(frozen=True)
class OfferSituation:
    """The candidate's situation (`candidates.selectors.candidate_situation`) with their offer:
    what the offer pages show and allow."""

    candidate: CandidateSituation
    offer: Offer | None
    state: str | None  # an OfferState, None when the dossier has nothing here (not selected…)
    deadline: Deadline | None
    title: str
    awaiting_answer: bool  # the offer waits for the candidate's answer (open or expired)
    may_answer: bool  # …and can still be accepted or declined
    holds_place: bool  # the candidate accepted the place (appointed or not)
    shows_withdraw: bool  # the page offers to withdraw (not while an offer waits for an answer)
    withdraw_text: str  # what withdrawing does, as the offer page says it


def _offer_state(candidate: CandidateSituation, offer: Offer | None) -> str | None:
    if candidate.status == ApplicationStatus.WITHDRAWN:
        return OfferState.WITHDRAWN
    if offer is None:
        return {
            ApplicationStatus.WAITLISTED: OfferState.WAITLISTED,
            ApplicationStatus.ACCEPTED: OfferState.ACADEMIE_TO_COME,
        }.get(candidate.status)
    if offer.status == OfferStatus.PENDING:
        return OfferState.OPEN if offer.is_open else OfferState.EXPIRED
    if offer.status == OfferStatus.ACCEPTED:
        if candidate.status == ApplicationStatus.APPOINTED or offer.appointed_at:
            return OfferState.APPOINTED
        return OfferState.ACCEPTED
    return {
        OfferStatus.DECLINED: OfferState.DECLINED,
        OfferStatus.LAPSED: OfferState.LAPSED,
        OfferStatus.WITHDRAWN: OfferState.WITHDRAWN,
    }.get(offer.status)


def _deadline(offer: Offer, campaign: Campaign) -> Deadline:
    zone = campaign.zone
    left = days_until(local_date(offer.respond_by, zone), local_date(timezone.now(), zone))
    return Deadline(at=offer.respond_by, days_left=max(left, 0))


def offer_situation(
    application: Application, *, offer: Offer | None, candidate: CandidateSituation
) -> OfferSituation:
    """The offer pages' situation: `candidate` (the dossier's `candidate_situation`) with the
    state of `offer`, the dossier's latest offer (`placements.offers.offer_for`)."""
    state = _offer_state(candidate, offer)
    waiting = state == OfferState.WAITLISTED
    awaiting_answer = state in (OfferState.OPEN, OfferState.EXPIRED)
    if waiting:
        withdraw_text = gettext(
            "If you no longer wish to be offered a place, withdraw: you leave the waiting list, "
            "and those behind you move up."
        )
    else:
        withdraw_text = gettext(
            "If you can no longer take part, withdraw as soon as you know: your place goes to a "
            "candidate on the waiting list."
        )
    return OfferSituation(
        candidate=candidate,
        offer=offer,
        state=state,
        deadline=_deadline(offer, application.campaign) if offer else None,
        title=gettext("The waiting list") if waiting else gettext("Your offer"),
        awaiting_answer=awaiting_answer,
        may_answer=state == OfferState.OPEN,
        holds_place=state in (OfferState.ACCEPTED, OfferState.APPOINTED),
        shows_withdraw=candidate.may_withdraw and not awaiting_answer,
        withdraw_text=withdraw_text,
    )


# --- the committee's what-if: raw and calibrated merit ------------------------------------------


@dataclass(frozen=True)
class CalibrationRow:
    compared: CalibrationCompared
    name: str


@dataclass(frozen=True)
class CalibrationReading:
    """What the round's calibration page shows: the live comparison of a draft round, or the
    record a frozen round keeps, with the reviewers' names."""

    method: str  # what the round uses (a draft: the campaign's setting; frozen: its record)
    rows: tuple[CalibrationRow, ...] = ()
    record: Mapping[str, Any] = field(default_factory=dict)
    reviewer_names: Mapping[str, str] = field(default_factory=dict)

    @property
    def crossing_up(self) -> list[CalibrationRow]:
        return [row for row in self.rows if row.compared.crosses == "up"]

    @property
    def crossing_down(self) -> list[CalibrationRow]:
        return [row for row in self.rows if row.compared.crosses == "down"]


def round_calibration(*, selection_round: SelectionRound) -> CalibrationReading:
    """A draft round compared with raw and calibrated merit (DomainError when it cannot be
    previewed); a frozen or superseded round's calibration record."""
    if not selection_round.is_draft:
        record = (selection_round.parameters or {}).get("merit_calibration") or {"method": "none"}
        keys = [int(key) for key in record.get("reviewers", {}) if key.isdigit()]
        names = {
            str(user.pk): user.get_full_name() or user.email
            for user in User.objects.filter(pk__in=keys)
        }
        return CalibrationReading(
            method=record.get("method", "none"), record=record, reviewer_names=names
        )
    compared = round_compare_calibration(selection_round)
    full = {
        number: f"{first} {last}".strip()
        for number, first, last in Application.objects.filter(
            campaign=selection_round.campaign, number__in=[c.id for c in compared]
        ).values_list("number", "candidate__first_name", "candidate__last_name")
    }
    return CalibrationReading(
        method=selection_round.campaign.merit_calibration,
        rows=tuple(CalibrationRow(c, full.get(c.id, "")) for c in compared),
    )
