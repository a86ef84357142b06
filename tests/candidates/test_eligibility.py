"""The eligibility rule engine: boundaries of every rule, messages, and properties.

Pure module, so no database: these tests build `Facts` and `CampaignRules` directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from datetime import date

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from candidates import eligibility
from candidates.eligibility import (
    CEFR_LEVELS,
    CITIZENSHIPS,
    ENROLMENT_STATUSES,
    FACT_KEYS,
    RULE_CODES,
    CampaignRules,
    Facts,
    FactsError,
    RuleResult,
    Status,
    Verdict,
    age_on,
    evaluate,
    facts_from_mapping,
)
from candidates.messages import format_day
from tapif.core.messages import explain_message

PASS, FAIL, UNKNOWN = Status.PASS, Status.FAIL, Status.UNKNOWN

# The 2026-2027 campaign as the programme's page sets it.
RULES = CampaignRules(
    contract_start=date(2026, 10, 1),
    min_age=20,
    max_age=35,
    passport_valid_until=date(2027, 10, 30),
    max_participations=3,
    participating_countries=frozenset({"DE", "GB", "US"}),
)

ELIGIBLE = Facts(
    date_of_birth=date(2003, 5, 14),
    citizenship="canadian",
    resides_in_canada=True,
    enrolment_status="enrolled",
    university_years_completed=3,
    studies_mostly_in_canada=True,
    french_level="B2",
    passport_expiry=date(2031, 6, 30),
    previous_participations=0,
    available_from_contract_start=True,
)


def en(result: RuleResult) -> str:
    """The rule's message as an English reader sees it."""
    with translation.override("en"):
        return explain_message(result.message)


def fr(result: RuleResult) -> str:
    """The rule's message as a French reader sees it."""
    with translation.override("fr"):
        return explain_message(result.message)


def format_date_en(day: date) -> str:
    with translation.override("en"):
        return format_day(day)


def format_date_fr(day: date) -> str:
    with translation.override("fr"):
        return format_day(day)


def judge(rule: str, rules: CampaignRules = RULES, **changes: object) -> RuleResult:
    """The result of one rule for the eligible candidate with some facts changed."""
    verdict = evaluate(dataclasses.replace(ELIGIBLE, **changes), rules)
    return next(result for result in verdict.rules if result.rule == rule)


# --- dates and age ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "english", "french"),
    [
        (date(2026, 10, 1), "1 October 2026", "1er octobre 2026"),
        (date(2027, 10, 30), "30 October 2027", "30 octobre 2027"),
        (date(2027, 2, 1), "1 February 2027", "1er février 2027"),
        (date(2028, 2, 29), "29 February 2028", "29 février 2028"),
        (date(2026, 8, 2), "2 August 2026", "2 août 2026"),
        (date(2026, 12, 31), "31 December 2026", "31 décembre 2026"),
    ],
)
def test_format_date_writes_dates_as_people_read_them(day, english, french):
    assert format_date_en(day) == english
    assert format_date_fr(day) == french


def test_format_date_names_every_month():
    english = [format_date_en(date(2026, month, 15)).split()[1] for month in range(1, 13)]
    french = [format_date_fr(date(2026, month, 15)).split()[1] for month in range(1, 13)]
    assert english == [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    assert french == [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2006, 10, 1), date(2026, 10, 1), 20),  # birthday on the day
        (date(2006, 10, 2), date(2026, 10, 1), 19),  # birthday the next day
        (date(2006, 9, 30), date(2026, 10, 1), 20),
        (date(1990, 10, 2), date(2026, 10, 1), 35),  # 35 years and 364 days
        (date(1990, 10, 1), date(2026, 10, 1), 36),
        (date(2000, 1, 1), date(2000, 1, 1), 0),
        (date(2000, 1, 1), date(2000, 12, 31), 0),
        (date(1999, 12, 31), date(2000, 1, 1), 0),
        # 29 February: in a common year the birthday is 1 March.
        (date(2004, 2, 29), date(2025, 2, 28), 20),
        (date(2004, 2, 29), date(2025, 3, 1), 21),
        (date(2004, 2, 29), date(2028, 2, 28), 23),
        (date(2004, 2, 29), date(2028, 2, 29), 24),  # a leap year has the real birthday
        (date(2004, 2, 29), date(2028, 3, 1), 24),
        (date(2004, 2, 29), date(2004, 2, 29), 0),
        (date(2004, 2, 29), date(2005, 2, 28), 0),
        (date(2004, 2, 29), date(2005, 3, 1), 1),
        # Born on 28 February or 1 March, for comparison.
        (date(2004, 2, 28), date(2025, 2, 28), 21),
        (date(2004, 3, 1), date(2025, 2, 28), 20),
        (date(2004, 3, 1), date(2028, 2, 29), 23),
    ],
)
def test_age_on_counts_completed_years(born, on, age):
    assert age_on(born, on) == age


