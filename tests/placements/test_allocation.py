"""Acceptance, waitlist and académie placement (issue 7, rules 2–6): named cases, the JSON
format, refusals, and properties over random instances.

Pure module, so no database: the tests build `Applicant` values (already ranked) directly, or
`Candidate` values for `simulate`, which ranks first.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placements.allocation import (
    AllocationError,
    Applicant,
    Candidate,
    CoupleMode,
    Decision,
    Flag,
    Level,
    Quota,
    SchoolLevel,
    SelectionInput,
    allocate,
    from_json,
    simulate,
    to_json,
)
from tapif.core.messages import is_known
from tests.words import codes, en, fr

PRIMARY, SECONDARY, EITHER = SchoolLevel.PRIMARY, SchoolLevel.SECONDARY, SchoolLevel.EITHER
TEACHES = {
    PRIMARY: {Level.PRIMARY},
    SECONDARY: {Level.SECONDARY},
    EITHER: {Level.PRIMARY, Level.SECONDARY},
}


def app(id_, rank, level=SECONDARY, prefs=(), **fields):
    return Applicant(id=id_, rank=rank, school_level=level, preferences=tuple(prefs), **fields)


def run(applicants, quotas, waitlist_size=10):
    return allocate(applicants, quotas, waitlist_size=waitlist_size).by_id()


def q(primary=0, secondary=0):
    return Quota(primary, secondary)


# --- rule 2: acceptance and waitlist ----------------------------------------------------------


def test_accept_in_rank_order_up_to_the_places_then_waitlist_then_not_selected():
    applicants = [app(f"c{n}", n, prefs=["PARIS"]) for n in range(1, 7)]
    result = run(applicants, {"PARIS": q(secondary=3)}, waitlist_size=2)
    assert [result[f"c{n}"].decision for n in range(1, 7)] == [
        Decision.ACCEPTED,
        Decision.ACCEPTED,
        Decision.ACCEPTED,
        Decision.WAITLISTED,
        Decision.WAITLISTED,
        Decision.NOT_SELECTED,
    ]
    assert [result[f"c{n}"].waitlist_position for n in (4, 5)] == [1, 2]
    assert en(result["c6"].explanation) == (
        "Rank 6 of 6. Not selected. All the places you could take (3, secondary) went to "
        "better-ranked candidates. The waitlist (2) is full."
    )


def test_accept_passes_over_a_candidate_whose_level_is_full():
    applicants = [
        app("p1", 1, PRIMARY),
        app("p2", 2, PRIMARY),  # the only primary place is taken
        app("s3", 3, SECONDARY),
    ]
    result = run(applicants, {"LYON": q(primary=1, secondary=1)})
    assert result["p1"].decision == Decision.ACCEPTED
    assert result["p2"].decision == Decision.WAITLISTED
    assert result["p2"].waitlist_position == 1
    assert result["s3"].decision == Decision.ACCEPTED


def test_either_candidates_hold_a_place_without_fixing_its_level():
    # The "either" candidate ranked first leaves the primary place to the primary-only one.
    applicants = [app("e1", 1, EITHER, ["LYON"]), app("p2", 2, PRIMARY, ["LYON"])]
    result = run(applicants, {"LYON": q(primary=1), "NICE": q(secondary=1)})
    assert result["p2"].academie == "LYON"
    assert result["p2"].level == Level.PRIMARY
    assert result["e1"].academie == "NICE"
    assert result["e1"].level == Level.SECONDARY
    assert Flag.LEVEL_RESERVED in result["e1"].flags
    assert "LYON: its primary places left were needed for accepted candidates who teach only " in (
        en(result["e1"].explanation)
    )


def test_returning_assistants_are_never_accepted_and_wait_behind_every_new_candidate():
    applicants = [
        app("old1", 1, returning=True, previous_evaluation_positive=True),
        app("old2", 2, returning=True, previous_evaluation_positive=False),
        app("new3", 3),
        app("new4", 4),
        app("new5", 5),
    ]
    result = run(applicants, {"PARIS": q(secondary=1)}, waitlist_size=5)
    assert result["new3"].decision == Decision.ACCEPTED
    assert result["old1"].decision == Decision.WAITLISTED
    assert [result[i].waitlist_position for i in ("new4", "new5", "old1")] == [1, 2, 3]
    assert "Former assistants go on the waitlist, behind every new candidate" in (
        en(result["old1"].explanation)
    )
    assert result["old2"].decision == Decision.NOT_SELECTED
    assert "positive evaluation" in en(result["old2"].explanation)


def test_an_empty_waitlist_leaves_the_others_not_selected():
    applicants = [app("a", 1), app("b", 2), app("c", 3)]
    result = run(applicants, {"PARIS": q(secondary=1)}, waitlist_size=0)
    assert [result[i].decision for i in "abc"] == [
        Decision.ACCEPTED,
        Decision.NOT_SELECTED,
        Decision.NOT_SELECTED,
    ]
    assert all(outcome.waitlist_position is None for outcome in result.values())
    assert "The waitlist (0) is full." in en(result["b"].explanation)


def test_ineligible_and_unscored_candidates_are_not_ranked():
    applicants = [app("x", None, eligible=False), app("y", None), app("z", 1, eligible=False)]
    allocation = allocate(applicants, {"PARIS": q(secondary=5)}, waitlist_size=5)
    result = allocation.by_id()
    assert result["x"].decision == result["z"].decision == Decision.INELIGIBLE
    assert result["y"].decision == Decision.NOT_SELECTED
    assert fr(result["y"].explanation) == (
        "Non retenu(e) : le dossier n’a pas de score de mérite, il n’a pas été classé."
    )
    assert [o.id for o in allocation.outcomes] == ["x", "y", "z"]
    assert allocation.academies["PARIS"].filled == {Level.PRIMARY: 0, Level.SECONDARY: 0}


# --- rule 3: placement -------------------------------------------------------------------------


def test_place_each_in_the_first_preference_with_a_place_and_say_why_not_better():
    quotas = {"PARIS": q(secondary=3), "LYON": q(secondary=5)}
    applicants = [app(f"c{n}", n, prefs=["PARIS", "LYON"]) for n in (4, 9, 12, 20)]
    result = run(applicants, quotas)
    assert [result[f"c{n}"].preference_obtained for n in (4, 9, 12, 20)] == [1, 1, 1, 2]
    assert result["c20"].academie == "LYON"
    assert en(result["c20"].explanation) == (
        "Rank 20 of 4. Accepted. Placed in LYON (secondary), your 2nd preference. PARIS: the 3 "
        "secondary places were taken by candidates ranked 4, 9 and 12."
    )
    assert fr(result["c20"].explanation) == (
        "Rang 20 sur 4. Retenu(e). Affecté(e) à LYON (secondaire), votre 2e vœu. PARIS : les 3 "
        "places en secondaire ont été prises par les candidats classés 4, 9 et 12."
    )


def test_all_preferences_full_gives_the_least_asked_academie_with_room():
    quotas = {"PARIS": q(secondary=1), "NICE": q(secondary=1), "LILLE": q(secondary=1)}
    applicants = [
        app("a", 1, prefs=["PARIS"]),
        app("b", 2, prefs=["PARIS"]),
        app("c", 3, prefs=["NICE"]),
    ]
    result = run(applicants, quotas)
    # LILLE: no first-choice request (NICE has one): the mobility rule picks it.
    assert result["b"].academie == "LILLE"
    assert result["b"].preference_obtained is None
    assert result["b"].flags == (Flag.FALLBACK,)
    assert en(result["b"].explanation) == (
        "Rank 2 of 3. Accepted. Placed in LILLE (secondary). PARIS: the secondary place was "
        "taken by the candidate ranked 1. None of your preferences had a place at your level: "
        "LILLE is the académie with a free place that the fewest candidates asked for first "
        "(0 first-choice requests)."
    )
    assert result["c"].academie == "NICE"


def test_fallback_tie_on_requests_goes_by_academie_code():
    quotas = {"PARIS": q(secondary=1), "NICE": q(secondary=1), "CAEN": q(secondary=1)}
    result = run([app("a", 1, prefs=["PARIS"]), app("b", 2, prefs=["PARIS"])], quotas)
    assert result["b"].academie == "CAEN"


def test_more_than_five_ranks_are_summed_up():
    applicants = [app(f"c{n}", n, prefs=["PARIS", "LYON"]) for n in range(1, 9)]
    result = run(applicants, {"PARIS": q(secondary=7), "LYON": q(secondary=1)})
    assert (
        "PARIS: the 7 secondary places were taken by better-ranked candidates, the last one "
        "ranked 7."
    ) in en(result["c8"].explanation)


def test_either_takes_the_level_with_more_places_to_spare_secondary_on_a_tie():
    tie = run([app("e", 1, EITHER, ["LYON"])], {"LYON": q(primary=1, secondary=1)})
    assert tie["e"].level == Level.SECONDARY
    spare = run([app("e", 1, EITHER, ["LYON"])], {"LYON": q(primary=3, secondary=1)})
    assert spare["e"].level == Level.PRIMARY


def test_totals_per_academie():
    quotas = {"PARIS": q(primary=1, secondary=2), "LYON": q(secondary=1)}
    applicants = [
        app("a", 1, prefs=["PARIS", "LYON"]),
        app("b", 2, PRIMARY, ["PARIS"]),
        app("c", 3, prefs=["LYON", "PARIS"]),
        app("d", 4, prefs=["PARIS"]),
    ]
    totals = allocate(applicants, quotas, waitlist_size=0).academies
    assert totals["PARIS"].places == {Level.PRIMARY: 1, Level.SECONDARY: 2}
    assert totals["PARIS"].filled == {Level.PRIMARY: 1, Level.SECONDARY: 2}
    assert totals["PARIS"].cutoff_rank == {Level.PRIMARY: 2, Level.SECONDARY: 4}
    assert totals["PARIS"].first_choice_requests == 3
    assert totals["PARIS"].any_choice_requests == 4
    assert totals["LYON"].first_choice_requests == 1
    assert totals["LYON"].any_choice_requests == 2


# --- rule 4: couples ---------------------------------------------------------------------------


def couple(first, second, mode=CoupleMode.TOGETHER_PREFERRED):
    return (
        replace(first, partner=second.id, couple=mode),
        replace(second, partner=first.id, couple=mode),
    )


def test_couple_placed_together_at_the_lower_partners_turn():
    quotas = {"PARIS": q(secondary=2), "LYON": q(secondary=2)}
    high, low = couple(app("h", 1, prefs=["PARIS"]), app("l", 3, prefs=["LYON"]))
    single = app("s", 2, prefs=["PARIS"])
    result = run([high, single, low], quotas)
    # The single ranked between them is served first: PARIS keeps one place, so the couple
    # goes to the first académie with room for both, following h's then l's preferences.
    assert result["s"].academie == "PARIS"
    assert result["h"].academie == result["l"].academie == "LYON"
    assert result["h"].preference_obtained is None
    assert result["l"].preference_obtained == 1
    assert result["h"].flags == result["l"].flags == (Flag.COUPLE_TOGETHER,)
    assert "at the turn of the lower-ranked of you (rank 3)" in en(result["h"].explanation)
    assert "PARIS: no place for both of you." in en(result["h"].explanation)


def test_couple_follows_the_higher_ranked_partners_preferences_first():
    quotas = {"PARIS": q(secondary=2), "LYON": q(secondary=2)}
    high, low = couple(app("h", 2, prefs=["PARIS"]), app("l", 1, prefs=["LYON"]))
    result = run([high, low], quotas)
    assert result["h"].academie == result["l"].academie == "LYON"  # l ranks higher (1)


def test_couple_fallback_to_the_least_asked_academie_with_two_places():
    quotas = {"PARIS": q(secondary=1), "LYON": q(secondary=1), "CAEN": q(secondary=2)}
    high, low = couple(app("h", 1, prefs=["PARIS"]), app("l", 2, prefs=["LYON"]))
    result = run([high, low], quotas)
    assert result["h"].academie == result["l"].academie == "CAEN"
    assert result["h"].flags == (Flag.COUPLE_TOGETHER, Flag.FALLBACK)
    assert "CAEN is the académie with room for both" in en(result["l"].explanation)


def test_couple_together_only_goes_to_the_top_of_the_waitlist_flagged():
    quotas = {"PARIS": q(secondary=1), "LYON": q(secondary=1)}
    high, low = couple(
        app("h", 1, prefs=["PARIS"]), app("l", 2, prefs=["LYON"]), CoupleMode.TOGETHER_ONLY
    )
    result = run([high, low, app("s", 3), app("t", 4)], quotas)
    assert result["h"].decision == result["l"].decision == Decision.WAITLISTED
    assert [result[i].waitlist_position for i in "hl"] == [1, 2]
    assert result["h"].flags == (Flag.COUPLE_WAITLISTED,)
    assert result["s"].decision == Decision.WAITLISTED  # accepted only from the places
    assert result["s"].waitlist_position == 3
    assert "asked to be placed together only" in en(result["l"].explanation)


def test_couple_together_only_if_either_partner_declared_it():
    quotas = {"PARIS": q(secondary=1), "LYON": q(secondary=1)}
    high, low = couple(app("h", 1, prefs=["PARIS"]), app("l", 2, prefs=["LYON"]))
    low = replace(low, couple=CoupleMode.TOGETHER_ONLY)
    assert run([high, low], quotas)["h"].decision == Decision.WAITLISTED


def test_couple_together_preferred_places_each_apart_flagged():
    quotas = {"PARIS": q(secondary=1), "LYON": q(secondary=1)}
    high, low = couple(app("h", 1, prefs=["PARIS"]), app("l", 2, prefs=["LYON"]))
    result = run([high, low], quotas)
    assert (result["h"].academie, result["l"].academie) == ("PARIS", "LYON")
    assert result["h"].flags == result["l"].flags == (Flag.COUPLE_APART,)
    assert "“together preferred”" in en(result["h"].explanation)


def test_couple_with_one_partner_accepted_is_treated_as_single():
    quotas = {"PARIS": q(secondary=1)}
    high, low = couple(app("h", 1, prefs=["PARIS"]), app("l", 2, prefs=["PARIS"]))
    result = run([high, low], quotas)
    assert result["h"].academie == "PARIS"
    assert result["h"].flags == ()
    assert result["l"].decision == Decision.WAITLISTED


def test_couple_of_different_levels_takes_one_place_at_each_level():
    quotas = {"PARIS": q(primary=1, secondary=1), "LYON": q(secondary=2)}
    high, low = couple(app("h", 1, PRIMARY, ["LYON"]), app("l", 2, SECONDARY, ["LYON"]))
    result = run([high, low], quotas)
    assert result["h"].academie == result["l"].academie == "PARIS"
    assert (result["h"].level, result["l"].level) == (Level.PRIMARY, Level.SECONDARY)


# --- JSON and simulate -------------------------------------------------------------------------

SAMPLE = {
    "campaign": "2026-2027",
    "quotas": {"PARIS": {"primary": 0, "secondary": 1}, "LYON": {"primary": 1, "secondary": 0}},
    "waitlist_size": 1,
    "candidates": [
        {
            "id": "CA27-00001",
            "score": 80.25,
            "eligible": True,
            "returning": False,
            "previous_evaluation_positive": False,
            "school_level": "either",
            "preferences": ["PARIS", "LYON"],
            "partner": None,
            "french_level": "B2",
            "criteria": {"motivation": 4},
        },
        {
            "id": "CA27-00002",
            "score": "80.25",
            "eligible": True,
            "returning": False,
            "previous_evaluation_positive": False,
            "school_level": "secondary",
            "preferences": ["PARIS"],
            "partner": None,
            "french_level": "C1",
            "criteria": {"motivation": 1},
        },
        {"id": "CA27-00003", "score": None, "eligible": False},
    ],
}


def test_simulate_from_json_to_json_with_a_tie():
    output = json.loads(to_json(simulate(from_json(json.dumps(SAMPLE)))))
    first, second, third = output["candidates"]
    # Equal scores: the C1 French level ranks first.
    assert (first["id"], first["rank"], first["academie"], first["level"]) == (
        "CA27-00002",
        1,
        "PARIS",
        "secondary",
    )
    assert (second["id"], second["academie"], second["preference_obtained"]) == (
        "CA27-00001",
        "LYON",
        2,
    )
    assert set(second) == {
        "id",
        "rank",
        "decision",
        "waitlist_position",
        "academie",
        "level",
        "preference_obtained",
        "explanation",
        "flags",
    }
    assert third == {
        "id": "CA27-00003",
        "rank": None,
        "decision": "ineligible",
        "waitlist_position": None,
        "academie": None,
        "level": None,
        "preference_obtained": None,
        "explanation": [{"code": "allocation.ineligible", "params": {}}],
        "flags": [],
    }
    assert en(third["explanation"]) == "Not eligible: the dossier was not ranked."
    assert fr(third["explanation"]) == "Non éligible : le dossier n’a pas été classé."
    assert output["academies"]["PARIS"] == {
        "places": {"primary": 0, "secondary": 1},
        "filled": {"primary": 0, "secondary": 1},
        "cutoff_rank": {"primary": None, "secondary": 1},
        "first_choice_requests": 2,
        "any_choice_requests": 2,
    }
    assert output["totals"] == {
        "places": 2,
        "accepted": 2,
        "placed": 2,
        "waitlisted": 0,
        "not_selected": 0,
        "ineligible": 1,
    }


def test_from_json_reads_scores_as_decimals():
    selection = from_json(json.dumps(SAMPLE))
    assert selection.candidates[0].score == Decimal("80.25")
    assert selection.campaign == "2026-2027"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("[]", "Expected a JSON object"),
        ("{", "Not valid JSON"),
        ('{"quotas": {}, "candidates": []}', "waitlist_size"),
        ('{"quotas": {"P": {"primary": 1}}, "waitlist_size": 0, "candidates": []}', "secondary"),
        (
            '{"quotas": {}, "waitlist_size": 0, "candidates": [{"id": "a", "eligible": true, '
            '"school_level": "college"}]}',
            "school_level",
        ),
        (
            '{"quotas": {}, "waitlist_size": 0, "candidates": [{"id": "a", "eligible": true, '
            '"score": "high"}]}',
            "must be a number",
        ),
    ],
)
def test_from_json_refuses_bad_input(text, fault):
    with pytest.raises(AllocationError) as raised:
        from_json(text)
    assert fault in en(raised.value.message)
    assert fr(raised.value.message) not in ("", en(raised.value.message))


def test_simulate_turns_a_ranking_error_into_an_allocation_error():
    bad = Candidate(id="a", score=Decimal(1), eligible=True, french_level="Z9")
    with pytest.raises(AllocationError) as raised:
        simulate(SelectionInput(quotas={}, waitlist_size=0, candidates=(bad,)))
    assert "not a CEFR level" in en(raised.value.message)
    assert raised.value.ids == ("a",)


@pytest.mark.parametrize(
    ("applicants", "quotas", "fault"),
    [
        ([app("a", 1), app("a", 2)], {}, "more than once"),
        ([app("a", 1), app("b", 1)], {}, "not a free rank"),
        ([app("a", 1, prefs=["A", "B", "C", "D"])], {}, "at most 3"),
        ([app("a", 1, prefs=["A", "A"])], {}, "at most 3"),
        ([app("a", 1, partner="b"), app("b", 2)], {}, "does not name them back"),
        ([app("a", 1)], {"A": q(-1, 0)}, "0 or more"),
    ],
)
def test_allocate_refuses_bad_input_in_both_languages(applicants, quotas, fault):
    with pytest.raises(AllocationError) as raised:
        allocate(applicants, quotas, waitlist_size=0)
    assert fault in en(raised.value.message)
    assert fr(raised.value.message) not in ("", en(raised.value.message))


# --- properties (rules 2–5) --------------------------------------------------------------------

ACADEMIES = ("A", "B", "C", "D")


@st.composite
def instances(draw):
    codes = draw(st.lists(st.sampled_from(ACADEMIES), min_size=1, max_size=4, unique=True))
    quotas = {code: Quota(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for code in codes}
    size = draw(st.integers(0, 20))
    order = draw(st.permutations(range(1, size + 1)))
    applicants = []
    for n in range(size):
        eligible = draw(st.integers(0, 3)) > 0  # one in four ineligible
        applicants.append(
            Applicant(
                id=f"c{n}",
                rank=order[n] if eligible else None,
                eligible=eligible,
                returning=draw(st.integers(0, 5)) == 0,
                previous_evaluation_positive=draw(st.booleans()),
                school_level=draw(st.sampled_from(list(SchoolLevel))),
                # "Z" has no quota: a preference for an académie without places.
                preferences=tuple(
                    draw(st.lists(st.sampled_from((*ACADEMIES, "Z")), max_size=3, unique=True))
                ),
                couple=draw(st.sampled_from(list(CoupleMode))),
            )
        )
    pairs = draw(st.integers(0, size // 2))
    for k in range(pairs):
        a, b = applicants[2 * k], applicants[2 * k + 1]
        applicants[2 * k] = replace(a, partner=b.id)
        applicants[2 * k + 1] = replace(b, partner=a.id)
    return applicants, quotas, draw(st.integers(0, 6))


def turn(outcome, by_id):
    """When the candidate was placed: a couple's at its lower-ranked partner's rank."""
    applicant = by_id[outcome.id]
    if {Flag.COUPLE_TOGETHER, Flag.COUPLE_APART} & set(outcome.flags):
        partner = by_id[applicant.partner]
        return (max(applicant.rank, partner.rank), applicant.rank)
    return (applicant.rank, applicant.rank)


def prefers(applicant, academie, other):
    prefs = applicant.preferences
    if academie not in prefs:
        return False
    return other not in prefs or prefs.index(academie) < prefs.index(other)


@settings(max_examples=300, deadline=None)
@given(instances())
def test_rules_2_to_5_hold_on_random_instances(instance):
    applicants, quotas, waitlist_size = instance
    by_id = {a.id: a for a in applicants}
    allocation = allocate(applicants, quotas, waitlist_size=waitlist_size)
    outcomes = allocation.outcomes
    placed = [o for o in outcomes if o.academie]

    # Capacity is never exceeded, and everyone accepted is placed at a level they teach.
    filled = {}
    for outcome in placed:
        filled[outcome.academie, outcome.level] = (
            filled.get((outcome.academie, outcome.level), 0) + 1
        )
        assert outcome.level in TEACHES[by_id[outcome.id].school_level]
    for (code, level), count in filled.items():
        quota = quotas[code]
        assert count <= (quota.primary if level is Level.PRIMARY else quota.secondary)
    assert all(o.academie for o in outcomes if o.decision == Decision.ACCEPTED)
    assert sum(allocation.academies[c].filled[lv] for c, lv in filled) == len(placed)

    # Returning assistants are never accepted; the ineligible and unranked never ranked.
    for outcome in outcomes:
        applicant = by_id[outcome.id]
        if applicant.returning:
            assert outcome.decision != Decision.ACCEPTED
        if not applicant.eligible:
            assert (outcome.decision, outcome.rank) == (Decision.INELIGIBLE, None)
        assert all(is_known(code) for code in codes(outcome.explanation))
        assert en(outcome.explanation)
        assert fr(outcome.explanation)

    # Waitlist: positions 1..n; couples sent back, then new by rank, then returning by rank.
    waitlisted = sorted(
        (o for o in outcomes if o.decision == Decision.WAITLISTED),
        key=lambda o: o.waitlist_position,
    )
    assert [o.waitlist_position for o in waitlisted] == list(range(1, len(waitlisted) + 1))
    tiers = [
        (0 if Flag.COUPLE_WAITLISTED in o.flags else 2 if by_id[o.id].returning else 1)
        for o in waitlisted
    ]
    assert tiers == sorted(tiers)
    for tier in (1, 2):
        ranks = [o.rank for o, t in zip(waitlisted, tiers, strict=True) if t == tier]
        assert ranks == sorted(ranks)
    assert sum(1 for t in tiers if t == 1) <= waitlist_size
    if any(
        o.decision == Decision.NOT_SELECTED and o.rank and not by_id[o.id].returning
        for o in outcomes
    ):
        assert sum(1 for t in tiers if t == 1) == waitlist_size

    # Accepted or not in rank order: a new candidate after the waitlist never outranks an
    # accepted one of the same level.
    accepted = [
        o
        for o in outcomes
        if o.decision == Decision.ACCEPTED or (Flag.COUPLE_WAITLISTED in o.flags)
    ]
    if accepted:
        for outcome in outcomes:
            applicant = by_id[outcome.id]
            if (
                outcome.decision == Decision.NOT_SELECTED
                and outcome.rank
                and not applicant.returning
            ):
                assert all(
                    o.rank < outcome.rank
                    for o in accepted
                    if by_id[o.id].school_level == applicant.school_level
                )

    # No envy between turns (exceptions documented in the module: a couple's joint choice, a
    # level kept for the accepted who teach only that level).
    for i in placed:
        for j in placed:
            if turn(i, by_id) >= turn(j, by_id):
                continue
            if j.level not in TEACHES[by_id[i.id].school_level]:
                continue
            if not prefers(by_id[i.id], j.academie, i.academie):
                continue
            assert Flag.COUPLE_TOGETHER in i.flags or (
                Flag.LEVEL_RESERVED in i.flags and j.level != i.level
            ), (i, j)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_linking_a_couple_never_moves_anyone_earlier(instance):
    applicants, quotas, waitlist_size = instance
    linked = allocate(applicants, quotas, waitlist_size=waitlist_size).by_id()
    single = allocate(
        [replace(a, partner=None) for a in applicants], quotas, waitlist_size=waitlist_size
    ).by_id()
    by_id = {a.id: a for a in applicants}
    couples = [
        (a, by_id[a.partner])
        for a in applicants
        if a.partner and linked[a.id].rank and linked[a.partner].rank
    ]
    first_higher = min((min(a.rank, b.rank) for a, b in couples), default=None)
    for outcome_id, outcome in linked.items():
        # Merit alone decides who is accepted (a couple sent back is accepted on merit).
        if Flag.COUPLE_WAITLISTED in outcome.flags:
            assert single[outcome_id].decision == Decision.ACCEPTED
        elif outcome.decision in (Decision.ACCEPTED, Decision.INELIGIBLE):
            assert single[outcome_id].decision == outcome.decision
        # Turns before any couple's higher-ranked partner are placed exactly as without couples
        # (waitlist positions may move: a couple sent back goes to the top of the new tier).
        if first_higher is not None and outcome.rank and outcome.rank < first_higher:
            alone = single[outcome_id]
            assert (outcome.decision, outcome.academie, outcome.level) == (
                alone.decision,
                alone.academie,
                alone.level,
            )
            assert outcome.preference_obtained == alone.preference_obtained
    # A couple placed together is never placed before its lower-ranked partner's turn: every
    # single ranked between the partners chose first.
    for higher, lower in couples:
        if Flag.COUPLE_TOGETHER not in linked[higher.id].flags:
            continue
        low, high = sorted((higher.rank, lower.rank), reverse=True)
        for other in linked.values():
            applicant = by_id[other.id]
            if other.academie and high < other.rank < low and not applicant.partner:
                for member in (higher, lower):
                    got = linked[member.id]
                    if got.level in TEACHES[applicant.school_level]:
                        assert not prefers(applicant, got.academie, other.academie) or (
                            Flag.LEVEL_RESERVED in other.flags and got.level != other.level
                        )


def test_explanations_name_the_academies_when_their_names_are_given():
    applicants = [app("a", 1, prefs=("paris", "lyon")), app("b", 2, prefs=("paris", "lyon"))]
    quotas = {"paris": Quota(0, 1), "lyon": Quota(0, 1)}

    named = allocate(
        applicants, quotas, waitlist_size=0, names={"paris": "Paris", "lyon": "Lyon"}
    ).by_id()
    plain = allocate(applicants, quotas, waitlist_size=0).by_id()

    assert named["b"].academie == "lyon"  # the code stays the code
    assert "Placed in Lyon (secondary)" in en(named["b"].explanation)
    assert "Paris:" in en(named["b"].explanation)
    assert "Affecté(e) à Lyon" in fr(named["b"].explanation)
    assert "Placed in lyon (secondary)" in en(plain["b"].explanation)


def test_explanations_are_written_when_read_and_then_kept():
    applicants = [app("a", 1), app("b", 2), app("c", 3)]
    allocation = allocate(applicants, {"PARIS": q(secondary=1)}, waitlist_size=1)
    outcome = allocation.by_id()["b"]
    assert "explanation" not in outcome.__dict__  # nothing written by the allocation itself
    first = outcome.explanation
    assert first[1] == {"code": "allocation.waitlisted", "params": {"position": 1}}
    assert outcome.explanation is first
