"""Who takes a freed place: the waitlist promotion rules (issue 9), pure Python.

No Django import on purpose: `placements.offers` reads the round's waitlist from the database,
calls `promote`, and writes what it decides (offers, the promotion log); the rules are tested
here without a database (tests/placements/test_promotion.py, with hypothesis).

The place. A place given back (an offer declined, lapsed, or withdrawn after accepting) is one
académie at one school level. Nobody who already holds a place is moved to it.

The candidates. The round's waitlist, every entry of it, each with where it stands now
(`Standing`): still waiting, or holding a place since (promoted earlier), or having declined or
let an offer lapse, or withdrawn, or not yet told their result. Only those still waiting can be
offered the place; the others, when the promotion passes them, are logged with that reason.

The order. New candidates always come before returning assistants (the programme: returning
assistants are only considered for places new candidates do not take), and within each group:
first the best-ranked who listed the académie among their preferences and teaches at the
place's level ("primary", "secondary" or "either"), then, if nobody listed it, the best-ranked
who teaches at that level. So the order considered is: new who listed it, new who did not,
returning who listed it, returning who did not; rank order within each.

Couples (read as `placements.allocation` reads them: a couple is two candidates naming each
other, "together only" if either partner declared it):
- both partners still waiting and "together only": they go together or not at all. The pair is
  considered at the turn of its later partner (linking never moves anyone earlier: the later of
  the two keys, returning then rank), listed if either partner listed the académie. It needs two
  places in that académie: one partner takes the freed place (at a level they teach) and the
  other a place still vacant there (`vacancies`: places of the académie no offer holds, the freed
  one not counted) at a level they teach; else both are skipped ("couple_two_places").
- "together only" and the partner holds a place: the candidate takes a place only in the
  partner's académie ("couple_elsewhere" otherwise), which counts as listed.
- "together preferred" (they accepted to be placed apart), or the partner is not on the waitlist
  any more (withdrew, declined, not selected): the candidate is considered alone.

The log. One `Considered` per candidate the promotion passed on its way, in waitlist order
(returning, rank), the one offered the place included: everyone ahead of the chosen candidate
in the waitlist's order or in the order considered. A candidate still waiting who fits but did
not list the académie, passed over for a worse-ranked one who did, is logged "not_listed"; a
partner of a couple going together, ahead on the list but whose couple's turn comes later,
"couple_turn". When
nobody can take the place, every candidate is logged with their reason and the place stays
vacant (a later promotion in that académie may still use it for a couple).

Each reason comes with a message for staff and for the log: a code and its parameters
(`{"code": "promotion.…", "params": {…}}`), worded in `placements.messages`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# The same levels and couple modes as the first allocation (also pure Python).
from placements.allocation import LEVELS_TAUGHT, CoupleMode, Level, SchoolLevel


class Standing(StrEnum):
    """Where a candidate of the round's waitlist stands when a place is freed."""

    WAITING = "waiting"
    HOLDS_PLACE = "holds_place"
    DECLINED = "declined"  # declined an offer, or let it lapse
    WITHDRAWN = "withdrawn"
    NOT_WAITING = "not_waiting"  # result not released, or no longer on the waitlist otherwise


class Reason(StrEnum):
    """Why a candidate was offered the place (the first two) or passed over (the others)."""

    LISTED = "listed"
    LEVEL_FITS = "level_fits"
    LEVEL = "level"
    NOT_LISTED = "not_listed"
    HOLDS_PLACE = "holds_place"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    NOT_WAITING = "not_waiting"
    COUPLE_TWO_PLACES = "couple_two_places"
    COUPLE_ELSEWHERE = "couple_elsewhere"
    COUPLE_TURN = "couple_turn"


OFFERED_REASONS = frozenset({Reason.LISTED, Reason.LEVEL_FITS})

_STANDING_REASON = {
    Standing.HOLDS_PLACE: Reason.HOLDS_PLACE,
    Standing.DECLINED: Reason.DECLINED,
    Standing.WITHDRAWN: Reason.WITHDRAWN,
    Standing.NOT_WAITING: Reason.NOT_WAITING,
}


def teaches(school_level: SchoolLevel, level: Level) -> bool:
    """Whether a candidate who declared `school_level` teaches at `level`."""
    return level in LEVELS_TAUGHT[SchoolLevel(school_level)]


@dataclass(frozen=True)
class Place:
    academie: str
    level: Level


@dataclass(frozen=True)
class Waitlisted:
    """One entry of the round's waitlist as the promotion reads it."""

    id: str
    rank: int
    returning: bool = False
    school_level: SchoolLevel = SchoolLevel.EITHER
    preferences: tuple[str, ...] = ()
    standing: Standing = Standing.WAITING
    partner: str | None = None
    couple: CoupleMode = CoupleMode.TOGETHER_PREFERRED
    partner_academie: str | None = None  # where the partner holds a place, if they do

    @property
    def key(self) -> tuple[bool, int]:
        """The waitlist's order: new before returning, then rank."""
        return (self.returning, self.rank)


