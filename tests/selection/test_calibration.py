"""Fair merit: calibration, strictness, agreement (pure: no database)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from selection.assignment import balanced_assignment, reviewer_groups
from selection.calibration import (
    SCORE,
    CalibrationError,
    Method,
    ReviewScore,
    calibrate,
    decimal_of,
    krippendorff_alpha,
    statistics,
)
from selection.scoring import Aggregation, Criterion, exact_reviewer_score, merit_score
from tapif.core.messages import explain_message

CRITERIA = (Criterion("a", Decimal(3)), Criterion("b", Decimal(2)), Criterion("c", Decimal(1)))


def review(reviewer: str, dossier: str, score, **points: int) -> ReviewScore:
    return ReviewScore(reviewer, dossier, Fraction(score), points)


# --- a worked example (docs/merit.md tells the same story) -------------------------------------

#: Hugo and Alice are in line with each other; Marc is 20 points harsher, on the same dossiers.
WORKED = [
    review("hugo", "D1", 80),
    review("alice", "D1", 84),
    review("hugo", "D2", 60),
    review("marc", "D2", 40),
    review("alice", "D3", 70),
    review("marc", "D3", 50),
    review("hugo", "D4", 50),
    review("marc", "D4", 30),
    review("alice", "D5", 64),
    review("hugo", "D5", 60),
]


def test_calibrate_none_gives_todays_merit():
    result = calibrate(WORKED, method=Method.NONE, min_reviews=3)

    assert result.merits == {
        "D1": Decimal("82.00"),
        "D2": Decimal("50.00"),
        "D3": Decimal("60.00"),
        "D4": Decimal("40.00"),
        "D5": Decimal("62.00"),
    }
    assert not any(scale.calibrated for scale in result.scales.values())


def test_calibrate_standardise_lifts_the_dossiers_the_harsh_reviewer_read():
    result = calibrate(WORKED, method=Method.STANDARDISE, min_reviews=3)

    assert result.overall_mean == Fraction(588, 10)
    marc = result.scales["marc"]
    assert (marc.reviews, marc.mean, marc.calibrated) == (3, 40, True)
    # D3 (Alice 70, Marc 50) was below D5 (62) raw; calibrated, Marc's 50 is his best score.
    assert result.merits["D3"] > result.merits["D5"]
    assert result.merits["D1"] > result.merits["D3"]
    # Everyone's scores are kept within 0–100.
    assert all(Decimal(0) <= merit <= Decimal(100) for merit in result.merits.values())


def test_calibrate_leaves_a_reviewer_under_the_threshold_untouched():
    result = calibrate(WORKED, method=Method.STANDARDISE, min_reviews=4)

    assert (result.scales["marc"].calibrated, result.scales["hugo"].calibrated) == (False, True)
    assert result.adjusted["marc", "D2"] == 40
    assert result.adjusted["hugo", "D2"] != 60


def test_calibrate_a_reviewer_without_spread_puts_each_score_on_the_overall_mean():
    reviews = [review("flat", f"D{i}", 70) for i in range(3)] + [
        review("other", f"D{i}", 40 + 10 * i) for i in range(3)
    ]

    result = calibrate(reviews, method="standardise", min_reviews=3)

    assert {result.adjusted["flat", f"D{i}"] for i in range(3)} == {result.overall_mean}


def test_calibrate_record_keeps_the_figures_used():
    record = calibrate(WORKED, method=Method.STANDARDISE, min_reviews=3).record()

    assert record["method"] == "standardise"
    assert record["min_reviews"] == 3
    assert record["aggregation"] == "mean"
    assert record["overall_mean"] == "58.8000"
    assert record["reviewers"]["marc"] == {
        "reviews": 3,
        "mean": "40.0000",
        "spread": "8.1650",
        "calibrated": True,
    }


@pytest.mark.parametrize(
    ("method", "min_reviews", "code"),
    [
        ("shrink", 5, "calibration.unknown_method"),
        ("standardise", 1, "calibration.min_reviews"),
        ("standardise", True, "calibration.min_reviews"),
    ],
)
def test_calibrate_refuses_a_bad_setting(method, min_reviews, code):
    with pytest.raises(CalibrationError) as caught:
        calibrate(WORKED, method=method, min_reviews=min_reviews)

    assert caught.value.code == code
    with translation.override("fr"):
        worded = explain_message(caught.value.message)
    assert worded != code
    assert repr(min_reviews) in worded or repr(method) in worded


def test_calibrate_refuses_two_reviews_by_one_reviewer_of_one_dossier():
    with pytest.raises(CalibrationError, match="repeated_review"):
        calibrate([review("a", "D1", 50), review("a", "D1", 60)], method="none")


def test_decimal_of_rounds_half_up():
    assert decimal_of(Fraction(1, 8), 2) == "0.13"
    assert decimal_of(Fraction(-1, 8), 2) == "-0.13"
    assert decimal_of(Fraction(2, 3), 4) == "0.6667"


# --- the evidence --------------------------------------------------------------------------------


def test_statistics_names_the_harsh_reviewer_by_the_shared_dossiers():
    reviews = [review(r.reviewer, r.dossier, r.score, a=int(r.score) // 20) for r in WORKED]

    result = statistics(reviews, criteria=["a"], min_reviews=3)

    by_name = {f.reviewer: f for f in result.reviewers}
    assert result.reviewers[0].reviewer == "marc"  # harshest first
    assert (by_name["marc"].strictness, by_name["marc"].verdict) == (-20, "harsh")
    assert by_name["marc"].shared == 3
    assert by_name["alice"].verdict == "lenient"  # 4, 20, 4 points above: 28 / 3
    assert by_name["alice"].strictness == Fraction(28, 3)
    assert by_name["hugo"].strictness == Fraction(-4 + 20 + 20 - 4, 4)
    assert by_name["marc"].criteria[0].criterion == "a"
    assert by_name["marc"].criteria[0].strictness == -1
    assert result.groups == (("hugo", "alice", "marc"),)
    assert [d.dossier for d in result.most_disagreed] == ["D2", "D3", "D4", "D1", "D5"]
    assert result.most_disagreed[0].scores == (("marc", 40), ("hugo", 60))
    assert [a.criterion for a in result.agreement] == [SCORE, "a"]
    assert result.agreement[0].dossiers == 5


def test_statistics_a_reviewer_who_drew_strong_dossiers_is_not_lenient():
    # "lucky" reads only strong dossiers and agrees with the others there.
    reviews = [
        review("lucky", "D1", 90),
        review("other", "D1", 90),
        review("lucky", "D2", 95),
        review("other", "D2", 95),
        review("other", "D3", 30),
        review("third", "D3", 30),
    ]

    figures = {f.reviewer: f for f in statistics(reviews, criteria=[]).reviewers}

    assert figures["lucky"].mean == Fraction(185, 2)
    assert (figures["lucky"].strictness, figures["lucky"].verdict) == (0, "in_line")


def test_statistics_a_reviewer_sharing_nothing_has_no_strictness():
    figures = statistics([review("alone", "D1", 50)], criteria=[]).reviewers

    assert (figures[0].strictness, figures[0].verdict, figures[0].shared) == (None, "no_shared", 0)


def test_krippendorff_alpha_known_values():
    assert krippendorff_alpha([[1, 1], [3, 3], [5, 5]]) == 1
    assert krippendorff_alpha([[1], [2]]) is None  # nothing pairable
    assert krippendorff_alpha([[3, 3], [3, 3]]) is None  # no variation at all
    # Two units (1, 2) and (2, 1): as much disagreement inside units as between them, or more.
    assert krippendorff_alpha([[1, 2], [2, 1]]) < 0
    # Krippendorff's worked example (interval data, 4 coders, 12 units; alpha = 0.849).
    units = [
        [1, 1, 1],
        [2, 2, 3, 2],
        [3, 3, 3, 3],
        [3, 3, 3, 3],
        [2, 2, 2, 2],
        [1, 2, 3, 4],
        [4, 4, 4, 4],
        [1, 1, 2, 1],
        [2, 2, 2, 2],
        [5, 5, 5],
        [1, 1],
        [3],
    ]
    assert round(float(krippendorff_alpha(units)), 3) == 0.849


def test_reviewer_groups_finds_isolated_pairs():
    assert reviewer_groups({"d1": ["a", "b"], "d2": ["c", "d"], "d3": ["b", "a"]}) == [
        ["a", "b"],
        ["c", "d"],
    ]
    assert reviewer_groups({"d1": ["a", "b"], "d2": ["c", "b"], "d3": ["e"]}) == [
        ["a", "b", "c"],
        ["e"],
    ]


def test_balanced_assignment_rotates_pairs_so_reviewers_connect():
    reviewers = ["a", "b", "c", "d"]

    added = balanced_assignment([f"d{i}" for i in range(6)], reviewers, per_dossier=2)

    pairs = sorted(tuple(sorted(chosen)) for chosen in added.values())
    assert pairs == [("a", "b"), ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d"), ("c", "d")]
    assert reviewer_groups(added) == [["a", "b", "c", "d"]]


# --- properties --------------------------------------------------------------------------------

points = st.integers(0, 5)
sheets = st.fixed_dictionaries({"a": points, "b": points, "c": points})


@st.composite
def campaigns(draw, *, min_reviewers: int = 2):
    """Dossiers each read by 1–3 of up to 5 reviewers, with their score sheets."""
    reviewers = [f"r{i}" for i in range(draw(st.integers(min_reviewers, 5)))]
    dossiers = [f"D{i:02d}" for i in range(draw(st.integers(1, 14)))]
    reviews = []
    for dossier in dossiers:
        chosen = draw(st.lists(st.sampled_from(reviewers), min_size=1, max_size=3, unique=True))
        for reviewer in chosen:
            sheet = draw(sheets)
            reviews.append(
                ReviewScore(reviewer, dossier, exact_reviewer_score(sheet, CRITERIA), sheet)
            )
    return reviews


@given(campaigns(), st.sampled_from(list(Aggregation)))
def test_property_calibration_off_is_todays_merit_exactly(reviews, aggregation):
    result = calibrate(reviews, method=Method.NONE, aggregation=aggregation)

    for dossier in {r.dossier for r in reviews}:
        sheets_of = [dict(r.points) for r in reviews if r.dossier == dossier]
        assert result.merits[dossier] == merit_score(sheets_of, CRITERIA, aggregation)
    assert all(result.adjusted[r.reviewer, r.dossier] == r.score for r in reviews)


@given(campaigns(), st.integers(2, 8))
def test_property_reviewers_under_the_threshold_are_untouched(reviews, min_reviews):
    result = calibrate(reviews, method=Method.STANDARDISE, min_reviews=min_reviews)

    for r in reviews:
        count = sum(other.reviewer == r.reviewer for other in reviews)
        assert result.scales[r.reviewer].calibrated is (count >= min_reviews)
        if count < min_reviews:
            assert result.adjusted[r.reviewer, r.dossier] == r.score


def _order(merits: dict[str, Fraction]) -> set[tuple[str, str, int]]:
    """Every pair's comparison: which is above, or a tie."""
    return {
        (a, b, (merits[a] > merits[b]) - (merits[a] < merits[b]))
        for a in merits
        for b in merits
        if a < b
    }


