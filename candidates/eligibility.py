"""Eligibility rules of a dossier, judged against one campaign's settings.

Pure Python on purpose (no Django import): the dossier, the admin and the `check_eligibility`
command all call `evaluate`, and the rules are tested without a database. Each rule answers
PASS, FAIL or UNKNOWN (a fact it needs is missing), with a message: a code and its parameters
(the campaign's own dates and bounds), worded in the reader's language by
`candidates.messages`. A rule fails as soon as one known fact fails it, even if
other facts are still missing: the candidate learns about a blocking problem at once.

Conventions (the programme's page is the source; the campaign holds every number):
- Age is counted in completed years on the contract start (1 October), bounds inclusive.
- Someone born on 29 February has their birthday on 1 March in a non-leap year: a year is
  completed only once the anniversary has begun (the wording of Canada's Interpretation Act,
  s. 30), and a common year has no 29 February, so it begins when 28 February ends.
- A passport valid until the required date itself (its expiry day) is valid enough.
- An empty list of participating countries means the campaign has not set it yet, not that no
  country takes part: permanent residents are then UNKNOWN, never wrongly refused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 -- a rule status, not a password
    FAIL = "fail"
    UNKNOWN = "unknown"


RULE_CODES = (
    "age",
    "citizenship",
    "residence",
    "education",
    "studies_in_canada",
    "french_level",
    "passport",
    "participations",
    "availability",
)
CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")
CITIZENSHIPS = ("canadian", "permanent_resident", "other")
ENROLMENT_STATUSES = ("enrolled", "graduated", "stopped")

COMMAND_HELP = (
    "Check the eligibility of fact sets read from a JSON file (- for stdin): a list of objects "
    "whose keys are dossier facts (ISO dates; a missing key or null means unknown), each with "
    'an optional "campaign" school year such as 2026-2027 (default: the current campaign). '
    "Prints a JSON list of verdicts in the same order. / "
    "Vérifie l’admissibilité de jeux de faits lus dans un fichier JSON (- pour l’entrée "
    "standard) : une liste d’objets dont les clés sont des faits du dossier (dates ISO ; une clé "
    "absente ou null signifie inconnu), chacun avec une clé « campaign » facultative, une année "
    "scolaire comme 2026-2027 (par défaut : la campagne en cours). Affiche une liste JSON de "
    "verdicts dans le même ordre."
)
FILE_HELP = "JSON file to read, or - for stdin. / Fichier JSON à lire, ou - pour l’entrée standard."


def age_on(born: date, on: date) -> int:
    """Completed years of age on `on`.

    Comparing (month, day) puts the birthday of someone born on 29 February on 1 March in a
    common year, the convention this module documents. Raises ValueError if `on` precedes
    `born`: there is no age before birth.
    """
    if on < born:
        raise ValueError(f"{on.isoformat()} is before the birth date {born.isoformat()}")
    birthday_passed = (on.month, on.day) >= (born.month, born.day)
    return on.year - born.year - (0 if birthday_passed else 1)


_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class CampaignRules:
    """The settings of one campaign that the rules read; refuses settings that make no sense."""

    contract_start: date  # age is judged on this date (1 October)
    min_age: int
    max_age: int
    passport_valid_until: date
    max_participations: int  # fewer previous participations than this passes
    participating_countries: frozenset[str]  # ISO 3166 alpha-2, upper case
    min_french_level: str = "B1"
    min_university_years: int = 1

    def __post_init__(self) -> None:
        # A wrong setting would misjudge every dossier of the campaign: fail loudly instead.
        countries = frozenset(self.participating_countries)
        object.__setattr__(self, "participating_countries", countries)
        if not 0 <= self.min_age <= self.max_age:
            raise ValueError(f"age bounds {self.min_age}..{self.max_age} are not ordered")
        if self.max_participations < 1:
            raise ValueError("max_participations must be at least 1")
        if self.min_university_years < 0:
            raise ValueError("min_university_years cannot be negative")
        if self.min_french_level not in CEFR_LEVELS:
            raise ValueError(f"min_french_level {self.min_french_level!r} is not a CEFR level")
        bad = sorted(c for c in countries if not _is_country_code(c))
        if bad:
            raise ValueError(f"participating countries must be upper-case ISO codes: {bad}")


class FactsError(ValueError):
    """A fact has a value the rules cannot read; `key` names it (None: the whole item)."""

    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key
        self.message = message


def _is_country_code(value: object) -> bool:
    return isinstance(value, str) and _COUNTRY_CODE.fullmatch(value) is not None


def _check_date(key: str, value: object) -> None:
    # A datetime is a date subclass, but a time of day has no place in these rules.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise FactsError(key, f"expected a date written YYYY-MM-DD, got {value!r}")


def _check_bool(key: str, value: object) -> None:
    if not isinstance(value, bool):
        raise FactsError(key, f"expected true or false, got {value!r}")


def _check_count(key: str, value: object) -> None:
    # bool is an int subclass: True must not count as one year or one participation.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FactsError(key, f"expected a whole number, 0 or more, got {value!r}")


def _choice_check(choices: tuple[str, ...]) -> Callable[[str, object], None]:
    def check(key: str, value: object) -> None:
        if value not in choices:
            raise FactsError(key, f"expected one of {', '.join(choices)}, got {value!r}")

    return check


def _check_country(key: str, value: object) -> None:
    if not _is_country_code(value):
        raise FactsError(key, f"expected a two-letter ISO country code, got {value!r}")


_CHECKS: dict[str, Callable[[str, object], None]] = {
    "date_of_birth": _check_date,
    "citizenship": _choice_check(CITIZENSHIPS),
    "country_of_citizenship": _check_country,
    "resides_in_canada": _check_bool,
    "exchange_student_abroad": _check_bool,
    "enrolment_status": _choice_check(ENROLMENT_STATUSES),
    "university_years_completed": _check_count,
    "has_teaching_experience": _check_bool,
    "has_education_degree": _check_bool,
    "studies_mostly_in_canada": _check_bool,
    "french_level": _choice_check(CEFR_LEVELS),
    "passport_expiry": _check_date,
    "previous_participations": _check_count,
    "available_from_contract_start": _check_bool,
}


@dataclass(frozen=True)
class Facts:
    """What is known about a candidate; None means not known yet.

    Values are checked on construction (FactsError), so `evaluate` never meets a value it
    cannot judge; country and CEFR codes are upper-cased first.
    """

    date_of_birth: date | None = None
    citizenship: str | None = None  # one of CITIZENSHIPS
    country_of_citizenship: str | None = None  # ISO alpha-2, upper case, for permanent residents
    resides_in_canada: bool | None = None
    exchange_student_abroad: bool | None = None
    enrolment_status: str | None = None  # one of ENROLMENT_STATUSES
    university_years_completed: int | None = None
    has_teaching_experience: bool | None = None
    has_education_degree: bool | None = None
    studies_mostly_in_canada: bool | None = None
    french_level: str | None = None  # one of CEFR_LEVELS
    passport_expiry: date | None = None
    previous_participations: int | None = None
    available_from_contract_start: bool | None = None

    def __post_init__(self) -> None:
        # People write codes in any case ("de", "b2"): keep one spelling, whoever builds Facts.
        for name in ("country_of_citizenship", "french_level"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, value.strip().upper())
        for fact in fields(self):
            value = getattr(self, fact.name)
            if value is not None:
                _CHECKS[fact.name](fact.name, value)


FACT_KEYS = tuple(fact.name for fact in fields(Facts))


def _from_json(key: str, value: Any) -> Any:
    """Turn a JSON value into the Python value Facts expects; Facts then checks it."""
    if _CHECKS[key] is _check_date and isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise FactsError(key, f"expected a date written YYYY-MM-DD, got {value!r}")
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise FactsError(key, f"{value!r} is not a real date") from None
    return value


def facts_from_mapping(data: Mapping[str, Any]) -> Facts:
    """Facts from JSON-like data: ISO date strings, real booleans and integers, checked codes.

    A missing key or a null value means unknown; an unknown key is an error, because a typo
    would otherwise silently turn a known fact into an unknown one.
    """
    if not isinstance(data, Mapping):
        raise FactsError(None, f"expected an object of facts, got {type(data).__name__}")
    for key in data:
        if key not in FACT_KEYS:
            raise FactsError(str(key), _unknown_key_message(str(key)))
    values = {key: _from_json(key, value) for key, value in data.items() if value is not None}
    return Facts(**values)


def _unknown_key_message(key: str) -> str:
    close = difflib.get_close_matches(key, FACT_KEYS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"expected one of {', '.join(FACT_KEYS)}"
    return f"unknown key; {hint}"


def _message(code: str, **params: Any) -> dict[str, Any]:
    """A message as `tapif.core.messages.message` builds it, without importing Django."""
    return {"code": code, "params": params}


@dataclass(frozen=True)
class RuleResult:
    """A rule's answer: its status and a message (a code of `eligibility.*` and its parameters,
    dates as ISO strings) that `candidates.messages` words in the reader's language."""

    rule: str
    status: Status
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def message(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "status": str(self.status), **self.message}


