"""Acceptance, waitlist and académie placement of ranked candidates (issue 7, rules 2–6).

Pure Python on purpose (no Django import): the round preview, the frozen round and the
`simulate_selection` command all call `allocate` (or `simulate`, which ranks first with
`selection.ranking.rank`), and the rules are tested without a database.

Places (rule 2). Each académie has a quota of primary and of secondary places; the places are
their sums per level, P primary and S secondary. An académie named in a preference but absent
from the quotas has no place.

Acceptance (rule 2). Only eligible, ranked, new (first-time) candidates can be accepted. They
are taken in rank order and each is accepted if, once accepted, the accepted so far could still
all be given a level they teach: primary-only accepted ≤ P, secondary-only accepted ≤ S, all
accepted ≤ P + S. An "either" candidate thus holds a place without fixing its level; a
primary-only candidate is passed over once P primary-only candidates are accepted (the next
secondary or "either" candidate may still be accepted), and acceptance stops when P + S are.
Acceptance reads only ranks and levels, never the académies asked for.

Waitlist (rule 2), one list, positions 1..n: first the couples sent back by rule 4 ("together
only"), in the order of their turns, higher-ranked partner first; then the new candidates not
accepted, in rank order, at most `waitlist_size` of them; then every returning assistant with a
positive evaluation from their previous académie, in rank order, behind every new candidate
(returning assistants are never accepted in this round). Not selected: the new candidates after
the waitlist, returning assistants without a positive evaluation, and eligible candidates
without a merit score (not ranked). Ineligible candidates (a third participation among them)
are "ineligible" and not ranked.

Turns. The accepted are placed one turn at a time in rank order. A couple (two candidates naming
each other as `partner`, both accepted) has a single turn, the lower-ranked partner's: linking
never moves anyone earlier. A couple with only one partner accepted is two singles.

Placement of a single (rule 3). Levels a candidate may take at their turn: the levels they teach
("either" teaches both) with a free place left somewhere, where a level is closed to an "either"
candidate if taking it would leave an accepted candidate still to be placed without a place at a
level they teach (primary-only still to place ≤ free primary places, likewise secondary, all
still to place ≤ all free places): this is what makes everyone accepted placed, and the only case
where a candidate does not get a place free at their turn (flag `level_reserved`). The candidate
gets the first of their (up to 3) preferences with a free place at a level they may take. If
none has one, the académie with a free place at such a level that the fewest candidates asked
for first (tie: académie code order), flag `fallback`. An "either" candidate who may take both
levels there takes the level that leaves the most places to spare at the tighter level (free
places at a level in all académies minus the accepted still to place who teach only that level);
on a tie, secondary.

Placement of a couple (rule 4), at its turn: the first académie, following the higher-ranked
partner's preferences then the other's, with a place for each partner at a level they may take
(two places when both take the same level); else, among the académies with room for both, the
one the fewest candidates asked for first (tie: code order), flag `fallback`; else as declared
(`couple` of either partner; "together only" if either partner declared it, since one partner
who will only go together cannot be placed apart): "together_only" → both go to the top of the
waitlist, flag `couple_waitlisted`; "together_preferred" (the default) → each placed as a single
at this turn, higher-ranked partner first, flag `couple_apart`. Levels for two "either"
partners: the pair leaving the most places to spare at the tighter level, then the most
secondary places.

What holds (rule 5, tested as properties): no académie gets more than its quota at a level;
everyone accepted is placed (couples sent back by "together only" are no longer accepted); no
envy between turns: when i's turn comes before j's, i never prefers j's académie at j's level,
if i teaches that level, to the one i got — except when i got it with their couple (a joint
choice) or when that level was closed to i (`level_reserved`, above). Preferences rank the
académies listed; an académie not listed is worse than any listed one.

Explanations (rule 6), a list of messages (`{"code": "allocation.…", "params": {…}}`, one per
sentence, worded in `placements.messages`): the rank among the ranked, the decision, the
waitlist position, the académie and level, which preference it was and, for each better one,
why it was not available ("Lyon: the 3 secondary places were taken by candidates ranked 4, 9 and
12"; more than five ranks are summed up by their count and the last one).

Totals per académie: places and filled per level, the rank of the last (highest-ranked number)
candidate placed at each level (its cut-off), first-choice requests and any-choice requests,
both counted over the eligible, ranked candidates (new and returning).

JSON (`from_json` / `to_json`, the `simulate_selection` command's format). Input:
    {"campaign": "2026-2027",                  (optional: the code hashed by the tie rule)
     "tie_break_criteria": ["french_level", ...],   (optional: DEFAULT_TIE_BREAK_CRITERIA)
     "quotas": {"PARIS": {"primary": 3, "secondary": 5}, ...},
     "waitlist_size": 20,
     "candidates": [{"id": "CA27-00042", "score": 81.25 (or "81.25", or null),
                     "eligible": true, "returning": false,
                     "previous_evaluation_positive": false,
                     "school_level": "primary" | "secondary" | "either",
                     "preferences": ["PARIS", "LYON"], "partner": "CA27-00043" or null,
                     "couple": "together_only" | "together_preferred" (optional),
                     "french_level": "B2" or null, "criteria": {"motivation": 4, ...}}]}
Scores are read as Decimal (never a binary float). Output (`to_json`):
    {"candidates": [{"id", "rank", "decision", "waitlist_position", "academie", "level",
                     "preference_obtained", "explanation" (a list of messages), "flags"}],
                    (ranked candidates in rank order, then the others by id)
     "academies": {CODE: {"places": {"primary", "secondary"}, "filled": {...},
                          "cutoff_rank": {...}, "first_choice_requests",
                          "any_choice_requests"}},
     "totals": {"places", "accepted", "placed", "waitlisted", "not_selected", "ineligible"}}
Every refusal is an `AllocationError` with a code and its parameters (worded by
`placements.messages`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property, partial
from itertools import product
from typing import Any

from selection.ranking import DEFAULT_TIE_BREAK_CRITERIA, RankingError, RankInput, rank

MAX_PREFERENCES = 3
_LISTED_RANKS = 5  # more ranks than this are summed up in an explanation


# A message: a code and its (JSON-serialisable) parameters, worded where it is shown
# (`tapif.core.messages.explain_message`); a plain dict so that this module imports no Django.
Message = dict[str, Any]


def _message(code: str, **params: Any) -> Message:
    return {"code": code, "params": params}


def _messages(*messages: Message) -> list[Message]:
    return list(messages)


class AllocationError(ValueError):
    """An input the allocation cannot use, as a code and its parameters (`message`); `ids`
    names the candidates at fault, if any."""

    def __init__(
        self, code: str, params: Mapping[str, Any] | None = None, *, ids: Iterable[str] = ()
    ) -> None:
        self.code = code
        self.params = dict(params or {})
        self.ids = tuple(ids)
        super().__init__(code, self.params)

    @property
    def message(self) -> Message:
        return {"code": self.code, "params": self.params}

    def __str__(self) -> str:
        return f"{self.code} {self.params}"


class Level(StrEnum):
    """The level of a place (the values of `tapif.core.choices.SchoolLevel`, pinned by a test)."""

    PRIMARY = "primary"
    SECONDARY = "secondary"


class SchoolLevel(StrEnum):
    """The level a candidate asks to teach at: a `Level`, or either."""

    PRIMARY = Level.PRIMARY.value
    SECONDARY = Level.SECONDARY.value
    EITHER = "either"


#: The levels a candidate teaches at, by the level they asked for ("either" teaches both).
LEVELS_TAUGHT: Mapping[SchoolLevel, tuple[Level, ...]] = {
    SchoolLevel.PRIMARY: (Level.PRIMARY,),
    SchoolLevel.SECONDARY: (Level.SECONDARY,),
    SchoolLevel.EITHER: (Level.PRIMARY, Level.SECONDARY),
}


class Decision(StrEnum):
    """The committee's decision on a candidate (`placements.choices.RankDecision` stores it)."""

    ACCEPTED = "accepted"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"
    INELIGIBLE = "ineligible"


