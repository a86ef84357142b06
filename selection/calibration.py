"""Fair merit: each reviewer's strictness, calibration onto a common scale, and the evidence
(issue 22).

Pure Python on purpose (no Django import): the statistics page, the round's preview and its
freeze all call these functions, and the rules are tested without a database.

Input: one `ReviewScore` per submitted review, the reviewer's exact score of the dossier out of
100 (`selection.scoring.exact_reviewer_score`) and, for the statistics, their points per
criterion.

Calibration (`calibrate`), a campaign setting (`Method`):
- `none`: today's merit, exactly: each dossier's merit is `scoring.combine` (mean or median,
  rounded half-up once) of its reviewers' exact scores.
- `standardise`: a reviewer with at least `min_reviews` reviews has each score re-expressed as
  "how far above their own average, in their own spread", put back on the common scale:
  `overall_mean + (score - reviewer_mean) / reviewer_spread * overall_spread`. The means and
  spreads (population standard deviations) are those of every review given; a reviewer who gave
  every dossier the same score tells nothing apart, and each of their scores becomes the overall
  mean. A reviewer under the threshold keeps their raw scores ("not enough reviews to
  calibrate"). The dossier's merit then combines the calibrated scores as `none` does, and is
  kept within 0–100.
  A reviewer who adds the same points to every dossier keeps the same standardised scores, so
  no ranking moves (a shift of the overall mean moves every dossier alike).
- The arithmetic is exact (Fraction) except the square roots, taken at 40 significant digits
  with Decimal: the same reviews always give the same figures on every machine.

Statistics (`statistics`):
- per reviewer: number of reviews, mean and spread of the score and of each criterion's points;
  strictness, an expected-value comparison on shared dossiers: on each dossier the reviewer
  shares with others, their score minus the others' mean, averaged over those dossiers
  (negative: harsher than the others on the same dossiers; a reviewer who drew strong dossiers
  is not called lenient); the verdict `harsh`, `lenient` or `in_line` against
  `STRICTNESS_NOTABLE` points, `no_shared` when they share no dossier;
- agreement per criterion and on the score: Krippendorff's alpha, interval metric (1: perfect
  agreement, 0: no better than chance; None when it cannot be computed);
- the dossiers reviewers disagree on most (highest minus lowest score), and the groups of
  reviewers connected by shared dossiers (strictness compares only within a group).
"""

from __future__ import annotations

import statistics as stats
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from typing import Any

from selection.assignment import reviewer_groups
from selection.scoring import Aggregation, combine, round_half_up

#: The setting's default: fewer reviews than this, and a reviewer's own average and spread say
#: too little to calibrate them.
DEFAULT_MIN_REVIEWS = 5
#: The least a calibration can use: a spread needs two scores.
MIN_REVIEWS_FLOOR = 2
#: A reviewer this many points (out of 100) below or above the others is called harsh or lenient.
STRICTNESS_NOTABLE = Fraction(5)
#: How many of the most disagreed dossiers the statistics list.
MOST_DISAGREED = 10
SCORE = ""  # the agreement on the score (out of 100), rather than on one criterion

_SQRT_DIGITS = 40
_ZERO = Fraction(0)
_HUNDRED = Fraction(100)


class Method(StrEnum):
    """How a campaign calibrates its reviewers' scores before combining them."""

    NONE = "none"
    STANDARDISE = "standardise"