@dataclass(frozen=True)
class Verdict:
    rules: tuple[RuleResult, ...]  # in RULE_CODES order

    @property
    def eligible(self) -> bool | None:
        """False if any rule fails, None if none fails but some are unknown, else True."""
        if self.failures():
            return False
        if self.unknowns():
            return None
        return True

    def failures(self) -> tuple[RuleResult, ...]:
        return self._with(Status.FAIL)

    def unknowns(self) -> tuple[RuleResult, ...]:
        return self._with(Status.UNKNOWN)

    def status_of(self, rule: str) -> Status:
        """The status of one rule, by its code; KeyError for a code not in RULE_CODES."""
        for result in self.rules:
            if result.rule == rule:
                return result.status
        raise KeyError(rule)

    def as_dict(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "rules": [r.as_dict() for r in self.rules]}

    def _with(self, status: Status) -> tuple[RuleResult, ...]:
        return tuple(result for result in self.rules if result.status == status)


# A rule's answer before it is named: (status, message).
_Answer = tuple[Status, dict[str, Any]]


def _age(facts: Facts, rules: CampaignRules) -> _Answer:
    start = rules.contract_start.isoformat()
    bounds = {"min_age": rules.min_age, "max_age": rules.max_age, "start": start}
    born = facts.date_of_birth
    if born is None:
        return Status.UNKNOWN, _message("eligibility.age.unknown", **bounds)
    if born > rules.contract_start:
        return Status.FAIL, _message(
            "eligibility.age.born_after_start", born=born.isoformat(), start=start
        )
    age = age_on(born, rules.contract_start)
    if rules.min_age <= age <= rules.max_age:
        return Status.PASS, _message("eligibility.age.within", age=age, **bounds)
    return Status.FAIL, _message("eligibility.age.outside", age=age, **bounds)