class CoupleMode(StrEnum):
    TOGETHER_ONLY = "together_only"
    TOGETHER_PREFERRED = "together_preferred"


class Flag(StrEnum):
    COUPLE_TOGETHER = "couple_together"
    COUPLE_APART = "couple_apart"
    COUPLE_WAITLISTED = "couple_waitlisted"
    FALLBACK = "fallback"
    LEVEL_RESERVED = "level_reserved"


@dataclass(frozen=True)
class Quota:
    primary: int
    secondary: int


@dataclass(frozen=True)
class Applicant:
    """One candidate as the allocation reads them; `rank` is None when not ranked."""

    id: str
    rank: int | None
    eligible: bool = True
    returning: bool = False
    previous_evaluation_positive: bool = False
    school_level: SchoolLevel = SchoolLevel.EITHER
    preferences: tuple[str, ...] = ()
    partner: str | None = None
    couple: CoupleMode = CoupleMode.TOGETHER_PREFERRED


@dataclass(frozen=True)
class Outcome:
    """One candidate's outcome. `explanation` (one message per sentence) is written the first
    time it is read, from the final state of the allocation: a committee reads a few, the
    freeze stores them all, and a what-if on 100,000 candidates need not write any."""

    id: str
    rank: int | None
    decision: Decision
    waitlist_position: int | None
    academie: str | None
    level: Level | None
    preference_obtained: int | None  # 1..3, None outside the preferences or not placed
    flags: tuple[Flag, ...] = ()
    explain: Callable[[], list[Message]] = field(
        default=list, repr=False, compare=False, kw_only=True
    )

    @cached_property
    def explanation(self) -> list[Message]:
        return self.explain()