class CalibrationError(ValueError):
    """A setting the calibration cannot use (a `calibration.*` code and its parameters)."""

    def __init__(self, code: str, params: Mapping[str, Any] | None = None) -> None:
        self.code = code
        self.params = dict(params or {})
        super().__init__(code, self.params)

    @property
    def message(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


@dataclass(frozen=True)
class ReviewScore:
    """One submitted review: who, which dossier, the exact score out of 100, the points."""

    reviewer: str
    dossier: str
    score: Fraction
    points: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", Fraction(self.score))


@dataclass(frozen=True)
class ReviewerScale:
    """A reviewer's own average and spread, and whether calibration uses them."""

    reviewer: str
    reviews: int
    mean: Fraction
    spread: Fraction
    calibrated: bool


@dataclass(frozen=True)
class Calibration:
    method: Method
    min_reviews: int
    aggregation: Aggregation
    overall_mean: Fraction
    overall_spread: Fraction
    scales: Mapping[str, ReviewerScale]
    raw: Mapping[tuple[str, str], Fraction]  # (reviewer, dossier): the score given
    adjusted: Mapping[tuple[str, str], Fraction]  # (reviewer, dossier): the score used
    exact_merits: Mapping[str, Fraction]  # before rounding and the 0–100 bounds
    merits: Mapping[str, Decimal]  # what ranks

    def record(self) -> dict[str, Any]:
        """The figures the calibration used, as plain data (a frozen round keeps them)."""
        return {
            "method": str(self.method),
            "min_reviews": self.min_reviews,
            "aggregation": str(self.aggregation),
            "overall_mean": decimal_of(self.overall_mean, 4),
            "overall_spread": decimal_of(self.overall_spread, 4),
            "reviewers": {
                key: {
                    "reviews": scale.reviews,
                    "mean": decimal_of(scale.mean, 4),
                    "spread": decimal_of(scale.spread, 4),
                    "calibrated": scale.calibrated,
                }
                for key, scale in sorted(self.scales.items())
            },
        }


def decimal_of(value: Fraction, places: int = 2) -> str:
    """An exact value as a decimal text, rounded half-up to `places` (for records and pages)."""
    scaled = round_half_up(value * 10 ** (places - 2))
    return str((scaled / 10 ** (places - 2)).quantize(Decimal(1).scaleb(-places)))


def _sqrt(value: Fraction) -> Fraction:
    if value <= 0:
        return _ZERO
    with localcontext() as context:
        context.prec = _SQRT_DIGITS
        root = (Decimal(value.numerator) / Decimal(value.denominator)).sqrt()
    return Fraction(root)


def mean_and_spread(values: Sequence[Fraction]) -> tuple[Fraction, Fraction]:
    """The mean and the population standard deviation (0 and 0 for no value)."""
    if not values:
        return _ZERO, _ZERO
    mean = sum(values, _ZERO) / len(values)
    variance = sum(((v - mean) ** 2 for v in values), _ZERO) / len(values)
    return mean, _sqrt(variance)


def _check(method: Method | str, min_reviews: int) -> Method:
    try:
        method = Method(method)
    except ValueError:
        choices = ", ".join(Method)
        raise CalibrationError(
            "calibration.unknown_method", {"value": repr(method), "choices": choices}
        ) from None
    if isinstance(min_reviews, bool) or not isinstance(min_reviews, int):
        raise CalibrationError("calibration.min_reviews", {"value": repr(min_reviews)})
    if min_reviews < MIN_REVIEWS_FLOOR:
        raise CalibrationError("calibration.min_reviews", {"value": repr(min_reviews)})
    return method


def _by_reviewer(reviews: Iterable[ReviewScore]) -> dict[str, list[ReviewScore]]:
    grouped: dict[str, list[ReviewScore]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for review in reviews:
        key = (review.reviewer, review.dossier)
        if key in seen:
            raise CalibrationError(
                "calibration.repeated_review",
                {"reviewer": review.reviewer, "dossier": review.dossier},
            )
        seen.add(key)
        grouped[review.reviewer].append(review)
    return grouped


def _middle(scores: Sequence[Fraction], aggregation: Aggregation) -> Fraction:
    if aggregation is Aggregation.MEAN:
        return sum(scores, _ZERO) / len(scores)
    return Fraction(stats.median(scores))


def calibrate(
    reviews: Sequence[ReviewScore],
    *,
    method: Method | str,
    min_reviews: int = DEFAULT_MIN_REVIEWS,
    aggregation: Aggregation | str = Aggregation.MEAN,
) -> Calibration:
    """Each dossier's merit from its reviews, calibrated or not (rules in the module docstring)."""
    method = _check(method, min_reviews)
    aggregation = Aggregation(aggregation)
    grouped = _by_reviewer(reviews)
    overall_mean, overall_spread = mean_and_spread([r.score for r in reviews])
    scales = {}
    for reviewer, given in grouped.items():
        mean, spread = mean_and_spread([r.score for r in given])
        scales[reviewer] = ReviewerScale(
            reviewer=reviewer,
            reviews=len(given),
            mean=mean,
            spread=spread,
            calibrated=method is Method.STANDARDISE and len(given) >= min_reviews,
        )
    adjusted: dict[tuple[str, str], Fraction] = {}
    per_dossier: dict[str, list[Fraction]] = defaultdict(list)
    for review in reviews:
        scale = scales[review.reviewer]
        score = review.score
        if scale.calibrated:
            standard = (score - scale.mean) / scale.spread if scale.spread else _ZERO
            score = overall_mean + standard * overall_spread
        adjusted[review.reviewer, review.dossier] = score
        per_dossier[review.dossier].append(score)
    exact: dict[str, Fraction] = {}
    merits: dict[str, Decimal] = {}
    for dossier, scores in per_dossier.items():
        exact[dossier] = _middle(scores, aggregation)
        if method is Method.NONE:
            merits[dossier] = combine(scores, aggregation)  # today's merit, by construction
        else:
            merits[dossier] = round_half_up(min(max(exact[dossier], _ZERO), _HUNDRED))
    return Calibration(
        method=method,
        min_reviews=min_reviews,
        aggregation=aggregation,
        overall_mean=overall_mean,
        overall_spread=overall_spread,
        scales=scales,
        raw={(r.reviewer, r.dossier): r.score for r in reviews},
        adjusted=adjusted,
        exact_merits=exact,
        merits=merits,
    )


# --- the evidence ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionFigures:
    """A reviewer's points on one criterion: mean, spread, strictness (points out of 5)."""

    criterion: str
    mean: Fraction
    spread: Fraction
    strictness: Fraction | None


@dataclass(frozen=True)
class ReviewerFigures:
    reviewer: str
    reviews: int
    mean: Fraction
    spread: Fraction
    shared: int  # dossiers also reviewed by someone else
    strictness: Fraction | None  # score minus the others' mean on shared dossiers, averaged
    verdict: str  # "harsh", "lenient", "in_line", "no_shared"
    calibrated: bool  # enough reviews to calibrate (whatever the campaign's method)
    criteria: tuple[CriterionFigures, ...]


@dataclass(frozen=True)
class Agreement:
    criterion: str  # a criterion code, or SCORE
    alpha: Fraction | None
    dossiers: int  # dossiers with at least two reviews


@dataclass(frozen=True)
class Disagreement:
    dossier: str
    spread: Fraction  # highest minus lowest score
    scores: tuple[tuple[str, Fraction], ...]  # (reviewer, score), lowest first


@dataclass(frozen=True)
class Statistics:
    reviewers: tuple[ReviewerFigures, ...]  # harshest first
    agreement: tuple[Agreement, ...]  # the score first, then the criteria in the given order
    most_disagreed: tuple[Disagreement, ...]
    groups: tuple[tuple[str, ...], ...]  # reviewers connected by shared dossiers


def _strictness(
    own: Mapping[str, Fraction], others: Mapping[str, list[Fraction]]
) -> tuple[Fraction | None, int]:
    """The mean, over the dossiers shared, of own value minus the others' mean."""
    differences = [
        value - sum(others[dossier], _ZERO) / len(others[dossier])
        for dossier, value in own.items()
        if others.get(dossier)
    ]
    if not differences:
        return None, 0
    return sum(differences, _ZERO) / len(differences), len(differences)


def verdict_of(strictness: Fraction | None) -> str:
    if strictness is None:
        return "no_shared"
    if strictness <= -STRICTNESS_NOTABLE:
        return "harsh"
    if strictness >= STRICTNESS_NOTABLE:
        return "lenient"
    return "in_line"


def krippendorff_alpha(units: Iterable[Sequence[Fraction | int]]) -> Fraction | None:
    """Krippendorff's alpha with the interval metric: 1 - observed / expected disagreement.

    `units` are the values given to each dossier (one per reviewer); dossiers with fewer than
    two values are not pairable and left out. None when fewer than two values remain or every
    value is the same (nothing to disagree about).
    """
    pairable = [[Fraction(v) for v in unit] for unit in units if len(unit) >= 2]
    values = [v for unit in pairable for v in unit]
    n = len(values)
    if n < 2:
        return None

    # Sums over ordered pairs i != j of (a - b)^2 = 2 (m * sum(a^2) - (sum a)^2).
    def pair_sum(group: Sequence[Fraction]) -> Fraction:
        total = sum(group, _ZERO)
        return 2 * (len(group) * sum((v * v for v in group), _ZERO) - total * total)

    expected = pair_sum(values) / (n * (n - 1))
    if expected == 0:
        return None
    observed = sum((pair_sum(unit) / (len(unit) - 1) for unit in pairable), _ZERO) / n
    return 1 - observed / expected


def statistics(
    reviews: Sequence[ReviewScore],
    *,
    criteria: Sequence[str],
    min_reviews: int = DEFAULT_MIN_REVIEWS,
    most: int = MOST_DISAGREED,
) -> Statistics:
    """The reviewers' figures, the agreement and the disagreements (module docstring)."""
    _check(Method.NONE, min_reviews)
    grouped = _by_reviewer(reviews)
    by_dossier: dict[str, list[ReviewScore]] = defaultdict(list)
    for review in reviews:
        by_dossier[review.dossier].append(review)

    figures = []
    for reviewer, given in grouped.items():
        mean, spread = mean_and_spread([r.score for r in given])
        others = _others(by_dossier, reviewer)
        strictness, shared = _strictness(
            {r.dossier: r.score for r in given},
            {dossier: [r.score for r in rows] for dossier, rows in others.items()},
        )
        per_criterion = []
        for code in criteria:
            own = {r.dossier: Fraction(r.points[code]) for r in given if code in r.points}
            c_mean, c_spread = mean_and_spread(list(own.values()))
            theirs = {
                dossier: [Fraction(r.points[code]) for r in rows if code in r.points]
                for dossier, rows in others.items()
            }
            per_criterion.append(
                CriterionFigures(code, c_mean, c_spread, _strictness(own, theirs)[0])
            )
        figures.append(
            ReviewerFigures(
                reviewer=reviewer,
                reviews=len(given),
                mean=mean,
                spread=spread,
                shared=shared,
                strictness=strictness,
                verdict=verdict_of(strictness),
                calibrated=len(given) >= min_reviews,
                criteria=tuple(per_criterion),
            )
        )
    figures.sort(key=lambda f: (f.strictness is None, f.strictness or _ZERO, f.reviewer))
    agreement = [
        Agreement(
            SCORE,
            krippendorff_alpha([r.score for r in given] for given in by_dossier.values()),
            sum(len(given) >= 2 for given in by_dossier.values()),
        )
    ]
    for code in criteria:
        units = [
            [r.points[code] for r in given if code in r.points] for given in by_dossier.values()
        ]
        agreement.append(
            Agreement(code, krippendorff_alpha(units), sum(len(unit) >= 2 for unit in units))
        )
    disagreements = [
        Disagreement(
            dossier=dossier,
            spread=max(r.score for r in given) - min(r.score for r in given),
            scores=tuple(
                sorted(((r.reviewer, r.score) for r in given), key=lambda p: (p[1], p[0]))
            ),
        )
        for dossier, given in by_dossier.items()
        if len(given) >= 2
    ]
    disagreements.sort(key=lambda d: (-d.spread, d.dossier))
    groups = reviewer_groups({d: [r.reviewer for r in given] for d, given in by_dossier.items()})
    return Statistics(
        reviewers=tuple(figures),
        agreement=tuple(agreement),
        most_disagreed=tuple(d for d in disagreements[:most] if d.spread > 0),
        groups=tuple(tuple(group) for group in groups),
    )


def _others(
    by_dossier: Mapping[str, list[ReviewScore]], reviewer: str
) -> dict[str, list[ReviewScore]]:
    """Each dossier's reviews by anyone but `reviewer`."""
    return {
        dossier: [r for r in given if r.reviewer != reviewer]
        for dossier, given in by_dossier.items()
    }
