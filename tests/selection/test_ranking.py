"""Merit ranking (issue 7, rule 1): worked examples, the published tie rule, refusals, and the
property that the input order never matters.

Pure module, so no database: the tests build `RankInput` values directly.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from selection.ranking import (
    DEFAULT_TIE_BREAK_CRITERIA,
    RankingError,
    RankInput,
    rank,
    tie_hash,
)
from selection.scoring import DEFAULT_CRITERIA
from tapif.core.messages import explain_message


def en(error) -> str:
    """The refusal as an English reader sees it."""
    with translation.override("en"):
        return explain_message(error.message)


def fr(error) -> str:
    """The refusal as a French reader sees it."""
    with translation.override("fr"):
        return explain_message(error.message)


def entry(id_, score, level="B2", **criteria):
    return RankInput(id_, None if score is None else Decimal(score), level, criteria)


def ids(ranking):
    return [ranked.id for ranked in ranking.ranked]


def test_rank_higher_score_first_whatever_the_ids():
    ranking = rank([entry("a", "50"), entry("b", "90"), entry("c", "70")], campaign_code="X")
    assert ids(ranking) == ["b", "c", "a"]
    assert [r.rank for r in ranking.ranked] == [1, 2, 3]
    assert [r.tie_break for r in ranking.ranked] == [None, None, None]


def test_rank_equal_scores_are_compared_as_numbers():
    ranking = rank([entry("a", "80.0", "B1"), entry("b", "80.00", "C1")], campaign_code="X")
    assert ids(ranking) == ["b", "a"]
    assert ranking.ranked[1].tie_break == "french_level"


def test_rank_tie_broken_by_french_level_higher_first_unknown_last():
    ranking = rank(
        [entry("a", "80", None), entry("b", "80", "b1"), entry("c", "80", " C2 ")],
        campaign_code="X",
    )
    assert ids(ranking) == ["c", "b", "a"]


def test_rank_tie_broken_by_criteria_in_the_given_order():
    one = entry("a", "80", "B2", motivation=5, teaching_experience=1)
    two = entry("b", "80", "B2", motivation=2, teaching_experience=4)
    by_motivation = rank([one, two], campaign_code="X", criteria_order=("motivation",))
    by_teaching = rank(
        [one, two], campaign_code="X", criteria_order=("teaching_experience", "motivation")
    )
    assert ids(by_motivation) == ["a", "b"]
    assert by_motivation.ranked[1].tie_break == "criterion:motivation"
    assert ids(by_teaching) == ["b", "a"]
    assert by_teaching.ranked[1].tie_break == "criterion:teaching_experience"


def test_rank_criterion_without_points_ranks_below_zero_points():
    ranking = rank(
        [entry("a", "80"), entry("b", "80", motivation=0)],
        campaign_code="X",
        criteria_order=("motivation",),
    )
    assert ids(ranking) == ["b", "a"]


def test_rank_full_tie_broken_by_the_campaign_hash_lowest_first():
    candidates = [entry(f"CA27-{n:05d}", "75") for n in range(6)]
    for campaign in ("2026-2027", "2027-2028"):
        ranking = rank(candidates, campaign_code=campaign)
        expected = sorted((c.id for c in candidates), key=lambda i: tie_hash(i, campaign))
        assert ids(ranking) == expected
        assert [r.tie_break for r in ranking.ranked] == [None] + ["hash"] * 5


def test_tie_hash_is_sha256_of_id_and_campaign():
    expected = hashlib.sha256(b"CA27-00001|2026-2027").hexdigest()
    assert tie_hash("CA27-00001", "2026-2027") == expected


def test_rank_unscored_candidates_are_returned_apart_sorted():
    ranking = rank([entry("z", None), entry("a", "10"), entry("m", None)], campaign_code="X")
    assert ids(ranking) == ["a"]
    assert ranking.unscored == ("m", "z")
    assert ranking.rank_of() == {"a": 1}


def test_rank_nothing_gives_an_empty_ranking():
    assert rank([], campaign_code="X").ranked == ()


def test_default_tie_break_criteria_follow_the_scoring_criteria():
    assert tuple(d.code for d in DEFAULT_CRITERIA) == DEFAULT_TIE_BREAK_CRITERIA


@pytest.mark.parametrize(
    ("candidates", "criteria_order", "fault"),
    [
        ([entry("a", "1"), entry("a", "2")], (), "more than once"),
        ([RankInput("a", 80.5, "B2", {})], (), "decimal number"),  # a binary float
        ([RankInput("a", Decimal("NaN"), "B2", {})], (), "decimal number"),
        ([RankInput("a", True, "B2", {})], (), "decimal number"),
        ([entry("a", "1", "B3")], (), "not a CEFR level"),
        ([entry("a", "1", motivation=True)], ("motivation",), "whole points"),
        ([entry("a", "1", motivation=2.0)], ("motivation",), "whole points"),
        ([entry("a", "1")], ("motivation", "motivation"), "more than once"),
    ],
)
def test_rank_refuses_bad_input_in_both_languages(candidates, criteria_order, fault):
    with pytest.raises(RankingError) as raised:
        rank(candidates, campaign_code="X", criteria_order=criteria_order)
    assert fault in en(raised.value)
    assert fr(raised.value)
    assert fr(raised.value) != en(raised.value)


CODES = ("motivation", "teaching_experience")
candidate_values = st.tuples(
    st.sampled_from(["70", "70.00", "80", "80.5", "90"]),
    st.sampled_from([None, "B1", "B2", "C1"]),
    st.fixed_dictionaries({}, optional={code: st.integers(0, 5) for code in CODES}),
)


@given(
    values=st.lists(candidate_values, max_size=25),
    data=st.data(),
)
def test_rank_is_the_same_for_any_input_order(values, data):
    candidates = [
        RankInput(f"c{n}", Decimal(score), level, criteria)
        for n, (score, level, criteria) in enumerate(values)
    ]
    shuffled = data.draw(st.permutations(candidates))
    first = rank(candidates, campaign_code="2026-2027", criteria_order=CODES)
    second = rank(shuffled, campaign_code="2026-2027", criteria_order=CODES)
    assert first == second
    assert [r.rank for r in first.ranked] == list(range(1, len(candidates) + 1))
    scores = [r.score for r in first.ranked]
    assert scores == sorted(scores, reverse=True)  # merit first, always