def _outcome(
    applicant: Applicant, decision: Decision, explain: Callable[[], list[Message]], **fields: Any
) -> Outcome:
    """An outcome for the applicant (at their rank, unplaced unless `fields` say otherwise)."""
    values: dict[str, Any] = {
        "rank": applicant.rank,
        "waitlist_position": None,
        "academie": None,
        "level": None,
        "preference_obtained": None,
        **fields,
    }
    return Outcome(id=applicant.id, decision=decision, explain=explain, **values)


@dataclass(frozen=True)
class AcademieTotals:
    places: Mapping[Level, int]
    filled: Mapping[Level, int]
    cutoff_rank: Mapping[Level, int | None]
    first_choice_requests: int
    any_choice_requests: int


@dataclass(frozen=True)
class Allocation:
    outcomes: tuple[Outcome, ...]  # ranked candidates in rank order, then the others by id
    academies: Mapping[str, AcademieTotals]

    def by_id(self) -> dict[str, Outcome]:
        return {outcome.id: outcome for outcome in self.outcomes}


# ---------------------------------------------------------------------------------------------
# Checking the input
# ---------------------------------------------------------------------------------------------

_LEVELS = (Level.PRIMARY, Level.SECONDARY)
_P, _S = 0, 1  # level indexes inside the algorithm
_TEACHES = {wish: tuple(map(_LEVELS.index, levels)) for wish, levels in LEVELS_TAUGHT.items()}
# Kinds of accepted candidates still to place: primary-only, secondary-only, either.
_KIND = {SchoolLevel.PRIMARY: 0, SchoolLevel.SECONDARY: 1, SchoolLevel.EITHER: 2}


def _error(code: str, ids: Iterable[str] = (), **params: Any) -> AllocationError:
    return AllocationError(f"allocation.error.{code}", params, ids=ids)


def _check_quotas(quotas: Mapping[str, Quota]) -> None:
    for code, quota in quotas.items():
        for number in (quota.primary, quota.secondary):
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise _error("quota", academie=code, value=repr(number))


def _check_applicants(applicants: Sequence[Applicant]) -> dict[str, Applicant]:
    by_id: dict[str, Applicant] = {}
    ranks: set[int] = set()
    for applicant in applicants:
        if applicant.id in by_id:
            raise _error("repeated", [applicant.id], id=applicant.id)
        by_id[applicant.id] = applicant
        if applicant.rank is not None:
            if applicant.rank in ranks or applicant.rank < 1:
                raise _error("rank", [applicant.id], id=applicant.id, rank=applicant.rank)
            ranks.add(applicant.rank)
        prefs = applicant.preferences
        if len(prefs) > MAX_PREFERENCES or len(set(prefs)) != len(prefs):
            raise _error(
                "preferences",
                [applicant.id],
                id=applicant.id,
                max=MAX_PREFERENCES,
                preferences=str(list(prefs)),
            )
    for applicant in applicants:
        partner = by_id.get(applicant.partner) if applicant.partner else None
        if applicant.partner and (partner is None or partner.partner != applicant.id):
            raise _error("partner", [applicant.id], id=applicant.id, partner=applicant.partner)
    return by_id


# ---------------------------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------------------------


class _Texts:
    """The reasons an académie-level was not available, made once per académie-level."""

    def __init__(self, places: list[list[int]], occupants: list[list[list[int]]]) -> None:
        self.places = places
        self.occupants = occupants
        self.cache: dict[tuple[int, int, str], Message] = {}

    def reason(self, academie: int, level: int, why: str) -> Message:
        key = (academie, level, why)
        if key not in self.cache:
            self.cache[key] = self._reason(academie, level, why)
        return self.cache[key]

    def _reason(self, academie: int, level: int, why: str) -> Message:
        name = str(_LEVELS[level])
        if why == "reserved":
            return _message("allocation.level_reserved", level=name)
        count = self.places[academie][level]
        if count == 0:
            return _message("allocation.level_none", level=name)
        # A full académie-level: its occupants are as many as its places.
        ranks = sorted(self.occupants[academie][level])
        if len(ranks) > _LISTED_RANKS:
            return _message(
                "allocation.places_taken_by_better", level=name, count=count, last=ranks[-1]
            )
        if count > 1:
            return _message("allocation.places_taken", level=name, count=count, ranks=ranks)
        return _message("allocation.place_taken", level=name, ranks=ranks)