def _citizenship(facts: Facts, rules: CampaignRules) -> _Answer:
    if facts.citizenship is None:
        return Status.UNKNOWN, _message("eligibility.citizenship.unknown")
    if facts.citizenship == "canadian":
        return Status.PASS, _message("eligibility.citizenship.canadian")
    if facts.citizenship == "other":
        return Status.FAIL, _message("eligibility.citizenship.other")
    return _permanent_resident(facts.country_of_citizenship, rules.participating_countries)


def _permanent_resident(country: str | None, participating: frozenset[str]) -> _Answer:
    if country is None:
        return Status.UNKNOWN, _message("eligibility.citizenship.country_unknown")
    if not participating:
        return Status.UNKNOWN, _message(
            "eligibility.citizenship.countries_not_set", country=country
        )
    if country in participating:
        return Status.PASS, _message("eligibility.citizenship.participating", country=country)
    return Status.FAIL, _message("eligibility.citizenship.not_participating", country=country)


def _residence(facts: Facts, rules: CampaignRules) -> _Answer:
    if facts.resides_in_canada:
        return Status.PASS, _message("eligibility.residence.in_canada")
    if facts.resides_in_canada is None:
        return Status.UNKNOWN, _message("eligibility.residence.unknown")
    if facts.exchange_student_abroad:
        return Status.PASS, _message("eligibility.residence.exchange_abroad")
    if facts.exchange_student_abroad is None:
        return Status.UNKNOWN, _message("eligibility.residence.exchange_unknown")
    return Status.FAIL, _message("eligibility.residence.abroad")


def _education(facts: Facts, rules: CampaignRules) -> _Answer:
    # Both conditions must hold; the messages are those of the conditions that decide.
    answers = (_university_years(facts, rules), _enrolment(facts))
    found = {answer[0] for answer in answers}
    status = next(s for s in (Status.FAIL, Status.UNKNOWN, Status.PASS) if s in found)
    deciding = [message for answer_status, message in answers if answer_status == status]
    if len(deciding) == 1:
        return status, deciding[0]
    return status, _message("eligibility.education.both", parts=deciding)


def _university_years(facts: Facts, rules: CampaignRules) -> _Answer:
    minimum = rules.min_university_years
    done = facts.university_years_completed
    if done is None:
        return Status.UNKNOWN, _message("eligibility.education.years_unknown", minimum=minimum)
    if done < minimum:
        return Status.FAIL, _message(
            "eligibility.education.years_short", minimum=minimum, done=done
        )
    return Status.PASS, _message("eligibility.education.years_done", minimum=minimum, done=done)


def _enrolment(facts: Facts) -> _Answer:
    left = facts.enrolment_status
    if left is None:
        return Status.UNKNOWN, _message("eligibility.education.enrolment_unknown")
    if left == "enrolled":
        return Status.PASS, _message("eligibility.education.enrolled")
    # Not enrolled (graduated or stopped): the page admits them only with teaching experience
    # or an education degree, and an evaluation from a former professor, which the dossier
    # collects later.
    if facts.has_teaching_experience:
        return Status.PASS, _message(f"eligibility.education.{left}_teaching_experience")
    if facts.has_education_degree:
        return Status.PASS, _message(f"eligibility.education.{left}_education_degree")
    if facts.has_teaching_experience is False and facts.has_education_degree is False:
        return Status.FAIL, _message(f"eligibility.education.{left}_neither")
    return Status.UNKNOWN, _message(f"eligibility.education.{left}_unknown")


