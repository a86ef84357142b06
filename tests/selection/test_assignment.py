"""Balanced assignment of dossiers to reviewers (pure: no database)."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from selection.assignment import balanced_assignment


def loads(added: dict[str, list[str]], reviewers: list[str]) -> Counter:
    counts = Counter(dict.fromkeys(reviewers, 0))
    counts.update(r for chosen in added.values() for r in chosen)
    return counts


def test_balanced_assignment_spreads_evenly_in_order():
    added = balanced_assignment(["d1", "d2", "d3"], ["ann", "bob", "cid"], per_dossier=2)

    assert added == {"d1": ["ann", "bob"], "d2": ["cid", "ann"], "d3": ["bob", "cid"]}


def test_balanced_assignment_balance_within_one():
    reviewers = ["ann", "bob", "cid", "dan"]

    added = balanced_assignment([f"d{i}" for i in range(7)], reviewers, per_dossier=2)

    counts = loads(added, reviewers)
    assert sum(counts.values()) == 14
    assert max(counts.values()) - min(counts.values()) <= 1


def test_balanced_assignment_counts_existing_load_and_reviewers():
    added = balanced_assignment(
        ["d1", "d2"],
        ["ann", "bob", "cid"],
        per_dossier=2,
        existing={"d1": {"ann"}},
        load={"ann": 3, "bob": 1},
    )

    # d1 already has ann and needs one more: cid (0) before bob (1); d2 then gets bob and cid.
    assert added == {"d1": ["cid"], "d2": ["bob", "cid"]}


def test_balanced_assignment_never_a_conflict_and_reports_short_by_absence():
    added = balanced_assignment(
        ["d1", "d2"],
        ["ann", "bob"],
        per_dossier=2,
        conflicts={("d1", "ann"), ("d2", "ann"), ("d2", "bob")},
    )

    assert added == {"d1": ["bob"]}


def test_balanced_assignment_nothing_when_dossier_already_full():
    assert balanced_assignment(["d1"], ["ann"], per_dossier=1, existing={"d1": {"bob"}}) == {}


def test_balanced_assignment_refuses_negative_per_dossier():
    with pytest.raises(ValueError, match="per_dossier"):
        balanced_assignment(["d1"], ["ann"], per_dossier=-1)


@st.composite
def situations(draw):
    dossiers = [f"d{i}" for i in range(draw(st.integers(0, 25)))]
    reviewers = [f"r{i}" for i in range(draw(st.integers(0, 6)))]
    pairs = (
        st.sampled_from([(d, r) for d in dossiers for r in reviewers])
        if reviewers and dossiers
        else st.nothing()
    )
    conflicts = draw(st.sets(pairs, max_size=15)) if reviewers and dossiers else set()
    per_dossier = draw(st.integers(0, 4))
    return dossiers, reviewers, conflicts, per_dossier


@given(situations())
def test_balanced_assignment_properties(situation):
    dossiers, reviewers, conflicts, per_dossier = situation

    added = balanced_assignment(dossiers, reviewers, per_dossier=per_dossier, conflicts=conflicts)

    assert added == balanced_assignment(  # deterministic
        dossiers, reviewers, per_dossier=per_dossier, conflicts=conflicts
    )
    for dossier, chosen in added.items():
        assert len(chosen) == len(set(chosen)) <= per_dossier  # no duplicate, never too many
        assert not {(dossier, r) for r in chosen} & conflicts  # never a conflict
    for dossier in dossiers:
        free = [r for r in reviewers if (dossier, r) not in conflicts]
        assert len(added.get(dossier, [])) == min(per_dossier, len(free))  # as many as possible
    if not conflicts:
        counts = loads(added, reviewers)
        assert not counts or max(counts.values()) - min(counts.values()) <= 1  # balanced