# ---------------------------------------------------------------------------------------------
# The algorithm
# ---------------------------------------------------------------------------------------------


@dataclass
class _Placed:
    academie: int
    level: int
    preference: int | None
    flags: list[Flag] = field(default_factory=list)
    # Better preferences: (académie, ((level, "full" | "reserved"), ...)) for each.
    missed: list[tuple[int, tuple[tuple[int, str], ...]]] = field(default_factory=list)
    fallback_requests: int | None = None
    couple_note: Message | None = None


class _Board:
    """Free places, the accepted still to place and the occupants of each académie-level."""

    def __init__(
        self,
        codes: list[str],
        quotas: Mapping[str, Quota],
        first: Counter,
        names: Mapping[str, str] | None = None,
    ) -> None:
        self.codes = codes
        # What explanations call each académie: its name when given, else its code.
        self.labels = [(names or {}).get(code, code) for code in codes]
        self.places = [
            [quotas[c].primary, quotas[c].secondary] if c in quotas else [0, 0] for c in codes
        ]
        self.free = [list(row) for row in self.places]
        self.free_total = [sum(row[_P] for row in self.free), sum(row[_S] for row in self.free)]
        self.to_place = [0, 0, 0]  # primary-only, secondary-only, either
        self.occupants: list[list[list[int]]] = [[[], []] for _ in codes]
        # Académies by fewest first-choice requests, then code; one cursor per level skips the
        # full ones (places are never freed, so a cursor only moves forward).
        self.by_demand = sorted(range(len(codes)), key=lambda a: (first[codes[a]], codes[a]))
        self.demand_position = {a: n for n, a in enumerate(self.by_demand)}
        self.first = [first[c] for c in codes]
        self.cursor = [0, 0]

    def feasible(self, kinds: Sequence[int], levels: Sequence[int]) -> bool:
        """Whether the accepted still to place, without `kinds`, fit in the free places once
        `levels` are taken."""
        rest = list(self.to_place)
        for kind in kinds:
            rest[kind] -= 1
        free = list(self.free_total)
        for level in levels:
            free[level] -= 1
        if min(free) < 0:
            return False
        return rest[0] <= free[_P] and rest[1] <= free[_S] and sum(rest) <= free[_P] + free[_S]

    def spare(self, kinds: Sequence[int], levels: Sequence[int]) -> tuple[int, int]:
        """Places to spare at the tighter level once `levels` are taken, then secondary taken."""
        rest = list(self.to_place)
        for kind in kinds:
            rest[kind] -= 1
        free = list(self.free_total)
        for level in levels:
            free[level] -= 1
        return (min(free[_P] - rest[0], free[_S] - rest[1]), levels.count(_S))

    def take(self, academie: int, level: int, kind: int, rank: int) -> None:
        self.free[academie][level] -= 1
        self.free_total[level] -= 1
        self.to_place[kind] -= 1
        self.occupants[academie][level].append(rank)

    def first_with_room(self, level: int) -> int | None:
        order, position = self.by_demand, self.cursor[level]
        while position < len(order) and self.free[order[position]][level] == 0:
            position += 1
        self.cursor[level] = position
        return order[position] if position < len(order) else None


def _may_take(board: _Board, kind: int, teaches: Sequence[int]) -> tuple[list[int], list[int]]:
    """The levels a single may take now, and those closed only to keep places for others."""
    open_levels, reserved = [], []
    for level in teaches:
        if board.free_total[level] == 0:
            continue
        (open_levels if board.feasible([kind], [level]) else reserved).append(level)
    return open_levels, reserved


def _place_single(
    board: _Board, applicant: Applicant, index: Mapping[str, int], couple_flag: Flag | None
) -> _Placed | None:
    kind = _KIND[applicant.school_level]
    open_levels, reserved = _may_take(board, kind, _TEACHES[applicant.school_level])
    if not open_levels:
        return None
    missed = []
    chosen: tuple[int, int, int | None] | None = None
    for position, code in enumerate(applicant.preferences, start=1):
        academie = index[code]
        levels = [level for level in open_levels if board.free[academie][level] > 0]
        if levels:
            level = max(levels, key=lambda lv: board.spare([kind], [lv]))
            chosen = (academie, level, position)
            break
        why = tuple(
            (level, "reserved" if level in reserved and board.free[academie][level] else "full")
            for level in _TEACHES[applicant.school_level]
        )
        missed.append((academie, why))
    placed_flags = [couple_flag] if couple_flag else []
    fallback_requests = None
    if chosen is None:
        candidates = {level: board.first_with_room(level) for level in open_levels}
        academie = min(
            (a for a in candidates.values() if a is not None),
            key=lambda a: board.demand_position[a],
        )
        levels = [lv for lv, a in candidates.items() if a == academie]
        level = max(levels, key=lambda lv: board.spare([kind], [lv]))
        chosen = (academie, level, None)
        placed_flags.append(Flag.FALLBACK)
        fallback_requests = board.first[academie]
    academie, level, preference = chosen
    if reserved and any(why == "reserved" for _, whys in missed for _, why in whys):
        placed_flags.append(Flag.LEVEL_RESERVED)
    board.take(academie, level, kind, applicant.rank or 0)
    return _Placed(academie, level, preference, placed_flags, missed, fallback_requests)


