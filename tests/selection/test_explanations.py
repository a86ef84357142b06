"""Every refusal the scoring, the ranking and the calibration can give is worded in both
languages."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation

from selection import calibration, ranking, scoring
from selection.messages import SELECTION_WORDS
from tapif.core.messages import explain_message

ONE = (scoring.Criterion("a", Decimal(1)),)
REFUSALS = [
    lambda: scoring.Criterion("", Decimal(1)),
    lambda: scoring.Criterion("a", 1.5),
    lambda: scoring.Criterion("a", Decimal(0)),
    lambda: scoring.reviewer_score({}, ()),
    lambda: scoring.reviewer_score({"a": 1}, ONE * 2),
    lambda: scoring.reviewer_score([("a", 1)], ONE),
    lambda: scoring.reviewer_score({"a": 1, "b": 2}, ONE),
    lambda: scoring.reviewer_score({}, ONE),
    lambda: scoring.reviewer_score({"a": "1"}, ONE),
    lambda: scoring.reviewer_score({"a": 6}, ONE),
    lambda: scoring.merit_score({"a": 1}, ONE, scoring.Aggregation.MEAN),
    lambda: scoring.merit_score([], ONE, "mode"),
    lambda: scoring.needs_second_look([], ONE, Decimal(-1)),
    lambda: scoring.french_level_points(3),
    lambda: scoring.french_level_points("B3"),
    lambda: ranking.rank([ranking.RankInput("x", Decimal(1), "B3", {})], campaign_code="C"),
    lambda: ranking.rank(
        [ranking.RankInput("x", Decimal(1), "B2", {"motivation": 1.0})], campaign_code="C"
    ),
    lambda: ranking.rank([ranking.RankInput("x", 1.5, "B2", {})], campaign_code="C"),
    lambda: ranking.rank([ranking.RankInput("x", Decimal(1), "B2", {})] * 2, campaign_code="C"),
    lambda: ranking.rank([], campaign_code="C", criteria_order=("a", "a")),
    lambda: calibration.calibrate([], method="shrink"),
    lambda: calibration.calibrate([], method="standardise", min_reviews=1),
    lambda: calibration.calibrate(
        [calibration.ReviewScore("r", "d", Fraction(1))] * 2, method="none"
    ),
]
ERRORS = (scoring.ScoringError, ranking.RankingError, calibration.CalibrationError)


def _refusal(call) -> Exception:
    with pytest.raises(ERRORS) as caught:
        call()
    return caught.value


def test_every_refusal_is_worded_in_english_and_french():
    codes = set()
    for call in REFUSALS:
        error = _refusal(call)
        codes.add(error.code)
        with translation.override("en"):
            english = explain_message(error.message)
        with translation.override("fr"):
            french = explain_message(error.message)
        assert english != error.code
        assert "%(" not in english
        assert "%(" not in french
        assert french != english
    assert codes == set(SELECTION_WORDS)
