"""The committee's merit ranking of dossiers (issue 7, rule 1).

Pure Python on purpose (no Django import): the round preview, the frozen round and the
`simulate_selection` command all call `rank`, and the rule is tested without a database.

The rules:
- Only the merit score ranks: higher first. Submission time, the order of the input and the
  candidate's name never count. A candidate whose score is None (not reviewed yet) is not
  ranked: `Ranking.unscored` returns their ids apart, sorted.
- Equal scores (compared as numbers: 80.0 equals 80.00) are broken by this published rule, each
  step used only when all the previous ones are equal:
  1. the French level, higher CEFR level first (C2, C1, B2, B1, A2, A1; no level known last);
  2. the criteria points, in the order of `criteria_order` (a tuple of criterion codes the
     campaign publishes, `DEFAULT_TIE_BREAK_CRITERIA` unless given): more points on the first
     code first, then on the second, and so on; a criterion without points ranks below 0 points;
  3. sha256 of `"{candidate id}|{campaign code}"` as a hexadecimal text, lower first: a draw
     nobody can steer (the id is fixed before the scores are known) that changes every campaign,
     so the same candidate is not always last of a tie.
  The ids are distinct, so the ranking is a total order: the same candidates given in any order
  give the same ranking.
- Ranks are 1..n with no gap and no shared rank. Each `Ranked` says which step of the rule set it
  apart from the candidate ranked just above when both have the same score (`tie_break`:
  "french_level", "criterion:<code>" or "hash"; None when its score is lower), so a
  candidate's explanation can say why a tie went one way.
- Refused, with a `RankingError` (a `ranking.*` code and its parameters): a repeated id, a
  score that is not a finite Decimal (or int), a French level that is not a CEFR level, criteria
  points that are not whole numbers, a criterion code repeated in `criteria_order`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from selection.scoring import CEFR_POINTS, DEFAULT_CRITERIA

DEFAULT_TIE_BREAK_CRITERIA: tuple[str, ...] = tuple(default.code for default in DEFAULT_CRITERIA)
_NO_LEVEL = -1  # below A1 (0 points)
_NO_POINTS = -1  # below 0 points


class RankingError(ValueError):
    """An input the ranking cannot use; `ids` names the candidates at fault, if any."""

    def __init__(
        self, code: str, params: Mapping[str, Any] | None = None, *, ids: Iterable[str] = ()
    ) -> None:
        self.code = code
        self.params = dict(params or {})
        self.ids = tuple(ids)
        super().__init__(code, self.params)

    @property
    def message(self) -> dict[str, Any]:
        """The refusal as a message (`selection.messages` words its code)."""
        return {"code": self.code, "params": self.params}

    def __str__(self) -> str:
        return f"{self.code} {self.params}"


def _error(code: str, *, ids: Iterable[str] = (), **params: Any) -> RankingError:
    return RankingError(f"ranking.{code}", params, ids=ids)


@dataclass(frozen=True)
class RankInput:
    """What the ranking reads of one eligible, reviewed dossier."""

    id: str
    score: Decimal | None
    french_level: str | None
    criteria: Mapping[str, int]


class Ranked(NamedTuple):
    """One ranked candidate (a named tuple: a ranking makes one per candidate, and a tuple is
    several times quicker to build than a frozen dataclass)."""

    id: str
    rank: int
    score: Decimal
    tie_break: str | None  # why it comes after the one above with the same score; None if no tie


@dataclass(frozen=True)
class Ranking:
    ranked: tuple[Ranked, ...]  # rank 1 first
    unscored: tuple[str, ...]  # ids without a score, sorted

    def rank_of(self) -> dict[str, int]:
        """Each ranked id with its rank."""
        return {entry.id: entry.rank for entry in self.ranked}


def tie_hash(candidate_id: str, campaign_code: str) -> str:
    """The last step of the tie rule: sha256 of `id|campaign` in hexadecimal."""
    return hashlib.sha256(f"{candidate_id}|{campaign_code}".encode()).hexdigest()


def _level_points(candidate: RankInput) -> int:
    level = candidate.french_level
    if level is None or (isinstance(level, str) and not level.strip()):
        return _NO_LEVEL
    code = level.strip().upper() if isinstance(level, str) else None
    if code not in CEFR_POINTS:
        levels = ", ".join(CEFR_POINTS)
        raise _error(
            "level_unknown", ids=[candidate.id], id=candidate.id, level=str(level), levels=levels
        )
    return CEFR_POINTS[code]


def _points(candidate: RankInput, code: str) -> int:
    value = candidate.criteria.get(code)
    if value is None:
        return _NO_POINTS
    if isinstance(value, bool) or not isinstance(value, int):
        raise _error(
            "points_not_whole",
            ids=[candidate.id],
            id=candidate.id,
            criterion=code,
            value=repr(value),
        )
    return value


def _check_score(candidate: RankInput) -> Decimal:
    score = candidate.score
    if (
        isinstance(score, bool)
        or not isinstance(score, Decimal | int)
        or not Decimal(score).is_finite()
    ):
        raise _error("score_not_number", ids=[candidate.id], id=candidate.id, value=repr(score))
    return Decimal(score)


def _check_ids(candidates: Sequence[RankInput]) -> None:
    seen: set[str] = set()
    repeated: set[str] = set()
    for candidate in candidates:
        (repeated if candidate.id in seen else seen).add(candidate.id)
    if repeated:
        names = ", ".join(sorted(repeated))
        raise _error("repeated_ids", ids=sorted(repeated), names=names)


def _check_order(criteria_order: Sequence[str]) -> tuple[str, ...]:
    if isinstance(criteria_order, str):  # a single code would be read as its letters
        criteria_order = (criteria_order,)
    order = tuple(criteria_order)
    repeated = sorted({code for code in order if order.count(code) > 1})
    if repeated:
        raise _error("repeated_tie_break", criteria=", ".join(repeated))
    return order


_STEPS = ("french_level",)


def rank(
    candidates: Sequence[RankInput],
    *,
    campaign_code: str,
    criteria_order: Sequence[str] = DEFAULT_TIE_BREAK_CRITERIA,
) -> Ranking:
    """The merit ranking of `candidates` (rules in the module docstring)."""
    order = _check_order(criteria_order)
    _check_ids(candidates)
    # Each candidate's sort key is built once, by the plain path below when the input is as
    # expected (a finite Decimal, a known level, whole points); anything else goes through the
    # checks, which either accept it the same way or refuse it. Scores are replaced by their
    # position among the distinct scores (equal Decimals hash alike: 80.0 and 80.00 are one),
    # so that the sort compares small integers, not Decimals.
    rows = []
    unscored = []
    levels = {code: -points for code, points in CEFR_POINTS.items()}
    for candidate in candidates:
        score = candidate.score
        if score is None:
            unscored.append(candidate.id)
            continue
        if type(score) is not Decimal or not score.is_finite():
            score = _check_score(candidate)
        level = levels.get(candidate.french_level)  # type: ignore[arg-type]
        if level is None:
            level = -_level_points(candidate)
        get = candidate.criteria.get
        points = [get(code, _NO_POINTS) for code in order]
        if list(map(type, points)).count(int) != len(points):
            points = [_points(candidate, code) for code in order]
        rows.append((score, level, points, candidate.id))
    position = {score: n for n, score in enumerate(sorted({row[0] for row in rows}, reverse=True))}
    keyed = [
        (
            (
                position[score],
                level,
                *[-value for value in points],
                tie_hash(candidate_id, campaign_code),
                candidate_id,
            ),
            candidate_id,
            score,
        )
        for score, level, points, candidate_id in rows
    ]
    keyed.sort(key=itemgetter(0))
    steps = (*_STEPS, *(f"criterion:{code}" for code in order), "hash")
    ranked = []
    previous: tuple | None = None
    for position, (key, candidate_id, score) in enumerate(keyed, start=1):
        tie_break = None
        if previous is not None and previous[0] == key[0]:
            differing = next(i for i in range(1, len(key)) if previous[i] != key[i])
            tie_break = steps[min(differing, len(steps)) - 1]
        ranked.append(Ranked(candidate_id, position, score, tie_break))
        previous = key
    return Ranking(ranked=tuple(ranked), unscored=tuple(sorted(unscored)))