def _couple_levels(
    board: _Board, academie: int, first: Applicant, second: Applicant
) -> tuple[int, int] | None:
    kinds = [_KIND[first.school_level], _KIND[second.school_level]]
    best = None
    for pair in product(_TEACHES[first.school_level], _TEACHES[second.school_level]):
        need = Counter(pair)
        if any(board.free[academie][level] < count for level, count in need.items()):
            continue
        if not board.feasible(kinds, pair):
            continue
        key = board.spare(kinds, pair)
        if best is None or key > best[0]:
            best = (key, pair)
    return best[1] if best else None


def _place_couple(
    board: _Board, higher: Applicant, lower: Applicant, index: Mapping[str, int]
) -> tuple[_Placed, _Placed] | None:
    """Both partners in one académie (rule 4), or None when no académie has room for both."""
    tried = list(dict.fromkeys((*higher.preferences, *lower.preferences)))
    found = None
    passed = []
    for code in tried:
        levels = _couple_levels(board, index[code], higher, lower)
        if levels:
            found = (index[code], levels, False)
            break
        passed.append(board.labels[index[code]])
    if found is None:
        for academie in board.by_demand:
            levels = _couple_levels(board, academie, higher, lower)
            if levels:
                found = (academie, levels, True)
                break
    if found is None:
        return None
    academie, (level_higher, level_lower), fallback = found
    code = board.codes[academie]
    results = []
    for person, level in ((higher, level_higher), (lower, level_lower)):
        board.take(academie, level, _KIND[person.school_level], person.rank or 0)
        position = person.preferences.index(code) + 1 if code in person.preferences else None
        flags = [Flag.COUPLE_TOGETHER] + ([Flag.FALLBACK] if fallback else [])
        placed = _Placed(academie, level, position, flags)
        if fallback:
            placed.fallback_requests = board.first[academie]
        if passed:
            placed.couple_note = _message("allocation.couple_no_room", academies=passed)
        results.append(placed)
    return results[0], results[1]