@dataclass(frozen=True)
class Considered:
    """One candidate the promotion considered: offered `place`, or skipped for `reason`."""

    id: str
    place: Place | None
    reason: Reason
    explanation: dict[str, Any]  # a message: {"code": "promotion.…", "params": {…}}

    @property
    def offered(self) -> bool:
        return self.place is not None


@dataclass(frozen=True)
class Promotion:
    place: Place
    considered: tuple[Considered, ...]  # in waitlist order

    @property
    def offers(self) -> tuple[tuple[str, Place], ...]:
        """(candidate, place) for each offer to make: none, one, or two for a couple."""
        return tuple((c.id, c.place) for c in self.considered if c.place is not None)


class PromotionError(ValueError):
    """A waitlist the promotion cannot read (a programming error, not a user's)."""


# ---------------------------------------------------------------------------------------------
# Messages
# ---------------------------------------------------------------------------------------------


def _message(code: str, **params: Any) -> dict[str, Any]:
    return {"code": code, "params": params}


class _Texts:
    def __init__(self, place: Place, names: Mapping[str, str]) -> None:
        self.place = place
        self.names = names

    def name(self, code: str) -> str:
        return self.names.get(code, code)

    def offered(self, unit: _Unit, member: Waitlisted, got: Place) -> dict[str, Any]:
        """Who was offered the place and why: whether they are a returning assistant and
        whether they listed the académie choose the sentence."""
        where = self.name(got.academie)
        common = {
            "academie": where,
            "level": str(got.level),
            "returning": unit.returning,
            "listed": unit.listed,
        }
        if len(unit.members) == 1:
            return _message("promotion.offered", rank=member.rank, **common)
        partner = next(m for m in unit.members if m.id != member.id)
        first, second = (m.rank for m in unit.members)
        return _message(
            "promotion.offered_couple", partner=partner.id, first=first, second=second, **common
        )

    def skipped(
        self, reason: Reason, member: Waitlisted, chosen: _Unit | None, *, couple: bool = False
    ) -> dict[str, Any]:
        place = self.place
        where = self.name(place.academie)
        level = str(place.level)
        if reason == Reason.LEVEL:
            if couple:  # a couple neither of whom can take the freed level
                return _message("promotion.level_couple", level=level)
            own = LEVELS_TAUGHT[SchoolLevel(member.school_level)]
            return _message("promotion.level", own=str(own[0]), level=level)
        if reason == Reason.NOT_LISTED:
            if chosen is None:
                raise PromotionError("a candidate is passed over for nobody")
            if len(chosen.members) == 2:
                first, second = (m.rank for m in chosen.members)
                return _message(
                    "promotion.not_listed_couple", academie=where, first=first, second=second
                )
            return _message("promotion.not_listed", academie=where, rank=chosen.members[0].rank)
        if reason in (Reason.HOLDS_PLACE, Reason.DECLINED, Reason.WITHDRAWN, Reason.NOT_WAITING):
            return _message(f"promotion.{reason.value}")
        if reason == Reason.COUPLE_TWO_PLACES:
            return _message("promotion.couple_two_places", academie=where, partner=member.partner)
        if reason == Reason.COUPLE_TURN:
            return _message("promotion.couple_turn", partner=member.partner)
        if reason == Reason.COUPLE_ELSEWHERE:
            return _message(
                "promotion.couple_elsewhere",
                academie=self.name(member.partner_academie or ""),
                partner=member.partner,
            )
        raise PromotionError(f"no text for the reason {reason!r}")


# ---------------------------------------------------------------------------------------------
# The algorithm
# ---------------------------------------------------------------------------------------------


@dataclass
class _Unit:
    """A candidate alone, or a couple going together; what the promotion can do with it."""

    members: tuple[Waitlisted, ...]  # best-ranked first
    reason: Reason | None = None  # why it cannot take the place (None: it can)
    listed: bool = False
    places: tuple[Place, ...] = ()  # for each member, the place it would take

    @property
    def returning(self) -> bool:
        return any(m.returning for m in self.members)

    @property
    def key(self) -> tuple[bool, int]:
        """Its turn in the waitlist's order: its later member's."""
        return max(m.key for m in self.members)

    @property
    def order(self) -> tuple[bool, bool, int]:
        """Its turn in the order considered: group, listed first, rank."""
        returning, rank = self.key
        return (returning, not self.listed, rank)


def _check(waitlist: Sequence[Waitlisted]) -> dict[str, Waitlisted]:
    by_id: dict[str, Waitlisted] = {}
    ranks: set[int] = set()
    for candidate in waitlist:
        if candidate.id in by_id:
            raise PromotionError(f"{candidate.id} is listed twice")
        if candidate.rank < 1 or candidate.rank in ranks:
            raise PromotionError(f"{candidate.id}: rank {candidate.rank} is not a free rank")
        by_id[candidate.id] = candidate
        ranks.add(candidate.rank)
    return by_id