def test_age_on_before_birth_raises():
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(date(2027, 1, 1), date(2026, 10, 1))


def _anniversary(born: date, year: int) -> date:
    """The day someone born on `born` completes a year in `year` (29 February -> 1 March)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


@given(born=st.dates(max_value=date(9000, 12, 31)), days=st.integers(0, 365 * 120))
def test_age_on_matches_the_anniversary_definition(born, days):
    on = born + dt.timedelta(days=days)
    age = age_on(born, on)
    assert _anniversary(born, born.year + age) <= on
    assert on < _anniversary(born, born.year + age + 1)


@given(
    born=st.dates(max_value=date(9000, 12, 31)), a=st.integers(0, 50_000), b=st.integers(0, 50_000)
)
def test_age_on_is_monotonic_in_the_reference_date(born, a, b):
    early, late = sorted((a, b))
    assert age_on(born, born + dt.timedelta(days=early)) <= age_on(
        born, born + dt.timedelta(days=late)
    )


@given(on=st.dates(min_value=date(1900, 1, 1)), a=st.integers(0, 40_000), b=st.integers(0, 40_000))
def test_age_on_never_grows_for_a_later_birth(on, a, b):
    earlier_birth, later_birth = (
        on - dt.timedelta(days=max(a, b)),
        on - dt.timedelta(days=min(a, b)),
    )
    assert age_on(later_birth, on) <= age_on(earlier_birth, on)


# --- age ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "status"),
    [
        (date(2006, 10, 1), PASS),  # exactly 20 on 1 October
        (date(2006, 9, 30), PASS),
        (date(2006, 10, 2), FAIL),  # 20th birthday on 2 October
        (date(2007, 1, 1), FAIL),
        (date(1991, 10, 1), PASS),  # exactly 35
        (date(1990, 10, 2), PASS),  # 35 years and 364 days
        (date(1990, 10, 1), FAIL),  # 36th birthday on 1 October
        (date(1990, 9, 30), FAIL),  # 36th birthday before 1 October
        (None, UNKNOWN),
    ],
)
def test_age_around_the_first_of_october(born, status):
    assert judge("age", date_of_birth=born).status == status


def test_age_too_young_message_names_bounds_date_and_age():
    result = judge("age", date_of_birth=date(2006, 10, 2))
    assert en(result) == "You must be 20 to 35 years old on 1 October 2026; you will be 19."
    assert fr(result) == (
        "Vous devez avoir entre 20 et 35 ans au 1er octobre 2026 ; vous aurez 19 ans."
    )


def test_age_too_old_message_says_the_age_reached():
    result = judge("age", date_of_birth=date(1990, 10, 1))
    assert en(result) == "You must be 20 to 35 years old on 1 October 2026; you will be 36."
    assert fr(result) == (
        "Vous devez avoir entre 20 et 35 ans au 1er octobre 2026 ; vous aurez 36 ans."
    )


def test_age_pass_message_gives_the_age_on_the_contract_start():
    result = judge("age", date_of_birth=date(2006, 10, 1))
    assert en(result) == ("You will be 20 on 1 October 2026, within the 20 to 35 age limits.")
    assert fr(result) == ("Vous aurez 20 ans au 1er octobre 2026, dans les limites de 20 à 35 ans.")


def test_age_unknown_without_date_of_birth_says_what_to_enter():
    result = judge("age", date_of_birth=None)
    assert en(result) == (
        "Enter your date of birth: you must be 20 to 35 years old on 1 October 2026."
    )
    assert fr(result) == (
        "Indiquez votre date de naissance : vous devez avoir entre 20 et 35 ans au "
        "1er octobre 2026."
    )


def test_age_fails_for_a_birth_after_the_contract_start():
    result = judge("age", date_of_birth=date(2026, 10, 2))
    assert result.status == FAIL
    assert en(result) == "Your date of birth, 2 October 2026, is after 1 October 2026: check it."
    assert fr(result) == (
        "Votre date de naissance, le 2 octobre 2026, est après le 1er octobre 2026 : vérifiez-la."
    )


@pytest.mark.parametrize(
    ("contract_start", "status"),
    [
        (date(2025, 2, 28), FAIL),  # still 20: the 21st birthday is on 1 March
        (date(2025, 3, 1), PASS),
        (date(2024, 2, 29), FAIL),  # 20 on the real birthday, and 21 is the minimum
    ],
)
def test_age_of_a_29_february_birth_counts_from_1_march_in_common_years(contract_start, status):
    rules = dataclasses.replace(RULES, contract_start=contract_start, min_age=21, max_age=35)
    assert judge("age", rules, date_of_birth=date(2004, 2, 29)).status == status


@pytest.mark.parametrize(
    ("contract_start", "status"),
    [
        (date(2025, 2, 28), PASS),  # 20 until 28 February ends
        (date(2025, 3, 1), FAIL),  # 21 from 1 March
        (date(2028, 2, 28), FAIL),
    ],
)
def test_age_of_a_29_february_birth_at_the_maximum(contract_start, status):
    rules = dataclasses.replace(RULES, contract_start=contract_start, min_age=18, max_age=20)
    assert judge("age", rules, date_of_birth=date(2004, 2, 29)).status == status


def test_age_on_a_leap_day_contract_start():
    rules = dataclasses.replace(RULES, contract_start=date(2028, 2, 29))
    assert judge("age", rules, date_of_birth=date(2008, 2, 29)).status == PASS
    assert judge("age", rules, date_of_birth=date(2008, 3, 1)).status == FAIL
    assert judge("age", rules, date_of_birth=date(1992, 2, 29)).status == FAIL  # 36


def test_age_message_in_french_keeps_singular_below_two():
    rules = dataclasses.replace(RULES, min_age=0, max_age=0)
    result = judge("age", rules, date_of_birth=date(2025, 9, 1))
    assert fr(result) == (
        "Vous devez avoir entre 0 et 0 ans au 1er octobre 2026 ; vous aurez 1 an."
    )


# --- citizenship ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("citizenship", "country", "status"),
    [
        ("canadian", None, PASS),
        ("canadian", "FR", PASS),  # a Canadian's other citizenship does not matter
        ("permanent_resident", "DE", PASS),
        ("permanent_resident", "GB", PASS),
        ("permanent_resident", "FR", FAIL),
        ("permanent_resident", None, UNKNOWN),
        ("other", None, FAIL),
        ("other", "DE", FAIL),
        (None, None, UNKNOWN),
        (None, "DE", UNKNOWN),
    ],
)
def test_citizenship_by_status_and_country(citizenship, country, status):
    result = judge("citizenship", citizenship=citizenship, country_of_citizenship=country)
    assert result.status == status


def test_citizenship_of_a_non_participating_country_names_the_code():
    result = judge("citizenship", citizenship="permanent_resident", country_of_citizenship="FR")
    assert en(result) == (
        "Permanent residents of Canada must be citizens of a country taking part in the "
        "programme; FR is not one of them."
    )
    assert fr(result) == (
        "Les résidents permanents du Canada doivent être citoyens d’un pays participant au "
        "programme ; FR n’en fait pas partie."
    )


def test_citizenship_pass_for_a_permanent_resident_asks_for_both_documents():
    result = judge("citizenship", citizenship="permanent_resident", country_of_citizenship="DE")
    assert "DE" in en(result)
    assert "permanent resident card" in en(result)
    assert "passport" in en(result)
    assert "DE" in fr(result)
    assert "carte de résident permanent" in fr(result)
    assert "passeport" in fr(result)


def test_citizenship_is_unknown_while_the_campaign_has_no_country_list():
    rules = dataclasses.replace(RULES, participating_countries=frozenset())
    result = judge(
        "citizenship", rules, citizenship="permanent_resident", country_of_citizenship="DE"
    )
    assert result.status == UNKNOWN
    assert "DE" in en(result)
    assert "DE" in fr(result)
    assert judge("citizenship", rules, citizenship="canadian").status == PASS


def test_citizenship_other_fails_with_what_is_required():
    result = judge("citizenship", citizenship="other")
    assert "Canadian citizen" in en(result)
    assert "permanent resident of Canada" in en(result)
    assert "citoyen canadien" in fr(result)
    assert "résident permanent du Canada" in fr(result)


# --- residence ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resides", "exchange", "status"),
    [
        (True, None, PASS),
        (True, True, PASS),
        (True, False, PASS),
        (False, True, PASS),  # students on an exchange abroad are the exception
        (False, False, FAIL),
        (False, None, UNKNOWN),
        (None, True, UNKNOWN),
        (None, False, UNKNOWN),
        (None, None, UNKNOWN),
    ],
)
def test_residence_in_canada_or_on_exchange(resides, exchange, status):
    result = judge("residence", resides_in_canada=resides, exchange_student_abroad=exchange)
    assert result.status == status


def test_residence_fail_message_names_the_exchange_exception():
    result = judge("residence", resides_in_canada=False, exchange_student_abroad=False)
    assert en(result) == (
        "You must reside in Canada when you apply, unless you are a student on an exchange "
        "programme abroad."
    )
    assert fr(result) == (
        "Vous devez résider au Canada au moment de la candidature, sauf si vous participez à un "
        "programme d’échange étudiant à l’étranger."
    )


# --- education ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "enrolment", "teaching", "degree", "status"),
    [
        (1, "enrolled", None, None, PASS),
        (4, "enrolled", False, False, PASS),
        (0, "enrolled", None, None, FAIL),
        (None, "enrolled", None, None, UNKNOWN),
        (2, "graduated", True, None, PASS),
        (2, "graduated", None, True, PASS),
        (2, "graduated", False, True, PASS),
        (2, "stopped", True, False, PASS),
        (2, "stopped", False, False, FAIL),
        (2, "graduated", False, False, FAIL),
        (2, "graduated", None, False, UNKNOWN),
        (2, "stopped", False, None, UNKNOWN),
        (2, "stopped", None, None, UNKNOWN),
        (2, None, True, True, UNKNOWN),
        (0, None, None, None, FAIL),  # a known failure beats a missing fact
        (None, "graduated", False, False, FAIL),
        (0, "graduated", True, None, FAIL),
        (None, None, None, None, UNKNOWN),
    ],
)
def test_education_years_and_enrolment(years, enrolment, teaching, degree, status):
    result = judge(
        "education",
        university_years_completed=years,
        enrolment_status=enrolment,
        has_teaching_experience=teaching,
        has_education_degree=degree,
    )
    assert result.status == status


def test_education_below_the_minimum_years_says_how_many():
    rules = dataclasses.replace(RULES, min_university_years=2)
    result = judge("education", rules, university_years_completed=1)
    assert result.status == FAIL
    assert en(result) == (
        "You must have completed and validated at least 2 years of university when you submit; "
        "you have completed 1."
    )
    assert fr(result) == (
        "Vous devez avoir terminé et validé au moins 2 années d’études universitaires à la "
        "soumission de votre dossier ; vous en avez terminé 1."
    )


def test_education_not_enrolled_pass_requires_a_former_professors_evaluation():
    result = judge("education", enrolment_status="graduated", has_teaching_experience=True)
    assert "former professor" in en(result)
    assert "teaching experience" in en(result)
    assert "ancien professeur" in fr(result)
    assert "expérience d’enseignement" in fr(result)


def test_education_not_enrolled_pass_through_the_degree_says_so():
    result = judge(
        "education",
        enrolment_status="stopped",
        has_teaching_experience=False,
        has_education_degree=True,
    )
    assert "education degree" in en(result)
    assert "diplôme en éducation" in fr(result)
    assert "former professor" in en(result)


def test_education_not_enrolled_fail_explains_the_three_conditions():
    result = judge(
        "education",
        enrolment_status="stopped",
        has_teaching_experience=False,
        has_education_degree=False,
    )
    assert en(result) == (
        "You have stopped your studies: you then need teaching experience or an education "
        "degree, and an evaluation from a former professor."
    )
    assert fr(result) == (
        "Vous avez arrêté vos études : il vous faut alors une expérience d’enseignement ou un "
        "diplôme en éducation, ainsi que l’évaluation d’un ancien professeur."
    )


def test_education_reports_every_failing_condition_and_only_those():
    result = judge(
        "education",
        university_years_completed=0,
        enrolment_status="graduated",
        has_teaching_experience=False,
        has_education_degree=False,
    )
    assert en(result).startswith("You must have completed and validated at least 1 year")
    assert "You have graduated: you then need" in en(result)
    assert fr(result).startswith("Vous devez avoir terminé et validé au moins 1 année")
    assert "Vous avez obtenu votre diplôme : il vous faut alors" in fr(result)

    only_years = judge("education", university_years_completed=0, enrolment_status=None)
    assert "enrolled" not in en(only_years)


# --- studies in Canada, French, passport, participations, availability --------------------------


@pytest.mark.parametrize(("mostly", "status"), [(True, PASS), (False, FAIL), (None, UNKNOWN)])
def test_studies_in_canada(mostly, status):
    assert judge("studies_in_canada", studies_mostly_in_canada=mostly).status == status


@pytest.mark.parametrize(
    ("level", "status"),
    [
        ("A1", FAIL),
        ("A2", FAIL),
        ("B1", PASS),
        ("B2", PASS),
        ("C1", PASS),
        ("C2", PASS),
        (None, UNKNOWN),
    ],
)
def test_french_level_against_b1(level, status):
    assert judge("french_level", french_level=level).status == status


def test_french_level_minimum_comes_from_the_campaign():
    rules = dataclasses.replace(RULES, min_french_level="B2")
    result = judge("french_level", rules, french_level="B1")
    assert result.status == FAIL
    assert en(result) == "You need at least B2 in French (CEFR); your level is B1."
    assert fr(result) == ("Il faut au moins le niveau B2 en français (CECR) ; votre niveau est B1.")
    assert judge("french_level", rules, french_level="B2").status == PASS


def test_french_level_unknown_names_the_ways_to_prove_it():
    result = judge("french_level", french_level=None)
    assert "B1" in en(result)
    assert "professor" in en(result)
    assert "TCF, TEF, DELF, DALF" in en(result)
    assert "B1" in fr(result)
    assert "TCF, TEF, DELF, DALF" in fr(result)


@pytest.mark.parametrize(
    ("expiry", "status"),
    [
        (date(2027, 10, 29), FAIL),  # one day early
        (date(2027, 10, 30), PASS),  # valid on the date itself
        (date(2027, 10, 31), PASS),
        (date(2035, 1, 1), PASS),
        (date(2026, 10, 1), FAIL),  # valid for the contract start only
        (date(2020, 1, 1), FAIL),  # already expired
        (None, UNKNOWN),
    ],
)
def test_passport_valid_until_30_october_after_the_contract(expiry, status):
    assert judge("passport", passport_expiry=expiry).status == status


def test_passport_one_day_early_message_gives_both_dates():
    result = judge("passport", passport_expiry=date(2027, 10, 29))
    assert en(result) == (
        "Your passport must be valid until at least 30 October 2027; it expires on "
        "29 October 2027. Start its renewal now: applications without a valid passport are not "
        "considered."
    )
    assert fr(result) == (
        "Votre passeport doit être valide au moins jusqu’au 30 octobre 2027 ; il expire le "
        "29 octobre 2027. Demandez son renouvellement dès maintenant : les candidatures sans "
        "passeport valide ne sont pas prises en considération."
    )


@pytest.mark.parametrize(
    ("expiry", "status"),
    [(date(2028, 2, 28), FAIL), (date(2028, 2, 29), PASS), (date(2028, 3, 1), PASS)],
)
def test_passport_required_on_a_leap_day(expiry, status):
    rules = dataclasses.replace(RULES, passport_valid_until=date(2028, 2, 29))
    assert judge("passport", rules, passport_expiry=expiry).status == status


@pytest.mark.parametrize(
    ("previous", "status"),
    [(0, PASS), (1, PASS), (2, PASS), (3, FAIL), (4, FAIL), (None, UNKNOWN)],
)
def test_participations_fewer_than_three_before(previous, status):
    assert judge("participations", previous_participations=previous).status == status


def test_participations_fail_message_counts_them():
    result = judge("participations", previous_participations=3)
    assert en(result) == (
        "The programme allows at most 3 participations in a lifetime; you have already taken "
        "part 3 times."
    )
    assert fr(result) == (
        "Le programme autorise au plus 3 participations au cours d’une vie ; vous avez déjà "
        "participé 3 fois."
    )


def test_participations_of_a_former_assistant_mention_the_waitlist():
    result = judge("participations", previous_participations=1)
    assert en(result).startswith("You have taken part once before")
    assert "waitlist" in en(result)
    assert "liste d’attente" in fr(result)


def test_participations_maximum_of_one_is_singular():
    rules = dataclasses.replace(RULES, max_participations=1)
    result = judge("participations", rules, previous_participations=1)
    assert result.status == FAIL
    assert "at most 1 participation in a lifetime" in en(result)
    assert "au plus 1 participation au cours d’une vie" in fr(result)


@pytest.mark.parametrize(("available", "status"), [(True, PASS), (False, FAIL), (None, UNKNOWN)])
def test_availability_from_the_contract_start(available, status):
    result = judge("availability", available_from_contract_start=available)
    assert result.status == status
    assert "1 October 2026" in en(result)
    assert "1er octobre 2026" in fr(result)


# --- the verdict -------------------------------------------------------------------------------


def test_verdict_of_a_complete_eligible_dossier():
    verdict = evaluate(ELIGIBLE, RULES)
    assert verdict.eligible is True
    assert verdict.failures() == ()
    assert verdict.unknowns() == ()
    assert [result.rule for result in verdict.rules] == list(RULE_CODES)


def test_verdict_with_nothing_known_is_undecided():
    verdict = evaluate(Facts(), RULES)
    assert verdict.eligible is None
    assert [result.rule for result in verdict.unknowns()] == list(RULE_CODES)
    assert verdict.failures() == ()


def test_verdict_fails_when_one_rule_fails_even_with_unknowns():
    verdict = evaluate(Facts(passport_expiry=date(2027, 10, 29)), RULES)
    assert verdict.eligible is False
    assert [result.rule for result in verdict.failures()] == ["passport"]
    assert len(verdict.unknowns()) == len(RULE_CODES) - 1


def test_verdict_is_undecided_with_one_unknown_and_no_failure():
    verdict = evaluate(dataclasses.replace(ELIGIBLE, french_level=None), RULES)
    assert verdict.eligible is None
    assert [result.rule for result in verdict.unknowns()] == ["french_level"]


def test_verdict_status_of_one_rule():
    verdict = evaluate(dataclasses.replace(ELIGIBLE, previous_participations=3), RULES)
    assert verdict.status_of("participations") == FAIL
    assert verdict.status_of("age") == PASS
    with pytest.raises(KeyError):
        verdict.status_of("height")


def test_verdict_as_dict_is_plain_json():
    verdict = evaluate(dataclasses.replace(ELIGIBLE, available_from_contract_start=False), RULES)
    data = verdict.as_dict()
    assert data["eligible"] is False
    assert data["rules"][-1] == {
        "rule": "availability",
        "status": "fail",
        "code": "eligibility.availability.unavailable",
        "params": {"start": "2026-10-01"},
    }
    assert en(verdict.rules[-1]) == (
        "You must be available from 1 October 2026: the contract start date cannot be changed."
    )
    assert fr(verdict.rules[-1]) == (
        "Vous devez être disponible dès le 1er octobre 2026 : la date de début du contrat "
        "n’est pas négociable."
    )
    assert all(type(rule["status"]) is str for rule in data["rules"])
    assert json.loads(json.dumps(data)) == data


def test_messages_use_another_campaigns_own_values():
    rules = CampaignRules(
        contract_start=date(2030, 10, 1),
        min_age=21,
        max_age=30,
        passport_valid_until=date(2031, 10, 30),
        max_participations=2,
        participating_countries=frozenset({"IE"}),
        min_french_level="B2",
        min_university_years=2,
    )
    messages = {r.rule: (en(r), fr(r)) for r in evaluate(Facts(), rules).rules}
    assert "21 to 30 years old on 1 October 2030" in messages["age"][0]
    assert "entre 21 et 30 ans au 1er octobre 2030" in messages["age"][1]
    assert "at least 2" in messages["education"][0]
    assert "au moins 2" in messages["education"][1]
    assert "B2" in messages["french_level"][0]
    assert "B2" in messages["french_level"][1]
    assert "30 October 2031" in messages["passport"][0]
    assert "30 octobre 2031" in messages["passport"][1]
    assert "at most 2 participations" in messages["participations"][0]
    assert "au plus 2 participations" in messages["participations"][1]
    assert "1 October 2030" in messages["availability"][0]
    assert "1er octobre 2030" in messages["availability"][1]


# --- facts from JSON ----------------------------------------------------------------------------


def test_facts_from_mapping_reads_every_key():
    data = {
        "date_of_birth": "2003-05-14",
        "citizenship": "permanent_resident",
        "country_of_citizenship": "de",
        "resides_in_canada": False,
        "exchange_student_abroad": True,
        "enrolment_status": "graduated",
        "university_years_completed": 4,
        "has_teaching_experience": True,
        "has_education_degree": False,
        "studies_mostly_in_canada": True,
        "french_level": " b2 ",
        "passport_expiry": "2031-06-30",
        "previous_participations": 1,
        "available_from_contract_start": True,
    }
    assert set(data) == set(FACT_KEYS)
    assert facts_from_mapping(data) == Facts(
        date_of_birth=date(2003, 5, 14),
        citizenship="permanent_resident",
        country_of_citizenship="DE",
        resides_in_canada=False,
        exchange_student_abroad=True,
        enrolment_status="graduated",
        university_years_completed=4,
        has_teaching_experience=True,
        has_education_degree=False,
        studies_mostly_in_canada=True,
        french_level="B2",
        passport_expiry=date(2031, 6, 30),
        previous_participations=1,
        available_from_contract_start=True,
    )


def test_facts_from_mapping_treats_missing_and_null_as_unknown():
    assert facts_from_mapping({}) == Facts()
    assert facts_from_mapping({"french_level": None, "date_of_birth": None}) == Facts()


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("date_of_birth", "2006-13-01", "'2006-13-01' is not a real date"),
        ("date_of_birth", "2006-02-30", "'2006-02-30' is not a real date"),
        ("date_of_birth", "01/10/2006", "expected a date written YYYY-MM-DD, got '01/10/2006'"),
        ("date_of_birth", "20061001", "expected a date written YYYY-MM-DD, got '20061001'"),
        ("passport_expiry", "2027-10-30T00:00", "expected a date written YYYY-MM-DD"),
        ("passport_expiry", 20271030, "expected a date written YYYY-MM-DD, got 20271030"),
        ("resides_in_canada", "true", "expected true or false, got 'true'"),
        ("resides_in_canada", 1, "expected true or false, got 1"),
        ("available_from_contract_start", "yes", "expected true or false, got 'yes'"),
        ("university_years_completed", True, "expected a whole number, 0 or more, got True"),
        ("university_years_completed", 2.0, "expected a whole number, 0 or more, got 2.0"),
        ("university_years_completed", "2", "expected a whole number, 0 or more, got '2'"),
        ("previous_participations", -1, "expected a whole number, 0 or more, got -1"),
        ("citizenship", "Canadian", "expected one of canadian, permanent_resident, other"),
        ("enrolment_status", "dropped", "expected one of enrolled, graduated, stopped"),
        ("french_level", "B3", "expected one of A1, A2, B1, B2, C1, C2, got 'B3'"),
        ("french_level", 2, "expected one of A1, A2, B1, B2, C1, C2, got 2"),
        ("country_of_citizenship", "DEU", "expected a two-letter ISO country code, got 'DEU'"),
        ("country_of_citizenship", 49, "expected a two-letter ISO country code, got 49"),
    ],
)
def test_facts_from_mapping_refuses_bad_values_naming_the_key(key, value, message):
    with pytest.raises(FactsError) as caught:
        facts_from_mapping({key: value})
    assert caught.value.key == key
    assert message in caught.value.message
    assert str(caught.value).startswith(f"{key}: ")


def test_facts_from_mapping_refuses_an_unknown_key_with_a_suggestion():
    with pytest.raises(FactsError) as caught:
        facts_from_mapping({"date_of_brith": "2000-01-01"})
    assert caught.value.key == "date_of_brith"
    assert caught.value.message == "unknown key; did you mean 'date_of_birth'?"


def test_facts_from_mapping_refuses_an_unknown_key_listing_the_keys():
    with pytest.raises(FactsError) as caught:
        facts_from_mapping({"favourite_colour": "blue"})
    assert caught.value.key == "favourite_colour"
    assert caught.value.message == f"unknown key; expected one of {', '.join(FACT_KEYS)}"


def test_facts_from_mapping_refuses_what_is_not_an_object():
    with pytest.raises(FactsError) as caught:
        facts_from_mapping(["date_of_birth"])  # type: ignore[arg-type]
    assert caught.value.key is None
    assert caught.value.message == "expected an object of facts, got list"


@pytest.mark.parametrize(
    "changes",
    [
        {"date_of_birth": "2000-01-01"},
        {"date_of_birth": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
        {"country_of_citizenship": "Germany"},
        {"citizenship": "citizen"},
        {"previous_participations": False},
        {"resides_in_canada": 0},
    ],
)
def test_facts_refuse_values_the_rules_cannot_judge(changes):
    with pytest.raises(FactsError) as caught:
        Facts(**changes)
    assert caught.value.key == next(iter(changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"min_age": 36},
        {"min_age": -1},
        {"min_french_level": "B3"},
        {"max_participations": 0},
        {"min_university_years": -1},
        {"participating_countries": frozenset({"de"})},
        {"participating_countries": frozenset({"Germany"})},
    ],
)
def test_campaign_rules_refuse_settings_that_make_no_sense(changes):
    with pytest.raises(ValueError):  # noqa: PT011 -- each setting has its own message
        dataclasses.replace(RULES, **changes)


def test_facts_upper_case_country_and_level_codes():
    facts = Facts(country_of_citizenship=" de", french_level="b2")
    assert (facts.country_of_citizenship, facts.french_level) == ("DE", "B2")


def test_campaign_rules_take_any_collection_of_countries():
    rules = dataclasses.replace(RULES, participating_countries=["DE", "US", "DE"])
    assert rules.participating_countries == frozenset({"DE", "US"})


# --- properties ---------------------------------------------------------------------------------


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.none() | strategy


countries = st.sampled_from(["DE", "GB", "US", "FR", "CA", "IE"])

facts_strategy = st.builds(
    Facts,
    date_of_birth=optional(st.dates()),
    citizenship=optional(st.sampled_from(CITIZENSHIPS)),
    country_of_citizenship=optional(countries),
    resides_in_canada=optional(st.booleans()),
    exchange_student_abroad=optional(st.booleans()),
    enrolment_status=optional(st.sampled_from(ENROLMENT_STATUSES)),
    university_years_completed=optional(st.integers(0, 12)),
    has_teaching_experience=optional(st.booleans()),
    has_education_degree=optional(st.booleans()),
    studies_mostly_in_canada=optional(st.booleans()),
    french_level=optional(st.sampled_from(CEFR_LEVELS)),
    passport_expiry=optional(st.dates()),
    previous_participations=optional(st.integers(0, 10)),
    available_from_contract_start=optional(st.booleans()),
)


@st.composite
def rules_strategy(draw: st.DrawFn) -> CampaignRules:
    min_age = draw(st.integers(0, 60))
    return CampaignRules(
        contract_start=draw(st.dates()),
        min_age=min_age,
        max_age=draw(st.integers(min_age, 80)),
        passport_valid_until=draw(st.dates()),
        max_participations=draw(st.integers(1, 5)),
        participating_countries=draw(st.frozensets(countries)),
        min_french_level=draw(st.sampled_from(CEFR_LEVELS)),
        min_university_years=draw(st.integers(0, 4)),
    )


@given(facts=facts_strategy, rules=rules_strategy())
def test_evaluate_never_raises_and_answers_every_rule_in_order(facts, rules):
    verdict = evaluate(facts, rules)
    assert [result.rule for result in verdict.rules] == list(RULE_CODES)
    for result in verdict.rules:
        assert result.status in set(Status)
        assert en(result).strip()
        assert fr(result).strip()
        assert en(result) != fr(result)


@given(facts=facts_strategy, rules=rules_strategy())
def test_eligible_is_false_exactly_when_a_rule_fails(facts, rules):
    verdict = evaluate(facts, rules)
    statuses = [result.status for result in verdict.rules]
    assert (verdict.eligible is False) == (FAIL in statuses)
    assert (verdict.eligible is None) == (FAIL not in statuses and UNKNOWN in statuses)
    assert (verdict.eligible is True) == all(status == PASS for status in statuses)


@given(
    facts=facts_strategy,
    rules=rules_strategy(),
    forgotten=st.sampled_from(FACT_KEYS),
)
def test_forgetting_a_fact_only_ever_makes_a_rule_unknown(facts, rules, forgotten):
    before = evaluate(facts, rules)
    after = evaluate(dataclasses.replace(facts, **{forgotten: None}), rules)
    for old, new in zip(before.rules, after.rules, strict=True):
        assert new.status in (old.status, UNKNOWN)


def test_rule_facts_name_every_rule_in_order_and_only_known_facts():
    assert tuple(eligibility.RULE_FACTS) == RULE_CODES
    read = [fact for facts in eligibility.RULE_FACTS.values() for fact in facts]
    assert sorted(read) == sorted(FACT_KEYS)  # every fact read by one rule, none unknown


@given(
    facts=facts_strategy,
    others=facts_strategy,
    rules=rules_strategy(),
    rule=st.sampled_from(RULE_CODES),
)
def test_a_rule_reads_only_its_rule_facts(facts, others, rules, rule):
    """What staff see beside a rule (RULE_FACTS) is all it reads: other facts change nothing."""
    mixed = dataclasses.replace(
        others, **{name: getattr(facts, name) for name in eligibility.RULE_FACTS[rule]}
    )
    [result] = [r for r in evaluate(facts, rules).rules if r.rule == rule]
    [same] = [r for r in evaluate(mixed, rules).rules if r.rule == rule]
    assert same == result


@given(facts=facts_strategy)
def test_facts_survive_a_json_round_trip(facts):
    data = {
        key: value.isoformat() if isinstance(value, date) else value
        for key, value in dataclasses.asdict(facts).items()
        if value is not None
    }
    assert facts_from_mapping(json.loads(json.dumps(data))) == facts


@given(facts=facts_strategy, rules=rules_strategy())
def test_age_rule_agrees_with_age_on(facts, rules):
    status = evaluate(facts, rules).status_of("age")
    born = facts.date_of_birth
    if born is None:
        assert status == UNKNOWN
    elif born > rules.contract_start:
        assert status == FAIL
    else:
        inside = rules.min_age <= age_on(born, rules.contract_start) <= rules.max_age
        assert status == (PASS if inside else FAIL)


def test_rule_table_follows_rule_codes():
    assert tuple(eligibility._RULES) == RULE_CODES


def test_verdict_of_hand_built_results():
    results = tuple(RuleResult(code, PASS, "eligibility.ok") for code in RULE_CODES)
    assert Verdict(results).eligible is True
    unknown = (RuleResult("age", UNKNOWN, "eligibility.age.unknown"), *results[1:])
    assert Verdict(unknown).eligible is None
    failed = RuleResult("age", FAIL, "eligibility.age.outside", {"age": 19})
    assert Verdict((failed, *unknown[1:])).eligible is False