def allocate(
    applicants: Sequence[Applicant],
    quotas: Mapping[str, Quota],
    *,
    waitlist_size: int,
    names: Mapping[str, str] | None = None,
) -> Allocation:
    """Decisions, waitlist and placements of `applicants` (rules in the module docstring).

    `names` gives the académies' names for the explanations (codes are used where missing).
    """
    if isinstance(waitlist_size, bool) or not isinstance(waitlist_size, int) or waitlist_size < 0:
        raise _error("waitlist_size", value=repr(waitlist_size))
    _check_quotas(quotas)
    by_id = _check_applicants(applicants)
    ranked = sorted(
        (a for a in applicants if a.eligible and a.rank is not None), key=lambda a: a.rank or 0
    )
    first = Counter(a.preferences[0] for a in ranked if a.preferences)
    anywhere = Counter(code for a in ranked for code in a.preferences)
    codes = sorted(set(quotas) | set(anywhere))
    index = {code: i for i, code in enumerate(codes)}
    board = _Board(codes, quotas, first, names)
    places = list(board.free_total)

    # Rule 2: acceptance in rank order, by level counts only.
    accepted: list[Applicant] = []
    counts = [0, 0, 0]
    waiting: list[Applicant] = []
    returning: list[Applicant] = []
    for applicant in ranked:
        if applicant.returning:
            if applicant.previous_evaluation_positive:
                returning.append(applicant)
            continue
        kind = _KIND[applicant.school_level]
        if (
            sum(counts) < places[_P] + places[_S]
            and (kind != 0 or counts[0] < places[_P])
            and (kind != 1 or counts[1] < places[_S])
        ):
            counts[kind] += 1
            accepted.append(applicant)
        else:
            waiting.append(applicant)
    board.to_place = list(counts)
    accepted_ids = {a.id for a in accepted}

    # Rules 3 and 4: turns in rank order; a couple of accepted partners at the lower's turn.
    placed: dict[str, _Placed] = {}
    sent_back: list[Applicant] = []
    for applicant in accepted:
        partner = by_id.get(applicant.partner) if applicant.partner else None
        if partner is None or partner.id not in accepted_ids:
            result = _place_single(board, applicant, index, None)
            if result:
                placed[applicant.id] = result
            continue
        if (partner.rank or 0) > (applicant.rank or 0):
            continue  # the couple's turn is the lower-ranked partner's
        higher, lower = partner, applicant
        together = _place_couple(board, higher, lower, index)
        if together:
            placed[higher.id], placed[lower.id] = together
        elif CoupleMode.TOGETHER_ONLY in (higher.couple, lower.couple):
            for person in (higher, lower):
                board.to_place[_KIND[person.school_level]] -= 1
                sent_back.append(person)
        else:
            for person in (higher, lower):
                result = _place_single(board, person, index, Flag.COUPLE_APART)
                if result:
                    placed[person.id] = result
    sent_back_ids = {a.id for a in sent_back}

    waitlist = [*sent_back, *waiting[:waitlist_size], *returning]
    position_of = {a.id: i for i, a in enumerate(waitlist, start=1)}
    texts = _Texts(board.places, board.occupants)
    context = _Context(len(ranked), places, waitlist_size, by_id, board, texts)
    outcomes = []
    for applicant in ranked:
        if applicant.id in placed:
            outcomes.append(context.placed(applicant, placed[applicant.id]))
        elif applicant.id in position_of:
            outcomes.append(
                context.waitlisted(
                    applicant, position_of[applicant.id], applicant.id in sent_back_ids
                )
            )
        elif applicant.id in accepted_ids:  # only if the places could not hold everyone
            outcomes.append(context.unplaced(applicant))
        else:
            outcomes.append(context.not_selected(applicant))
    for applicant in sorted(
        (a for a in applicants if not (a.eligible and a.rank is not None)), key=lambda a: a.id
    ):
        outcomes.append(context.unranked(applicant))

    academies = {}
    for code, i in index.items():
        occupants = board.occupants[i]
        academies[code] = AcademieTotals(
            places={level: board.places[i][n] for n, level in enumerate(_LEVELS)},
            filled={level: len(occupants[n]) for n, level in enumerate(_LEVELS)},
            cutoff_rank={
                level: max(occupants[n]) if occupants[n] else None
                for n, level in enumerate(_LEVELS)
            },
            first_choice_requests=first[code],
            any_choice_requests=anywhere[code],
        )
    return Allocation(outcomes=tuple(outcomes), academies=academies)


@dataclass
class _Context:
    """What every explanation needs; builds the outcomes."""

    ranked_count: int
    places: list[int]
    waitlist_size: int
    by_id: Mapping[str, Applicant]
    board: _Board
    texts: _Texts

    def _rank(self, applicant: Applicant) -> Message:
        return _message("allocation.rank", rank=applicant.rank, count=self.ranked_count)

    def placed(self, applicant: Applicant, result: _Placed) -> Outcome:
        return Outcome(
            id=applicant.id,
            rank=applicant.rank,
            decision=Decision.ACCEPTED,
            waitlist_position=None,
            academie=self.board.codes[result.academie],
            level=_LEVELS[result.level],
            preference_obtained=result.preference,
            flags=tuple(result.flags),
            explain=partial(self._placed_explanation, applicant, result),
        )

    def _placed_explanation(self, applicant: Applicant, result: _Placed) -> list[Message]:
        label = self.board.labels[result.academie]
        level = str(_LEVELS[result.level])
        explanation = [self._rank(applicant), _message("allocation.accepted")]
        if result.preference:
            explanation.append(
                _message(
                    "allocation.placed_preference",
                    academie=label,
                    level=level,
                    preference=result.preference,
                )
            )
        else:
            explanation.append(_message("allocation.placed", academie=label, level=level))
        if Flag.COUPLE_TOGETHER in result.flags:
            partner = self.by_id[applicant.partner or ""]
            turn = max(partner.rank or 0, applicant.rank or 0)
            explanation.append(
                _message("allocation.couple_together", partner_rank=partner.rank, turn=turn)
            )
            if result.couple_note:
                explanation.append(result.couple_note)
        if Flag.COUPLE_APART in result.flags:
            partner = self.by_id[applicant.partner or ""]
            explanation.append(_message("allocation.couple_apart", partner_rank=partner.rank))
        for academie, whys in result.missed:
            explanation.append(
                _message(
                    "allocation.missed",
                    academie=self.board.labels[academie],
                    reasons=[self.texts.reason(academie, level, why) for level, why in whys],
                )
            )
        if Flag.FALLBACK in result.flags:
            together = Flag.COUPLE_TOGETHER in result.flags
            explanation.append(
                _message(
                    "allocation.fallback_couple" if together else "allocation.fallback",
                    academie=label,
                    requests=result.fallback_requests,
                )
            )
        return explanation

    def waitlisted(self, applicant: Applicant, position: int, sent_back: bool) -> Outcome:
        return _outcome(
            applicant,
            Decision.WAITLISTED,
            partial(self._waitlisted_explanation, applicant, position, sent_back),
            waitlist_position=position,
            flags=(Flag.COUPLE_WAITLISTED,) if sent_back else (),
        )

    def _waitlisted_explanation(
        self, applicant: Applicant, position: int, sent_back: bool
    ) -> list[Message]:
        if sent_back:
            why = [_message("allocation.couple_sent_back")]
        elif applicant.returning:
            why = [_message("allocation.returning_waitlisted")]
        else:
            why = [self._no_place(applicant)]
        return [self._rank(applicant), _message("allocation.waitlisted", position=position), *why]

    def _no_place(self, applicant: Applicant) -> Message:
        levels = _TEACHES[applicant.school_level]
        return _message(
            "allocation.no_place",
            count=sum(self.places[level] for level in levels),
            levels=[str(_LEVELS[level]) for level in levels],
        )

    def unplaced(self, applicant: Applicant) -> Outcome:
        return _outcome(
            applicant, Decision.ACCEPTED, partial(self._unplaced_explanation, applicant)
        )

    def _unplaced_explanation(self, applicant: Applicant) -> list[Message]:
        return [self._rank(applicant), _message("allocation.accepted_unplaced")]

    def not_selected(self, applicant: Applicant) -> Outcome:
        return _outcome(
            applicant, Decision.NOT_SELECTED, partial(self._not_selected_explanation, applicant)
        )

    def _not_selected_explanation(self, applicant: Applicant) -> list[Message]:
        if applicant.returning:
            why = [_message("allocation.returning_not_evaluated")]
        else:
            why = [
                self._no_place(applicant),
                _message("allocation.waitlist_full", size=self.waitlist_size),
            ]
        return [self._rank(applicant), _message("allocation.not_selected"), *why]

    def unranked(self, applicant: Applicant) -> Outcome:
        if not applicant.eligible:
            decision, code = Decision.INELIGIBLE, "allocation.ineligible"
        else:
            decision, code = Decision.NOT_SELECTED, "allocation.unscored"
        return _outcome(applicant, decision, partial(_messages, _message(code)), rank=None)


