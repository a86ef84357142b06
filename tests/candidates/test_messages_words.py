"""The words of the eligibility rules' messages: every code the rules produce is worded in both
languages, and the dates read as the programme writes them."""

from __future__ import annotations

import random
from datetime import date

import pytest
from django.utils import translation

from candidates.eligibility import (
    CEFR_LEVELS,
    CITIZENSHIPS,
    ENROLMENT_STATUSES,
    CampaignRules,
    Facts,
    RuleResult,
    evaluate,
    without_evaluation_level,
)
from candidates.messages import ELIGIBILITY_WORDS, failure_text, format_day
from tapif.core.messages import explain_message, is_known


def _fact_sets(count: int) -> list[tuple[Facts, CampaignRules]]:
    """A fixed spread of facts and campaigns reaching every branch of every rule."""
    rng = random.Random(14)  # noqa: S311 -- a fixed spread of test data, not a secret
    sets = []
    for _ in range(count):
        start = date(2026, 10, rng.choice((1, 2)))
        rules = CampaignRules(
            contract_start=start,
            min_age=20,
            max_age=35,
            passport_valid_until=date(2027, 10, 30),
            max_participations=rng.choice((1, 3)),
            participating_countries=rng.choice((frozenset(), frozenset({"DE"}))),
            min_university_years=rng.choice((0, 1, 2)),
        )

        def pick(*values):
            return rng.choice((None, *values))

        facts = Facts(
            date_of_birth=pick(
                date(2003, 5, 14), date(2007, 1, 1), date(1980, 1, 1), date(2027, 1, 1)
            ),
            citizenship=pick(*CITIZENSHIPS),
            country_of_citizenship=pick("DE", "US"),
            resides_in_canada=pick(True, False),
            exchange_student_abroad=pick(True, False),
            enrolment_status=pick(*ENROLMENT_STATUSES),
            university_years_completed=pick(0, 1, 3),
            has_teaching_experience=pick(True, False),
            has_education_degree=pick(True, False),
            studies_mostly_in_canada=pick(True, False),
            french_level=pick(*CEFR_LEVELS),
            passport_expiry=pick(date(2027, 1, 1), date(2031, 6, 30)),
            previous_participations=pick(0, 1, 2, 3),
            available_from_contract_start=pick(True, False),
        )
        sets.append((facts, rules))
    return sets


def _codes(result: RuleResult) -> set[str]:
    parts = result.params.get("parts", ())
    return {result.code, *(part["code"] for part in parts)}


def _words(result: RuleResult, language: str) -> str:
    with translation.override(language):
        return explain_message(result.message)


def test_every_code_the_rules_produce_is_worded_in_both_languages():
    produced: set[str] = set()
    for facts, rules in _fact_sets(3000):
        verdict = evaluate(facts, rules)
        # As the candidate reads it when the level came from a professor's evaluation.
        confidential = without_evaluation_level(verdict, rules)
        for result in verdict.rules + confidential.rules:
            produced |= _codes(result)
            english, french = _words(result, "en"), _words(result, "fr")
            assert is_known(result.code)
            assert english.strip()
            assert english != result.code
            assert french.strip()
            assert french != english
            assert "%(" not in english
            assert "%(" not in french
    assert produced == set(ELIGIBILITY_WORDS)


@pytest.mark.parametrize(
    ("day", "english", "french"),
    [
        (date(2026, 10, 1), "1 October 2026", "1er octobre 2026"),
        (date(2026, 8, 2), "2 August 2026", "2 août 2026"),
    ],
)
def test_format_day_follows_the_active_language(day, english, french):
    with translation.override("en"):
        assert format_day(day) == english
    with translation.override("fr"):
        assert format_day(day) == french


def test_failure_text_words_a_rule_or_gives_the_staff_justification():
    rule = {"rule": "french_level", "code": "eligibility.french_level.below"}
    rule["params"] = {"minimum": "B1", "level": "A2"}
    with translation.override("fr"):
        assert failure_text(rule) == (
            "Il faut au moins le niveau B1 en français (CECR) ; votre niveau est A2."
        )
        assert failure_text({"rule": "passport", "justification": "Passeport volé."}) == (
            "Passeport volé."
        )