@settings(max_examples=150)
@given(
    campaigns(),
    st.data(),
    st.fractions(min_value=-30, max_value=30),
    st.sampled_from(list(Aggregation)),
)
def test_property_a_reviewer_adding_the_same_points_to_everyone_changes_no_ranking(
    reviews, data, shift, aggregation
):
    # Every reviewer calibrated (the threshold at the fewest reviews anyone gave).
    counts = {r.reviewer: sum(o.reviewer == r.reviewer for o in reviews) for r in reviews}
    min_reviews = min(counts.values())
    assume(min_reviews >= 2)
    shifted_reviewer = data.draw(st.sampled_from(sorted(counts)))
    shifted = [
        ReviewScore(r.reviewer, r.dossier, r.score + shift, r.points)
        if r.reviewer == shifted_reviewer
        else r
        for r in reviews
    ]

    before = calibrate(
        reviews, method=Method.STANDARDISE, min_reviews=min_reviews, aggregation=aggregation
    )
    after = calibrate(
        shifted, method=Method.STANDARDISE, min_reviews=min_reviews, aggregation=aggregation
    )

    assert _order(after.exact_merits) == _order(before.exact_merits)
    # The reviewer's own standardised scores do not move at all.
    scale_before, scale_after = before.scales[shifted_reviewer], after.scales[shifted_reviewer]
    assert scale_after.mean == scale_before.mean + shift
    assert scale_after.spread == scale_before.spread


@given(campaigns(), st.fractions(min_value=-20, max_value=20))
def test_property_strictness_moves_by_the_points_a_reviewer_adds(reviews, shift):
    target = reviews[0].reviewer
    shifted = [
        ReviewScore(r.reviewer, r.dossier, r.score + shift, r.points) if r.reviewer == target else r
        for r in reviews
    ]

    before = {f.reviewer: f for f in statistics(reviews, criteria=["a"]).reviewers}[target]
    after = {f.reviewer: f for f in statistics(shifted, criteria=["a"]).reviewers}[target]

    if before.strictness is None:
        assert after.strictness is None
    else:
        assert after.strictness == before.strictness + shift


@given(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=4), min_size=1, max_size=12))
def test_property_alpha_is_at_most_one_and_one_for_identical_values(units):
    alpha = krippendorff_alpha(units)
    if alpha is not None:
        assert alpha <= 1
    copies = [[unit[0]] * 2 for unit in units]
    same = krippendorff_alpha(copies)
    assert same is None or same == 1
