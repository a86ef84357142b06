"""Merit scoring of dossiers: worked examples, refusals, and properties.

Pure module, so no database: these tests build `Criterion` lists and score sheets (plain dicts)
directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from selection.choices import CRITERION_LABELS
from selection.scoring import (
    CEFR_POINTS,
    DEFAULT_CRITERIA,
    MAX_POINTS,
    Aggregation,
    Criterion,
    ScoreSummary,
    ScoringError,
    default_criteria,
    disagreement,
    french_level_points,
    merit_score,
    needs_second_look,
    reviewer_score,
    summarise,
)
from tapif.core.messages import explain_message

MEAN, MEDIAN = Aggregation.MEAN, Aggregation.MEDIAN
# Three criteria weighing 3, 2 and 1: a sheet earns 3a + 2b + c of 30 possible weighted points.
ABC = (Criterion("a", Decimal(3)), Criterion("b", Decimal(2)), Criterion("c", Decimal(1)))
# Weights 0.01 and 39.99 (total 40): one point on `light` scores exactly 20 * 0.01 / 40 = 0.005.
HALF_CENT = (Criterion("light", Decimal("0.01")), Criterion("heavy", Decimal("39.99")))


def en(error) -> str:
    """The refusal as an English reader sees it."""
    with translation.override("en"):
        return explain_message(error.message)


def fr(error) -> str:
    """The refusal as a French reader sees it."""
    with translation.override("fr"):
        return explain_message(error.message)


def abc(a: int, b: int, c: int) -> dict[str, int]:
    return {"a": a, "b": b, "c": c}


def every(points: int) -> dict[str, int]:
    return {code: points for code, *_ in DEFAULT_CRITERIA}


def light(points: int) -> dict[str, int]:
    return {"light": points, "heavy": 0}


# --- the programme's criteria ----------------------------------------------------------------


def test_default_criteria_are_the_programmes_seven_with_their_weights():
    weights = {default.code: default.weight for default in DEFAULT_CRITERIA}
    assert weights == {
        "french_level": Decimal(3),
        "teaching_experience": Decimal(2),
        "children_experience": Decimal(2),
        "abroad_experience": Decimal(1),
        "academic_record": Decimal(2),
        "motivation": Decimal(2),
        "professional_project": Decimal(1),
    }
    assert default_criteria() == tuple(Criterion(code, weight) for code, weight in weights.items())


def test_default_criteria_have_english_and_french_labels():
    def worded(code):
        with translation.override("en"):
            english = str(CRITERION_LABELS[code])
        with translation.override("fr"):
            return english, str(CRITERION_LABELS[code])

    labels = {default.code: worded(default.code) for default in DEFAULT_CRITERIA}
    assert labels["children_experience"] == (
        "Experience with children or young adults",
        "Expérience auprès d’enfants ou de jeunes adultes",
    )
    assert labels["academic_record"][0] == "Academic level and results"
    assert labels["professional_project"][0] == "Coherent professional project"
    assert all(english.strip() and french.strip() for english, french in labels.values())


# --- a reviewer's score ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (abc(4, 3, 5), "76.67"),  # (12 + 6 + 5) / 30 = 76.666…
        (abc(5, 0, 0), "50.00"),  # 15 / 30
        (abc(0, 0, 1), "3.33"),  # 1 / 30 = 3.333…
        (abc(0, 1, 0), "6.67"),  # 2 / 30 = 6.666…
        (abc(1, 1, 1), "20.00"),  # 6 / 30
        (abc(2, 5, 4), "66.67"),  # (6 + 10 + 4) / 30 = 66.666…
    ],
)
def test_reviewer_score_with_weights_3_2_1_worked_by_hand(points, expected):
    assert str(reviewer_score(points, ABC)) == expected


def test_reviewer_score_of_all_fives_is_100():
    assert str(reviewer_score(every(5), default_criteria())) == "100.00"


def test_reviewer_score_of_all_zeros_is_0():
    assert str(reviewer_score(every(0), default_criteria())) == "0.00"


def test_reviewer_score_with_the_default_weights_worked_by_hand():
    points = {
        "french_level": 5,  # 15
        "teaching_experience": 3,  # 6
        "children_experience": 4,  # 8
        "abroad_experience": 0,  # 0
        "academic_record": 4,  # 8
        "motivation": 5,  # 10
        "professional_project": 2,  # 2
    }
    # 49 of 13 * 5 = 65 weighted points: 75.3846…
    assert str(reviewer_score(points, default_criteria())) == "75.38"


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (1, "0.01"),  # exactly 0.005: half-up gives 0.01 (half-even would give 0.00)
        (3, "0.02"),  # exactly 0.015
        (5, "0.03"),  # exactly 0.025: half-up gives 0.03 (half-even would give 0.02)
    ],
)
def test_reviewer_score_rounds_a_half_cent_up(points, expected):
    assert str(reviewer_score(light(points), HALF_CENT)) == expected


def test_reviewer_score_accepts_any_order_of_the_sheets_keys():
    assert reviewer_score({"c": 5, "a": 4, "b": 3}, ABC) == Decimal("76.67")


def test_criterion_weight_may_be_an_int_and_is_kept_as_a_decimal():
    criterion = Criterion("a", 3)  # type: ignore[arg-type]
    assert criterion.weight == Decimal(3)
    assert isinstance(criterion.weight, Decimal)


# --- merit score and disagreement ------------------------------------------------------------

THREE = [abc(5, 5, 5), abc(0, 0, 0), abc(4, 3, 5)]  # 100.00, 0.00, 76.666…


def test_merit_score_median_of_three_reviewers():
    assert merit_score(THREE, ABC, MEDIAN) == Decimal("76.67")


def test_merit_score_mean_of_three_reviewers():
    # (100 + 0 + 76.666…) / 3 = 58.888…
    assert merit_score(THREE, ABC, MEAN) == Decimal("58.89")


def test_merit_score_median_of_two_reviewers_is_their_mean():
    two = [abc(1, 0, 0), abc(0, 2, 0)]  # 10.00 and 13.333…: 11.666…
    assert merit_score(two, ABC, MEDIAN) == Decimal("11.67")
    assert merit_score(two, ABC, MEAN) == Decimal("11.67")


def test_merit_score_aggregates_the_unrounded_scores():
    # 6.666… (shown 6.67) and 0: the exact mean is 3.333… → 3.33, where averaging the shown
    # scores would give 3.335 → 3.34.
    sheets = [abc(0, 1, 0), abc(0, 0, 0)]
    assert summarise(sheets, ABC, MEAN, Decimal(10)).per_reviewer == (
        Decimal("0.00"),
        Decimal("6.67"),
    )
    assert merit_score(sheets, ABC, MEAN) == Decimal("3.33")


def test_merit_score_rounds_a_half_cent_up():
    # Exact scores 0 and 0.01: their mean and median are exactly 0.005.
    sheets = [light(0), light(2)]
    assert str(merit_score(sheets, HALF_CENT, MEAN)) == "0.01"
    assert str(merit_score(sheets, HALF_CENT, MEDIAN)) == "0.01"


def test_merit_score_is_none_without_a_sheet():
    assert merit_score([], ABC, MEAN) is None
    assert merit_score([], ABC, MEDIAN) is None


def test_merit_score_accepts_the_aggregation_as_text():
    assert merit_score(THREE, ABC, "median") == Decimal("76.67")  # type: ignore[arg-type]


def test_disagreement_is_highest_minus_lowest():
    assert disagreement(THREE, ABC) == Decimal("100.00")
    assert disagreement([abc(1, 0, 0), abc(0, 2, 0)], ABC) == Decimal("3.33")  # 13.33 - 10.00


def test_disagreement_is_measured_on_the_scores_as_shown():
    # 3.333… (3.33) and 6.666… (6.67): the exact gap is 3.333…, the gap staff see is 3.34.
    assert disagreement([abc(0, 0, 1), abc(0, 1, 0)], ABC) == Decimal("3.34")


@pytest.mark.parametrize("sheets", [[], [abc(4, 3, 5)]])
def test_disagreement_is_zero_with_fewer_than_two_sheets(sheets):
    assert str(disagreement(sheets, ABC)) == "0.00"


def test_needs_second_look_only_when_the_spread_exceeds_the_threshold():
    sheets = [abc(1, 0, 0), abc(2, 0, 0)]  # 10.00 and 20.00: a spread of 10.00
    assert needs_second_look(sheets, ABC, Decimal("9.99")) is True
    assert needs_second_look(sheets, ABC, Decimal(10)) is False
    assert needs_second_look(sheets, ABC, Decimal("10.01")) is False


def test_needs_second_look_never_with_a_single_review():
    assert needs_second_look([abc(5, 5, 5)], ABC, Decimal(0)) is False


def test_summarise_three_reviews():
    assert summarise(THREE, ABC, MEDIAN, Decimal(25)) == ScoreSummary(
        merit=Decimal("76.67"),
        reviewers=3,
        spread=Decimal("100.00"),
        flagged=True,
        per_reviewer=(Decimal("0.00"), Decimal("76.67"), Decimal("100.00")),
    )


def test_summarise_without_a_review():
    summary = summarise([], ABC, MEAN, Decimal(10))
    assert summary == ScoreSummary(None, 0, Decimal(0), flagged=False, per_reviewer=())
    assert str(summary.spread) == "0.00"


# --- refusals --------------------------------------------------------------------------------


def refusal(points: Mapping[str, object], criteria=ABC) -> ScoringError:
    with pytest.raises(ScoringError) as caught:
        reviewer_score(points, criteria)  # type: ignore[arg-type]
    return caught.value


def test_reviewer_score_refuses_a_missing_criterion():
    error = refusal({"a": 4, "c": 5})
    assert error.criteria == ("b",)
    assert en(error) == "Criteria not scored: b."
    assert fr(error) == "Critères non notés : b."
    assert error.message == {"code": "scoring.criteria_not_scored", "params": {"names": "b"}}


def test_reviewer_score_names_every_missing_criterion():
    assert refusal({"b": 1}).criteria == ("a", "c")


def test_reviewer_score_refuses_an_unknown_code():
    error = refusal({**abc(4, 3, 5), "charisma": 5})
    assert error.criteria == ("charisma",)
    assert en(error) == "Unknown criteria: charisma."
    assert fr(error) == "Critères inconnus : charisma."


@pytest.mark.parametrize("value", [6, -1, 100])
def test_reviewer_score_refuses_points_off_the_rubric(value):
    error = refusal(abc(4, value, 5))
    assert error.criteria == ("b",)
    assert en(error) == f"The criterion “b” is scored from 0 to 5, got {value}."
    assert fr(error) == f"Le critère « b » est noté de 0 à 5, reçu {value}."


@pytest.mark.parametrize("value", [True, False, 3.0, Decimal(3), "3", None])
def test_reviewer_score_refuses_points_that_are_not_whole_numbers(value):
    error = refusal({"a": 4, "b": value, "c": 5})
    assert error.criteria == ("b",)
    assert "whole points" in en(error)
    assert "points entiers" in fr(error)


def test_reviewer_score_refuses_a_sheet_that_is_not_a_mapping():
    with pytest.raises(ScoringError):
        reviewer_score([("a", 4), ("b", 3), ("c", 5)], ABC)  # type: ignore[arg-type]


@pytest.mark.parametrize("weight", [Decimal(0), Decimal("-1"), 0, Decimal("-0.01")])
def test_criterion_refuses_a_weight_that_is_not_positive(weight):
    # Refused when the criterion is built, so reviewer_score never divides by zero.
    with pytest.raises(ScoringError) as caught:
        Criterion("motivation", weight)
    assert caught.value.criteria == ("motivation",)
    assert "greater than 0" in en(caught.value)
    assert "supérieur à 0" in fr(caught.value)


@pytest.mark.parametrize("weight", [1.5, True, "2", Decimal("NaN"), Decimal("Infinity"), None])
def test_criterion_refuses_a_weight_that_is_not_a_decimal_number(weight):
    with pytest.raises(ScoringError) as caught:
        Criterion("motivation", weight)
    assert caught.value.criteria == ("motivation",)


@pytest.mark.parametrize("code", ["", "   ", None])
def test_criterion_refuses_an_empty_code(code):
    with pytest.raises(ScoringError):
        Criterion(code, Decimal(1))


def test_reviewer_score_refuses_no_criteria():
    with pytest.raises(ScoringError) as caught:
        reviewer_score({}, [])
    assert en(caught.value) == "The campaign has no scoring criteria."


def test_reviewer_score_refuses_a_criterion_listed_twice():
    criteria = [*ABC, Criterion("a", Decimal(1))]
    error = refusal(abc(1, 1, 1), criteria)
    assert error.criteria == ("a",)


def test_merit_score_refuses_bad_criteria_even_without_a_sheet():
    with pytest.raises(ScoringError):
        merit_score([], [], MEAN)


def test_merit_score_refuses_a_single_sheet_given_instead_of_a_list():
    with pytest.raises(ScoringError):
        merit_score(abc(4, 3, 5), ABC, MEAN)  # type: ignore[arg-type]


def test_merit_score_refuses_an_unknown_aggregation():
    with pytest.raises(ScoringError) as caught:
        merit_score(THREE, ABC, "mode")  # type: ignore[arg-type]
    assert en(caught.value) == "Unknown aggregation 'mode': expected one of mean, median."


@pytest.mark.parametrize("threshold", [Decimal("-0.01"), Decimal("NaN"), 5.0, True])
def test_a_threshold_must_be_a_number_of_zero_or_more(threshold):
    with pytest.raises(ScoringError):
        needs_second_look(THREE, ABC, threshold)
    with pytest.raises(ScoringError):
        summarise(THREE, ABC, MEAN, threshold)


# --- French level to rubric points -----------------------------------------------------------


@pytest.mark.parametrize(("level", "points"), list(CEFR_POINTS.items()))
def test_french_level_points_of_each_cefr_level(level, points):
    assert french_level_points(level) == points
    assert french_level_points(level.lower()) == points
    assert french_level_points(f" {level.lower()} ") == points


def test_french_level_points_go_from_0_to_the_rubric_maximum():
    assert [french_level_points(level) for level in ("A1", "A2", "B1", "B2", "C1", "C2")] == [
        0,
        1,
        2,
        3,
        4,
        MAX_POINTS,
    ]


@pytest.mark.parametrize("level", [None, "", "  "])
def test_french_level_points_of_no_level_is_none(level):
    assert french_level_points(level) is None


@pytest.mark.parametrize("level", ["B3", "native", "C", "B2+", "A0"])
def test_french_level_points_refuses_what_is_not_a_cefr_level(level):
    with pytest.raises(ScoringError) as caught:
        french_level_points(level)
    assert caught.value.criteria == ("french_level",)
    assert en(caught.value) == (
        f"“{level}” is not a CEFR level: expected one of A1, A2, B1, B2, C1, C2."
    )
    assert "CECRL" in fr(caught.value)


def test_french_level_points_refuses_a_number():
    with pytest.raises(ScoringError):
        french_level_points(3)  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------------

weights = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)
points_values = st.integers(min_value=0, max_value=MAX_POINTS)
thresholds = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)
methods = st.sampled_from(Aggregation)


@st.composite
def criteria_lists(draw: st.DrawFn) -> tuple[Criterion, ...]:
    chosen = draw(st.lists(weights, min_size=1, max_size=8))
    return tuple(Criterion(f"c{index}", weight) for index, weight in enumerate(chosen))


def sheets_for(criteria: tuple[Criterion, ...]) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries({criterion.code: points_values for criterion in criteria})


@st.composite
def reviews(
    draw: st.DrawFn, min_sheets: int = 0, max_sheets: int = 6
) -> tuple[tuple[Criterion, ...], list[dict[str, int]]]:
    criteria = draw(criteria_lists())
    sheets = draw(st.lists(sheets_for(criteria), min_size=min_sheets, max_size=max_sheets))
    return criteria, sheets


@given(reviews(min_sheets=1, max_sheets=1))
def test_reviewer_score_is_between_0_and_100_with_two_decimals(review):
    criteria, (sheet,) = review
    score = reviewer_score(sheet, criteria)
    assert Decimal(0) <= score <= Decimal(100)
    assert score.as_tuple().exponent == -2


@given(reviews(min_sheets=1, max_sheets=1))
def test_reviewer_score_agrees_with_the_formula_in_decimal_half_up(review):
    criteria, (sheet,) = review
    with localcontext(prec=60):
        earned = sum(c.weight * sheet[c.code] for c in criteria)
        possible = sum(c.weight * MAX_POINTS for c in criteria)
        expected = (earned / possible * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert reviewer_score(sheet, criteria) == expected


@given(reviews(min_sheets=1, max_sheets=1), st.data())
def test_raising_one_criterion_never_lowers_the_score(review, data):
    criteria, (sheet,) = review
    code = data.draw(st.sampled_from([criterion.code for criterion in criteria]))
    raised = {**sheet, code: data.draw(st.integers(min_value=sheet[code], max_value=MAX_POINTS))}
    assert reviewer_score(raised, criteria) >= reviewer_score(sheet, criteria)


@given(reviews(), st.data(), methods, thresholds)
def test_the_order_of_the_sheets_does_not_matter(review, data, method, threshold):
    criteria, sheets = review
    shuffled = data.draw(st.permutations(sheets))
    assert summarise(shuffled, criteria, method, threshold) == summarise(
        sheets, criteria, method, threshold
    )
    assert merit_score(shuffled, criteria, method) == merit_score(sheets, criteria, method)
    assert disagreement(shuffled, criteria) == disagreement(sheets, criteria)


@given(reviews(min_sheets=1), methods)
def test_the_merit_score_lies_between_the_lowest_and_highest_reviewer(review, method):
    criteria, sheets = review
    scores = [reviewer_score(sheet, criteria) for sheet in sheets]
    merit = merit_score(sheets, criteria, method)
    assert merit is not None
    assert min(scores) <= merit <= max(scores)


@given(reviews(min_sheets=1, max_sheets=1))
def test_mean_and_median_of_one_reviewer_are_that_reviewers_score(review):
    criteria, sheets = review
    score = reviewer_score(sheets[0], criteria)
    assert merit_score(sheets, criteria, MEAN) == score
    assert merit_score(sheets, criteria, MEDIAN) == score


@given(reviews(min_sheets=1, max_sheets=1), st.integers(min_value=1, max_value=5), methods)
def test_identical_reviews_agree_fully(review, copies, method):
    criteria, (sheet,) = review
    summary = summarise([sheet] * copies, criteria, method, Decimal(0))
    assert summary.merit == reviewer_score(sheet, criteria)
    assert summary.spread == 0
    assert summary.flagged is False


@given(reviews(), methods, thresholds)
def test_flagged_exactly_when_the_spread_exceeds_the_threshold(review, method, threshold):
    criteria, sheets = review
    summary = summarise(sheets, criteria, method, threshold)
    assert summary.flagged is (summary.spread > threshold)
    assert summary.flagged is needs_second_look(sheets, criteria, threshold)
    assert summary.spread == disagreement(sheets, criteria)
    assert summary.reviewers == len(sheets)
    assert summary.per_reviewer == tuple(
        sorted(reviewer_score(sheet, criteria) for sheet in sheets)
    )
    if len(sheets) >= 2:
        assert summary.spread == summary.per_reviewer[-1] - summary.per_reviewer[0]
    else:
        assert summary.spread == 0
    assert summary.merit == merit_score(sheets, criteria, method)


@given(reviews(min_sheets=1, max_sheets=1), st.integers().filter(lambda n: not 0 <= n <= 5))
def test_any_whole_number_off_the_rubric_is_refused(review, value):
    criteria, (sheet,) = review
    code = criteria[0].code
    with pytest.raises(ScoringError) as caught:
        reviewer_score({**sheet, code: value}, criteria)
    assert caught.value.criteria == (code,)