# ---------------------------------------------------------------------------------------------
# Ranking then allocating, and the JSON format
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One candidate of a what-if run: what the ranking and the allocation read."""

    id: str
    score: Decimal | None
    eligible: bool
    returning: bool = False
    previous_evaluation_positive: bool = False
    school_level: SchoolLevel = SchoolLevel.EITHER
    preferences: tuple[str, ...] = ()
    partner: str | None = None
    couple: CoupleMode = CoupleMode.TOGETHER_PREFERRED
    french_level: str | None = None
    criteria: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class SelectionInput:
    quotas: Mapping[str, Quota]
    waitlist_size: int
    candidates: tuple[Candidate, ...]
    campaign: str = ""
    tie_break_criteria: tuple[str, ...] = DEFAULT_TIE_BREAK_CRITERIA
    academie_names: Mapping[str, str] = field(default_factory=dict)


def simulate(selection: SelectionInput) -> Allocation:
    """Rank the eligible candidates (`selection.ranking.rank`), then `allocate`."""
    try:
        ranking = rank(
            [
                RankInput(c.id, c.score, c.french_level, c.criteria)
                for c in selection.candidates
                if c.eligible
            ],
            campaign_code=selection.campaign,
            criteria_order=selection.tie_break_criteria,
        )
    except RankingError as error:
        raise ranking_refusal(error) from error
    ranks = ranking.rank_of()
    applicants = [
        Applicant(
            id=c.id,
            rank=ranks.get(c.id),
            eligible=c.eligible,
            returning=c.returning,
            previous_evaluation_positive=c.previous_evaluation_positive,
            school_level=c.school_level,
            preferences=c.preferences,
            partner=c.partner,
            couple=c.couple,
        )
        for c in selection.candidates
    ]
    return allocate(
        applicants,
        selection.quotas,
        waitlist_size=selection.waitlist_size,
        names=selection.academie_names,
    )


def ranking_refusal(error: RankingError) -> AllocationError:
    """The ranking's refusal as the allocation's, with the same code and parameters."""
    return AllocationError(error.code, error.params, ids=error.ids)


def _field(record: Mapping[str, Any], name: str, kind: type | tuple[type, ...], where: str) -> Any:
    if name not in record:
        raise _error("missing", where=where, name=name)
    value = record[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _types(kind)):
        raise _error("type", where=where, name=name, value=repr(value))
    return value


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _choice[E: StrEnum](enum: type[E], value: Any, where: str, name: str) -> E:
    try:
        return enum(value)
    except ValueError:
        choices = ", ".join(enum)
        raise _error("choice", where=where, name=name, choices=choices, value=repr(value)) from None


def _candidate(record: Any, number: int) -> Candidate:
    where = f"candidates[{number}]"
    if not isinstance(record, dict):
        raise _error("object", where=where)
    candidate_id = _field(record, "id", str, where)
    where = f"candidate {candidate_id}"
    score = record.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, Decimal | int | str):
            raise _error("score", where=where, value=repr(score))
        try:
            score = Decimal(score)
        except ArithmeticError:
            raise _error("score", where=where, value=repr(score)) from None
    preferences = record.get("preferences") or []
    criteria = record.get("criteria") or {}
    if not isinstance(preferences, list) or not all(isinstance(p, str) for p in preferences):
        raise _error("preferences_list", where=where)
    if not isinstance(criteria, dict):
        raise _error("criteria", where=where)
    partner = record.get("partner")
    if partner is not None and not isinstance(partner, str):
        raise _error("partner_id", where=where)
    return Candidate(
        id=candidate_id,
        score=score,
        eligible=_field(record, "eligible", bool, where),
        returning=bool(record.get("returning", False)),
        previous_evaluation_positive=bool(record.get("previous_evaluation_positive", False)),
        school_level=_choice(
            SchoolLevel, record.get("school_level", "either"), where, "school_level"
        ),
        preferences=tuple(preferences),
        partner=partner,
        couple=_choice(
            CoupleMode, record.get("couple") or CoupleMode.TOGETHER_PREFERRED, where, "couple"
        ),
        french_level=record.get("french_level"),
        criteria=dict(criteria),
    )


def from_json(text: str) -> SelectionInput:
    """A what-if run read from the JSON format of the module docstring."""
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise _error("json", error=error.msg, line=error.lineno) from None
    if not isinstance(data, dict):
        raise _error("json_object")
    quotas = {}
    for code, quota in _field(data, "quotas", dict, "quotas").items():
        if not isinstance(quota, dict):
            raise _error("quota_object", academie=code)
        quotas[code] = Quota(
            primary=_field(quota, "primary", int, f"quotas.{code}"),
            secondary=_field(quota, "secondary", int, f"quotas.{code}"),
        )
    records = _field(data, "candidates", list, "candidates")
    criteria = data.get("tie_break_criteria", list(DEFAULT_TIE_BREAK_CRITERIA))
    if not isinstance(criteria, list) or not all(isinstance(c, str) for c in criteria):
        raise _error("tie_break_criteria")
    names = data.get("academie_names", {})
    if not isinstance(names, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in names.items()
    ):
        raise _error("academie_names")
    return SelectionInput(
        quotas=quotas,
        waitlist_size=_field(data, "waitlist_size", int, "waitlist_size"),
        candidates=tuple(_candidate(record, n) for n, record in enumerate(records)),
        campaign=str(data.get("campaign", "")),
        tie_break_criteria=tuple(criteria),
        academie_names=names,
    )


def to_dict(allocation: Allocation) -> dict[str, Any]:
    """The output of the JSON format as plain data."""
    outcomes = allocation.outcomes
    totals = Counter(o.decision for o in outcomes)
    return {
        "candidates": [
            {
                "id": o.id,
                "rank": o.rank,
                "decision": str(o.decision),
                "waitlist_position": o.waitlist_position,
                "academie": o.academie,
                "level": str(o.level) if o.level else None,
                "preference_obtained": o.preference_obtained,
                "explanation": o.explanation,
                "flags": [str(flag) for flag in o.flags],
            }
            for o in outcomes
        ],
        "academies": {
            code: {
                "places": {str(level): n for level, n in totals_.places.items()},
                "filled": {str(level): n for level, n in totals_.filled.items()},
                "cutoff_rank": {str(level): r for level, r in totals_.cutoff_rank.items()},
                "first_choice_requests": totals_.first_choice_requests,
                "any_choice_requests": totals_.any_choice_requests,
            }
            for code, totals_ in allocation.academies.items()
        },
        "totals": {
            "places": sum(sum(t.places.values()) for t in allocation.academies.values()),
            "accepted": totals[Decision.ACCEPTED],
            "placed": sum(1 for o in outcomes if o.academie),
            "waitlisted": totals[Decision.WAITLISTED],
            "not_selected": totals[Decision.NOT_SELECTED],
            "ineligible": totals[Decision.INELIGIBLE],
        },
    }


def to_json(allocation: Allocation, *, indent: int | None = 2) -> str:
    """The output of the JSON format (module docstring), non-ASCII kept as is."""
    return json.dumps(to_dict(allocation), ensure_ascii=False, indent=indent)
