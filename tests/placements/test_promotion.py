"""The waitlist promotion rules (placements/promotion.py), pure: examples for each rule and
hypothesis properties: the candidate chosen never already holds a place, always teaches at the
place's level, new candidates before returning assistants, who listed the académie before who
did not, rank order, everyone passed on the way logged with a reason."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placements.promotion import (
    OFFERED_REASONS,
    CoupleMode,
    Level,
    Place,
    PromotionError,
    Reason,
    SchoolLevel,
    Standing,
    Waitlisted,
    promote,
    teaches,
)
from tapif.core.messages import is_known
from tests.words import en, fr

LYON = Place("LYON", Level.PRIMARY)


def ids(promotion) -> list[tuple[str, Reason]]:
    return [(c.id, c.reason) for c in promotion.considered]


# --- examples ---------------------------------------------------------------------------------


def test_the_best_ranked_new_candidate_who_listed_it_and_teaches_the_level_gets_it():
    waitlist = [
        Waitlisted("A", 3, preferences=("LYON",)),
        Waitlisted("B", 5, preferences=("LYON",)),
    ]

    promotion = promote(LYON, waitlist, names={"LYON": "Lyon"})

    assert promotion.offers == (("A", LYON),)
    assert ids(promotion) == [("A", Reason.LISTED)]
    (chosen,) = promotion.considered
    assert en(chosen.explanation) == (
        "Offered the primary place freed in Lyon: the best-ranked new candidate on the waitlist "
        "who listed Lyon and teaches at primary level (rank 3)."
    )
    assert fr(chosen.explanation) == (
        "Place en primaire libérée à Lyon proposée : le nouveau candidat le mieux classé de la "
        "liste d’attente ayant demandé Lyon et enseignant en primaire (rang 3)."
    )


def test_new_candidates_come_before_returning_assistants_even_better_ranked_ones():
    waitlist = [
        Waitlisted("R", 1, returning=True, preferences=("LYON",)),
        Waitlisted("N", 9),  # did not list Lyon, but is new
    ]

    promotion = promote(LYON, waitlist)

    assert promotion.offers == (("N", LYON),)
    assert ids(promotion) == [("N", Reason.LEVEL_FITS)]  # R is behind N: not considered


def test_a_returning_assistant_gets_the_place_when_no_new_candidate_can_take_it():
    waitlist = [
        Waitlisted("N1", 2, school_level=SchoolLevel.SECONDARY),
        Waitlisted("N2", 3, standing=Standing.WITHDRAWN),
        Waitlisted("R2", 4, returning=True),
        Waitlisted("R1", 1, returning=True, preferences=("LYON",)),
    ]

    promotion = promote(LYON, waitlist)

    assert promotion.offers == (("R1", LYON),)
    assert ids(promotion) == [
        ("N1", Reason.LEVEL),
        ("N2", Reason.WITHDRAWN),
        ("R1", Reason.LISTED),
    ]
    assert "no new candidate could take it" in en(promotion.considered[-1].explanation)


def test_who_listed_the_academie_comes_before_a_better_ranked_who_did_not():
    waitlist = [
        Waitlisted("A", 1, preferences=("PARIS",)),
        Waitlisted("B", 2, preferences=("NICE", "LYON")),
        Waitlisted("C", 3, preferences=("LYON",)),
    ]

    promotion = promote(LYON, waitlist, names={"LYON": "Lyon"})

    assert promotion.offers == (("B", LYON),)
    assert ids(promotion) == [("A", Reason.NOT_LISTED), ("B", Reason.LISTED)]
    assert en(promotion.considered[0].explanation) == (
        "Did not list Lyon; the candidate ranked 2, who did, takes the place."
    )
    assert fr(promotion.considered[0].explanation) == (
        "N’a pas demandé Lyon ; le candidat classé 2, qui l’avait demandée, obtient la place."
    )


def test_nobody_can_take_it_every_candidate_is_logged_and_nothing_offered():
    waitlist = [
        Waitlisted("A", 1, school_level=SchoolLevel.SECONDARY),
        Waitlisted("B", 2, standing=Standing.HOLDS_PLACE),
        Waitlisted("C", 3, standing=Standing.DECLINED),
        Waitlisted("D", 4, standing=Standing.NOT_WAITING),
    ]

    promotion = promote(LYON, waitlist)

    assert promotion.offers == ()
    assert ids(promotion) == [
        ("A", Reason.LEVEL),
        ("B", Reason.HOLDS_PLACE),
        ("C", Reason.DECLINED),
        ("D", Reason.NOT_WAITING),
    ]


def couple_of(first: str, second: str, mode=CoupleMode.TOGETHER_ONLY, **fields):
    return (
        Waitlisted(first, 2, partner=second, couple=mode, preferences=("LYON",), **fields),
        Waitlisted(second, 4, partner=first, couple=mode, school_level=SchoolLevel.SECONDARY),
    )


def test_a_couple_together_only_takes_the_freed_place_and_a_vacant_one_in_the_academie():
    waitlist = [*couple_of("A", "B"), Waitlisted("C", 3, preferences=("LYON",))]

    alone = promote(LYON, waitlist)
    together = promote(LYON, waitlist, vacancies={Place("LYON", Level.SECONDARY): 1})

    # no second place: the couple is passed (both partners, A being ahead of C), C gets it
    assert alone.offers == (("C", LYON),)
    assert ids(alone) == [
        ("C", Reason.LISTED),
        ("A", Reason.COUPLE_TWO_PLACES),
        ("B", Reason.COUPLE_TWO_PLACES),
    ]
    # a secondary place vacant in Lyon: the couple's turn (B's, rank 4) comes after C's
    assert together.offers == (("C", LYON),)
    assert ids(together) == [
        ("C", Reason.LISTED),
        ("A", Reason.COUPLE_TURN),
        ("B", Reason.COUPLE_TURN),
    ]
    first_in_line = promote(
        LYON, waitlist[:2], vacancies={Place("LYON", Level.SECONDARY): 1}, names={"LYON": "Lyon"}
    )
    assert first_in_line.offers == (("A", LYON), ("B", Place("LYON", Level.SECONDARY)))
    assert [c.reason for c in first_in_line.considered] == [Reason.LISTED, Reason.LISTED]
    assert "together with their partner B" in en(first_in_line.considered[0].explanation)


def test_a_couple_with_no_second_place_is_passed_with_that_reason():
    promotion = promote(LYON, couple_of("A", "B"), names={"LYON": "Lyon"})

    assert promotion.offers == ()
    assert ids(promotion) == [("A", Reason.COUPLE_TWO_PLACES), ("B", Reason.COUPLE_TWO_PLACES)]
    assert en(promotion.considered[0].explanation) == (
        "Applies as a couple placed together only with B: Lyon has no second place, at a level "
        "the partner teaches, for both of them."
    )


def test_a_couple_who_accept_to_be_apart_are_considered_one_by_one():
    promotion = promote(LYON, couple_of("A", "B", CoupleMode.TOGETHER_PREFERRED))

    assert promotion.offers == (("A", LYON),)


def test_together_only_with_a_partner_placed_elsewhere_takes_only_the_partners_academie():
    placed_in_nice = Waitlisted(
        "A", 1, partner="P", couple=CoupleMode.TOGETHER_ONLY, partner_academie="NICE"
    )
    placed_in_lyon = Waitlisted(
        "A", 1, partner="P", couple=CoupleMode.TOGETHER_ONLY, partner_academie="LYON"
    )
    other = Waitlisted("B", 2, preferences=("LYON",))

    elsewhere = promote(LYON, [placed_in_nice, other], names={"NICE": "Nice"})
    same = promote(LYON, [placed_in_lyon, other])

    assert elsewhere.offers == (("B", LYON),)
    assert ids(elsewhere)[0] == ("A", Reason.COUPLE_ELSEWHERE)
    assert "holds a place in Nice" in en(elsewhere.considered[0].explanation)
    assert same.offers == (("A", LYON),)  # the partner's académie counts as listed
    assert ids(same) == [("A", Reason.LISTED)]


def test_a_waitlist_with_a_rank_twice_is_refused():
    with pytest.raises(PromotionError):
        promote(LYON, [Waitlisted("A", 1), Waitlisted("B", 1)])


# --- properties -------------------------------------------------------------------------------

ACADEMIES = ("LYON", "NICE", "PARIS", "CAEN")


@st.composite
def waitlists(draw):
    size = draw(st.integers(min_value=0, max_value=12))
    ranks = draw(st.permutations(range(1, size + 1)))
    candidates = []
    for index, rank in enumerate(ranks):
        candidates.append(
            {
                "id": f"C{index:02d}",
                "rank": rank,
                "returning": draw(st.booleans()),
                "school_level": draw(st.sampled_from(list(SchoolLevel))),
                "preferences": tuple(
                    draw(st.lists(st.sampled_from(ACADEMIES), max_size=3, unique=True))
                ),
                "standing": draw(
                    st.sampled_from(list(Standing)) if draw(st.booleans()) else st.just("waiting")
                ),
            }
        )
    # a few couples: consecutive pairs naming each other
    for first, second in zip(candidates[::2], candidates[1::2], strict=False):
        if draw(st.integers(0, 3)) == 0:
            mode = draw(st.sampled_from(list(CoupleMode)))
            first["partner"], second["partner"] = second["id"], first["id"]
            first["couple"] = second["couple"] = mode
    for candidate in candidates:
        if "partner" not in candidate and draw(st.integers(0, 5)) == 0:
            candidate["partner"] = "OUTSIDE"
            candidate["couple"] = CoupleMode.TOGETHER_ONLY
            candidate["partner_academie"] = draw(st.sampled_from(ACADEMIES))
    return [Waitlisted(**candidate) for candidate in candidates]


places = st.builds(Place, st.sampled_from(ACADEMIES), st.sampled_from(list(Level)))
vacancies = st.dictionaries(places, st.integers(0, 2), max_size=4)


def _together_with(candidate: Waitlisted, by_id) -> Waitlisted | None:
    """The partner a candidate goes with (both waiting, together only), if any."""
    partner = by_id.get(candidate.partner) if candidate.partner else None
    together = (
        partner is not None
        and partner.partner == candidate.id
        and candidate.standing == partner.standing == Standing.WAITING
        and CoupleMode.TOGETHER_ONLY in (candidate.couple, partner.couple)
    )
    return partner if together else None


def _goes_as_returning(candidate: Waitlisted, by_id) -> bool:
    partner = _together_with(candidate, by_id)
    return candidate.returning or (partner is not None and partner.returning)


def _chosen_unit(promotion):
    return [c for c in promotion.considered if c.offered]


@settings(max_examples=300, deadline=None)
@given(place=places, waitlist=waitlists(), vacant=vacancies)
def test_promotion_properties(place, waitlist, vacant):
    promotion = promote(place, waitlist, vacancies=vacant)
    by_id = {w.id: w for w in waitlist}
    offered = _chosen_unit(promotion)
    logged = {c.id: c for c in promotion.considered}

    # every candidate is logged at most once, with sentences in both languages
    assert len(logged) == len(promotion.considered)
    assert all(is_known(c.explanation["code"]) for c in promotion.considered)
    assert all(en(c.explanation) and fr(c.explanation) for c in promotion.considered)
    # at most two offers: the freed place itself, and a couple's second place
    assert len(offered) <= 2
    for item in offered:
        candidate = by_id[item.id]
        # never someone who already holds a place, or is not waiting
        assert candidate.standing == Standing.WAITING
        # always at a level they teach, in the freed place's académie
        assert teaches(candidate.school_level, item.place.level)
        assert item.place.academie == place.academie
        assert item.reason in OFFERED_REASONS
    if offered:
        assert sum(1 for item in offered if item.place == place) >= 1
    if len(offered) == 2:
        first, second = (by_id[item.id] for item in offered)
        assert (first.partner, second.partner) == (second.id, first.id)
        taken = [item.place for item in offered]
        taken.remove(place)  # one partner on the freed place…
        assert vacant.get(taken[0], 0) >= 1  # …the other on a place still vacant there

    skipped = [c for c in promotion.considered if not c.offered]
    if not offered:
        # nobody could take it: everyone is logged, each with a reason of their own
        assert len(promotion.considered) == len(waitlist)
        assert all(c.reason not in (*OFFERED_REASONS, Reason.NOT_LISTED) for c in skipped)
        return
    returning = any(by_id[item.id].returning for item in offered)
    if returning:
        # new before returning (a couple going together with a returning partner goes as
        # returning): every other new candidate was logged, none could take it
        for candidate in waitlist:
            if not _goes_as_returning(candidate, by_id) and candidate.id not in {
                i.id for i in offered
            }:
                assert candidate.id in logged
                assert logged[candidate.id].reason not in (*OFFERED_REASONS, Reason.NOT_LISTED)
    # passed over for not listing the académie only when the chosen one listed it
    if any(c.reason == Reason.NOT_LISTED for c in skipped):
        assert offered[0].reason == Reason.LISTED
    for candidate in skipped:
        assert candidate.reason not in OFFERED_REASONS
        waiting = by_id[candidate.id]
        if candidate.reason == Reason.LEVEL and not waiting.partner:
            assert not teaches(waiting.school_level, place.level)
        if candidate.reason == Reason.NOT_LISTED:
            partner = _together_with(waiting, by_id)
            assert waiting.standing == Standing.WAITING
            if partner is None:
                assert place.academie not in waiting.preferences
                assert teaches(waiting.school_level, place.level)
            else:  # a couple: neither listed it
                assert place.academie not in (*waiting.preferences, *partner.preferences)
    # everyone ahead of the chosen one (or couple) on the waitlist is logged
    turn = max((by_id[item.id].returning, by_id[item.id].rank) for item in offered)
    for candidate in waitlist:
        if (candidate.returning, candidate.rank) < turn:
            assert candidate.id in logged


@settings(max_examples=100, deadline=None)
@given(place=places, waitlist=waitlists(), vacant=vacancies, seed=st.integers(0, 1000))
def test_the_order_of_the_input_does_not_matter(place, waitlist, vacant, seed):
    shuffled = list(waitlist)
    random.Random(seed).shuffle(shuffled)  # noqa: S311 (a test's shuffle, not a secret)

    assert promote(place, shuffled, vacancies=vacant) == promote(place, waitlist, vacancies=vacant)