def _studies_in_canada(facts: Facts, rules: CampaignRules) -> _Answer:
    if facts.studies_mostly_in_canada is None:
        return Status.UNKNOWN, _message("eligibility.studies_in_canada.unknown")
    if facts.studies_mostly_in_canada:
        return Status.PASS, _message("eligibility.studies_in_canada.met")
    return Status.FAIL, _message("eligibility.studies_in_canada.not_met")


def _french_level(facts: Facts, rules: CampaignRules) -> _Answer:
    minimum, level = rules.min_french_level, facts.french_level
    if level is None:
        return Status.UNKNOWN, _message("eligibility.french_level.unknown", minimum=minimum)
    if CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(minimum):
        return Status.PASS, _message("eligibility.french_level.met", minimum=minimum, level=level)
    return Status.FAIL, _message("eligibility.french_level.below", minimum=minimum, level=level)


def _passport(facts: Facts, rules: CampaignRules) -> _Answer:
    until = rules.passport_valid_until.isoformat()
    expiry = facts.passport_expiry
    if expiry is None:
        return Status.UNKNOWN, _message("eligibility.passport.unknown", until=until)
    if expiry >= rules.passport_valid_until:
        return Status.PASS, _message(
            "eligibility.passport.valid", until=until, expiry=expiry.isoformat()
        )
    return Status.FAIL, _message(
        "eligibility.passport.expires_too_early", until=until, expiry=expiry.isoformat()
    )


def _participations(facts: Facts, rules: CampaignRules) -> _Answer:
    most = rules.max_participations
    done = facts.previous_participations
    if done is None:
        return Status.UNKNOWN, _message("eligibility.participations.unknown", most=most)
    if done >= most:
        return Status.FAIL, _message("eligibility.participations.too_many", most=most, done=done)
    if done == 0:
        return Status.PASS, _message("eligibility.participations.first", most=most)
    # The page adds two conditions for former assistants that only staff can check later.
    return Status.PASS, _message("eligibility.participations.again", most=most, done=done)


def _availability(facts: Facts, rules: CampaignRules) -> _Answer:
    start = rules.contract_start.isoformat()
    if facts.available_from_contract_start is None:
        return Status.UNKNOWN, _message("eligibility.availability.unknown", start=start)
    if facts.available_from_contract_start:
        return Status.PASS, _message("eligibility.availability.available", start=start)
    return Status.FAIL, _message("eligibility.availability.unavailable", start=start)


_RULES: dict[str, Callable[[Facts, CampaignRules], _Answer]] = {
    "age": _age,
    "citizenship": _citizenship,
    "residence": _residence,
    "education": _education,
    "studies_in_canada": _studies_in_canada,
    "french_level": _french_level,
    "passport": _passport,
    "participations": _participations,
    "availability": _availability,
}


#: The facts each rule reads, in the order staff check them (the eligibility decision shows
#: them beside the rule's result).
RULE_FACTS: dict[str, tuple[str, ...]] = {
    "age": ("date_of_birth",),
    "citizenship": ("citizenship", "country_of_citizenship"),
    "residence": ("resides_in_canada", "exchange_student_abroad"),
    "education": (
        "enrolment_status",
        "university_years_completed",
        "has_teaching_experience",
        "has_education_degree",
    ),
    "studies_in_canada": ("studies_mostly_in_canada",),
    "french_level": ("french_level",),
    "passport": ("passport_expiry",),
    "participations": ("previous_participations",),
    "availability": ("available_from_contract_start",),
}


def evaluate(facts: Facts, rules: CampaignRules) -> Verdict:
    """Judge every rule, in RULE_CODES order; never raises for a Facts that could be built."""
    results = []
    for rule in RULE_CODES:
        status, message = _RULES[rule](facts, rules)
        results.append(RuleResult(rule, status, message["code"], message["params"]))
    return Verdict(rules=tuple(results))


def without_evaluation_level(verdict: Verdict, rules: CampaignRules) -> Verdict:
    """The verdict the candidate may read when their French level comes from a professor's
    evaluation, which is confidential: the French rule says only whether the requirement is
    met, never the level (a level from the candidate's own official test may be shown)."""
    codes = {
        Status.PASS: "eligibility.french_level.evaluation_met",
        Status.FAIL: "eligibility.french_level.evaluation_below",
    }
    return Verdict(
        rules=tuple(
            RuleResult(
                result.rule,
                result.status,
                codes[result.status],
                {"minimum": rules.min_french_level},
            )
            if result.rule == "french_level" and result.status in codes
            else result
            for result in verdict.rules
        )
    )
