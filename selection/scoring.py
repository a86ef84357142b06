"""Merit scoring of dossiers by staff reviewers (issue 6).

Pure Python on purpose (no Django import): the review form, the ranking and the committee's
pages all call these functions, and the rules are tested without a database.

The rules:
- A campaign scores dossiers on criteria, each a `Criterion(code, weight)` with a weight that is
  a Decimal (or an int) strictly greater than 0: a criterion that counts for nothing is not a
  criterion, so `Criterion` refuses a weight of 0 when it is built, and `reviewer_score` never
  divides by a total of 0. A list of criteria must be non-empty with distinct codes.
  `DEFAULT_CRITERIA` holds the programme's seven criteria, their default weights and their
  English and French labels; `default_criteria()` builds them.
- A reviewer's score sheet maps every criterion code to whole points on the rubric 0 to
  `MAX_POINTS` (5). Every criterion must be scored, no other code may appear, and each value must
  be an int (True and False are refused, although Python counts them as 1 and 0).
- A reviewer's score (`reviewer_score`) is sum(weight * points) / sum(weight * 5) * 100, rounded
  half-up to 2 decimals: all 5s give 100.00, all 0s give 0.00.
- The merit score of a dossier (`merit_score`) is the mean or the median (the campaign chooses,
  `Aggregation`) of its reviewers' scores, None while no one has reviewed it. It is computed
  from the exact, unrounded reviewers' scores and rounded half-up to 2 decimals once, at the
  end: rounding twice could move a dossier by 0.01 and change its rank. The median of an even
  number of scores is the mean of the two middle ones. The order of the sheets does not matter.
- The disagreement (`disagreement`) is the highest minus the lowest reviewer's score, as
  `reviewer_score` returns them (2 decimals), so it is exactly the difference staff see between
  two figures on the page; 0.00 with fewer than 2 sheets. A dossier needs a second look
  (`needs_second_look`) when the disagreement is strictly greater than the campaign's
  threshold, a Decimal (or int) of 0 or more.
- A French level from an evaluation becomes rubric points (`french_level_points`): A1 0, A2 1,
  B1 2, B2 3, C1 4, C2 5, whatever the case and surrounding spaces; None or an empty text gives
  None (no level known yet, the reviewer decides); anything else is an error.
- Every refusal is a `ScoringError` carrying a message (a `scoring.*` code and its parameters,
  worded by `selection.messages`) and the criterion codes at fault, if any.

Points and weights are read exactly (Fraction inside): no binary float ever touches a score.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, NamedTuple

MIN_POINTS = 0
MAX_POINTS = 5
CEFR_POINTS = {"A1": 0, "A2": 1, "B1": 2, "B2": 3, "C1": 4, "C2": 5}

_HUNDRED = Fraction(100)
_HALF = Fraction(1, 2)
_CENT = Decimal("0.01")


class ScoringError(ValueError):
    """A criterion, a score sheet or a setting the scoring cannot use; `criteria` names the
    criterion codes at fault (empty when the fault is not one criterion's)."""

    def __init__(
        self, code: str, params: Mapping[str, Any] | None = None, *, criteria: Iterable[str] = ()
    ) -> None:
        self.code = code
        self.params = dict(params or {})
        self.criteria = tuple(criteria)
        super().__init__(code, self.params)

    @property
    def message(self) -> dict[str, Any]:
        """The refusal as a message (`selection.messages` words its code)."""
        return {"code": self.code, "params": self.params}

    def __str__(self) -> str:
        return f"{self.code} {self.params}"


def _error(code: str, *, criteria: Iterable[str] = (), **params: Any) -> ScoringError:
    return ScoringError(f"scoring.{code}", params, criteria=criteria)


class Aggregation(StrEnum):
    """How a campaign combines its reviewers' scores into the merit score."""

    MEAN = "mean"
    MEDIAN = "median"


class CriterionDefault(NamedTuple):
    code: str
    weight: Decimal


# The programme's seven criteria and their default weights (their words: selection.choices).
DEFAULT_CRITERIA: tuple[CriterionDefault, ...] = (
    CriterionDefault("french_level", Decimal(3)),
    CriterionDefault("teaching_experience", Decimal(2)),
    CriterionDefault("children_experience", Decimal(2)),
    CriterionDefault("abroad_experience", Decimal(1)),
    CriterionDefault("academic_record", Decimal(2)),
    CriterionDefault("motivation", Decimal(2)),
    CriterionDefault("professional_project", Decimal(1)),
)


def _is_number(value: object) -> bool:
    # bool is an int subclass, and a float weight would bring binary rounding into the scores.
    return isinstance(value, Decimal | int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Criterion:
    """One scored criterion of a campaign; refuses an empty code and a weight that is not > 0."""

    code: str
    weight: Decimal

    def __post_init__(self) -> None:
        # A bad criterion would misjudge every dossier of the campaign: fail when it is built.
        if not isinstance(self.code, str) or not self.code.strip():
            raise _error("criterion_code", value=repr(self.code))
        if not _is_number(self.weight) or not Decimal(self.weight).is_finite():
            raise _error(
                "weight_not_number",
                criteria=[self.code],
                criterion=self.code,
                value=repr(self.weight),
            )
        if self.weight <= 0:
            raise _error(
                "weight_not_positive",
                criteria=[self.code],
                criterion=self.code,
                value=str(self.weight),
            )
        object.__setattr__(self, "weight", Decimal(self.weight))


def default_criteria() -> tuple[Criterion, ...]:
    """The programme's criteria with their default weights, in DEFAULT_CRITERIA order."""
    return tuple(Criterion(default.code, default.weight) for default in DEFAULT_CRITERIA)


def _check_criteria(criteria: Sequence[Criterion]) -> None:
    if not criteria:
        raise _error("no_criteria")
    codes = [criterion.code for criterion in criteria]
    repeated = sorted({code for code in codes if codes.count(code) > 1})
    if repeated:
        raise _error("repeated_criteria", criteria=repeated, names=", ".join(repeated))


def _check_sheet(points: Mapping[str, int], criteria: Sequence[Criterion]) -> None:
    if not isinstance(points, Mapping):
        raise _error("sheet_not_mapping", type=type(points).__name__)
    known = {criterion.code for criterion in criteria}
    # An unknown code first: a typo would otherwise also show as a missing criterion.
    unknown = sorted(str(code) for code in points if code not in known)
    if unknown:
        raise _error("unknown_criteria", criteria=unknown, names=", ".join(unknown))
    missing = [criterion.code for criterion in criteria if criterion.code not in points]
    if missing:
        raise _error("criteria_not_scored", criteria=missing, names=", ".join(missing))
    for criterion in criteria:
        value = points[criterion.code]
        # bool is an int subclass: True must not count as 1 point.
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(
                "points_not_whole",
                criteria=[criterion.code],
                criterion=criterion.code,
                value=repr(value),
            )
        if not MIN_POINTS <= value <= MAX_POINTS:
            raise _error(
                "points_out_of_range",
                criteria=[criterion.code],
                criterion=criterion.code,
                value=value,
                min=MIN_POINTS,
                max=MAX_POINTS,
            )


def _exact_reviewer_score(points: Mapping[str, int], criteria: Sequence[Criterion]) -> Fraction:
    """The reviewer's score before rounding, exact (a Decimal weight converts to Fraction
    without loss)."""
    _check_criteria(criteria)
    _check_sheet(points, criteria)
    earned = sum(Fraction(c.weight) * points[c.code] for c in criteria)
    possible = sum(Fraction(c.weight) * MAX_POINTS for c in criteria)
    return earned / possible * _HUNDRED


def _round_half_up(value: Fraction) -> Decimal:
    """`value` to 2 decimals, a half cent rounded away from zero, computed exactly (Decimal
    division would first round to the context's 28 digits)."""
    cents = int(abs(value) * 100 + _HALF)  # int() truncates, i.e. floors a positive number
    sign = -1 if value < 0 else 1
    return (Decimal(sign * cents) / 100).quantize(_CENT)


def exact_reviewer_score(points: Mapping[str, int], criteria: Sequence[Criterion]) -> Fraction:
    """One reviewer's score of a dossier before any rounding (what `merit_score` combines and
    `selection.calibration` standardises)."""
    return _exact_reviewer_score(points, criteria)


def reviewer_score(points: Mapping[str, int], criteria: Sequence[Criterion]) -> Decimal:
    """One reviewer's score of a dossier, 0.00 to 100.00 (rules in the module docstring)."""
    return _round_half_up(_exact_reviewer_score(points, criteria))


def _exact_scores(
    sheets: Sequence[Mapping[str, int]], criteria: Sequence[Criterion]
) -> list[Fraction]:
    # A single sheet passed by mistake would otherwise be read as a sequence of its codes.
    if isinstance(sheets, Mapping | str) or not isinstance(sheets, Sequence):
        raise _error("sheets_not_list", type=type(sheets).__name__)
    _check_criteria(criteria)  # even with no sheet: a bad setting shows before the first review
    return [_exact_reviewer_score(sheet, criteria) for sheet in sheets]


def _aggregation(method: Aggregation | str) -> Aggregation:
    try:
        return Aggregation(method)
    except ValueError:
        choices = ", ".join(Aggregation)
        raise _error("unknown_aggregation", value=repr(method), choices=choices) from None


def _merit(scores: list[Fraction], method: Aggregation) -> Decimal | None:
    if not scores:
        return None
    # Both are exact on Fractions and independent of the order of the sheets.
    combined = statistics.mean(scores) if method is Aggregation.MEAN else statistics.median(scores)
    return _round_half_up(Fraction(combined))


def combine(scores: Sequence[Fraction], method: Aggregation | str) -> Decimal | None:
    """Exact reviewers' scores combined by `method` and rounded half-up once to 2 decimals
    (None with no score): the last step of `merit_score`, for scores calibrated elsewhere."""
    return _merit(list(scores), _aggregation(method))


def round_half_up(value: Fraction) -> Decimal:
    """An exact value to 2 decimals, a half cent rounded away from zero."""
    return _round_half_up(value)


def _spread(shown: tuple[Decimal, ...]) -> Decimal:
    # `shown` is sorted; differences of 2-decimal values are exact, and 0 keeps 2 places.
    return (shown[-1] - shown[0] if len(shown) >= 2 else Decimal(0)).quantize(_CENT)


def merit_score(
    sheets: Sequence[Mapping[str, int]],
    criteria: Sequence[Criterion],
    method: Aggregation,
) -> Decimal | None:
    """The dossier's merit score, the mean or median of its reviewers' exact scores rounded
    half-up once to 2 decimals; None with no sheet."""
    method = _aggregation(method)
    return _merit(_exact_scores(sheets, criteria), method)


def disagreement(sheets: Sequence[Mapping[str, int]], criteria: Sequence[Criterion]) -> Decimal:
    """The highest minus the lowest reviewer's score (as shown, 2 decimals); 0.00 with fewer
    than 2 sheets."""
    return _spread(tuple(sorted(map(_round_half_up, _exact_scores(sheets, criteria)))))


def _check_threshold(threshold: Decimal) -> Decimal:
    # A negative threshold would flag every dossier, even one with a single review.
    if not _is_number(threshold) or not Decimal(threshold).is_finite() or threshold < 0:
        raise _error("threshold", value=repr(threshold))
    return Decimal(threshold)


def needs_second_look(
    sheets: Sequence[Mapping[str, int]], criteria: Sequence[Criterion], threshold: Decimal
) -> bool:
    """Whether the reviewers disagree by strictly more than `threshold` points."""
    return disagreement(sheets, criteria) > _check_threshold(threshold)


@dataclass(frozen=True)
class ScoreSummary:
    """What the ranking and the committee show about one dossier's reviews."""

    merit: Decimal | None  # None until a first review
    reviewers: int
    spread: Decimal  # highest minus lowest of per_reviewer
    flagged: bool  # spread strictly above the campaign's threshold
    per_reviewer: tuple[Decimal, ...]  # each reviewer's score, lowest first


def summarise(
    sheets: Sequence[Mapping[str, int]],
    criteria: Sequence[Criterion],
    method: Aggregation,
    threshold: Decimal,
) -> ScoreSummary:
    """The merit score, the reviewers' scores and their disagreement, each sheet read once."""
    method = _aggregation(method)
    limit = _check_threshold(threshold)
    exact = _exact_scores(sheets, criteria)
    shown = tuple(sorted(map(_round_half_up, exact)))
    spread = _spread(shown)
    return ScoreSummary(
        merit=_merit(exact, method),
        reviewers=len(shown),
        spread=spread,
        flagged=spread > limit,
        per_reviewer=shown,
    )


def french_level_points(level: str | None) -> int | None:
    """Rubric points for a CEFR level (`b2` → 3); None for no level; ScoringError otherwise."""
    if level is None:
        return None
    if not isinstance(level, str):
        raise _error("level_not_text", criteria=["french_level"], value=repr(level))
    code = level.strip().upper()
    if not code:
        return None
    if code not in CEFR_POINTS:
        levels = ", ".join(CEFR_POINTS)
        raise _error("level_unknown", criteria=["french_level"], level=level, levels=levels)
    return CEFR_POINTS[code]