def _together(candidate: Waitlisted, by_id: Mapping[str, Waitlisted]) -> Waitlisted | None:
    """The partner a waiting candidate must go with, if both wait and go together only."""
    partner = by_id.get(candidate.partner) if candidate.partner else None
    if (
        partner is None
        or partner.partner != candidate.id
        or candidate.standing != Standing.WAITING
        or partner.standing != Standing.WAITING
        or CoupleMode.TOGETHER_ONLY not in (candidate.couple, partner.couple)
    ):
        return None
    return partner


def _single(candidate: Waitlisted, place: Place) -> _Unit:
    unit = _Unit(members=(candidate,))
    partner_here = candidate.partner_academie == place.academie
    unit.listed = place.academie in candidate.preferences or partner_here
    if candidate.standing != Standing.WAITING:
        unit.reason = _STANDING_REASON[candidate.standing]
    elif not teaches(candidate.school_level, place.level):
        unit.reason = Reason.LEVEL
    elif (
        candidate.couple == CoupleMode.TOGETHER_ONLY
        and candidate.partner_academie is not None
        and not partner_here
    ):
        unit.reason = Reason.COUPLE_ELSEWHERE
    else:
        unit.places = (place,)
    return unit


def _couple(first: Waitlisted, second: Waitlisted, place: Place, vacancies) -> _Unit:
    """A couple going together: one partner on the freed place, the other on a place still
    vacant in the académie at a level they teach (the freed level first)."""
    members = tuple(sorted((first, second), key=lambda m: m.key))
    unit = _Unit(members=members)
    unit.listed = any(place.academie in m.preferences for m in members)
    if not any(teaches(m.school_level, place.level) for m in members):
        unit.reason = Reason.LEVEL
        return unit
    for taker, other in (members, members[::-1]):
        if not teaches(taker.school_level, place.level):
            continue
        taught = LEVELS_TAUGHT[SchoolLevel(other.school_level)]
        levels = sorted(taught, key=lambda lv: lv != place.level)
        for level in levels:
            if vacancies.get(Place(place.academie, level), 0) >= 1:
                second_place = Place(place.academie, level)
                by_member = {taker.id: place, other.id: second_place}
                unit.places = tuple(by_member[m.id] for m in members)
                return unit
    unit.reason = Reason.COUPLE_TWO_PLACES
    return unit


def _units(
    waitlist: Sequence[Waitlisted], place: Place, vacancies: Mapping[Place, int]
) -> list[_Unit]:
    by_id = _check(waitlist)
    units: list[_Unit] = []
    seen: set[str] = set()
    for candidate in sorted(waitlist, key=lambda c: c.key):
        if candidate.id in seen:
            continue
        partner = _together(candidate, by_id)
        if partner is not None:
            seen.update((candidate.id, partner.id))
            units.append(_couple(candidate, partner, place, vacancies))
        else:
            seen.add(candidate.id)
            units.append(_single(candidate, place))
    return units


def promote(
    place: Place,
    waitlist: Iterable[Waitlisted],
    *,
    vacancies: Mapping[Place, int] | None = None,
    names: Mapping[str, str] | None = None,
) -> Promotion:
    """Who is offered the freed `place`, and every candidate passed over (module docstring).

    `vacancies`: places still vacant per académie and level, the freed place not counted (only
    a couple going together uses one). `names`: académie names for the explanations.
    """
    place = Place(place.academie, Level(place.level))
    units = _units(list(waitlist), place, vacancies or {})
    able = sorted((u for u in units if u.reason is None), key=lambda u: u.order)
    chosen = able[0] if able else None
    texts = _Texts(place, names or {})
    considered: list[Considered] = []
    for unit in sorted(units, key=lambda u: (u.key, u.members[0].rank)):
        passed = (
            chosen is None
            or unit is chosen
            or min(m.key for m in unit.members) < chosen.key  # someone ahead on the waitlist
            or unit.order < chosen.order  # considered before
        )
        if not passed:
            continue
        for index, member in enumerate(unit.members):
            if unit is chosen:
                got = unit.places[index]
                reason = Reason.LISTED if unit.listed else Reason.LEVEL_FITS
                considered.append(
                    Considered(member.id, got, reason, texts.offered(unit, member, got))
                )
                continue
            reason = unit.reason or (
                Reason.NOT_LISTED
                if chosen is not None and unit.key < chosen.key
                else Reason.COUPLE_TURN  # a partner ahead, but the couple's turn comes later
            )
            explanation = texts.skipped(reason, member, chosen, couple=len(unit.members) == 2)
            considered.append(Considered(member.id, None, reason, explanation))
    return Promotion(place=place, considered=tuple(considered))
