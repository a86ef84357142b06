"""Eligibility rules of a dossier, judged against one campaign's settings.

Pure Python on purpose (no Django import): the dossier, the admin and the `check_eligibility`
command all call `evaluate`, and the rules are tested without a database. Each rule answers
PASS, FAIL or UNKNOWN (a fact it needs is missing), with an English and a French message that
use the campaign's own dates and bounds. A rule fails as soon as one known fact fails it, even if
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
from dataclasses import dataclass, fields
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

_MONTHS_EN = (
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
)
_MONTHS_FR = (
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
)


def format_date_en(day: date) -> str:
    """'1 October 2026': the day-month-year order used in Canada and by the programme."""
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def format_date_fr(day: date) -> str:
    """'1er octobre 2026': French writes the first of the month as an ordinal."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {_MONTHS_FR[day.month - 1]} {day.year}"


def _count_en(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _times_en(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _count_fr(n: int, singular: str, plural: str) -> str:
    # French keeps the singular for 0 and 1 ("0 an", "1 an", "2 ans").
    return f"{n} {singular if n in (0, 1) else plural}"


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
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                _CHECKS[field.name](field.name, value)


FACT_KEYS = tuple(field.name for field in fields(Facts))


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


@dataclass(frozen=True)
class RuleResult:
    rule: str
    status: Status
    message_en: str
    message_fr: str

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "status": str(self.status),
            "message_en": self.message_en,
            "message_fr": self.message_fr,
        }


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


# A rule's answer before it is named: (status, English message, French message).
_Answer = tuple[Status, str, str]


def _age(facts: Facts, rules: CampaignRules) -> _Answer:
    start_en, start_fr = format_date_en(rules.contract_start), format_date_fr(rules.contract_start)
    bounds_en = f"{rules.min_age} to {rules.max_age} years old on {start_en}"
    bounds_fr = f"entre {rules.min_age} et {rules.max_age} ans au {start_fr}"
    born = facts.date_of_birth
    if born is None:
        return (
            Status.UNKNOWN,
            f"Enter your date of birth: you must be {bounds_en}.",
            f"Indiquez votre date de naissance : vous devez avoir {bounds_fr}.",
        )
    if born > rules.contract_start:
        return (
            Status.FAIL,
            f"Your date of birth, {format_date_en(born)}, is after {start_en}: check it.",
            f"Votre date de naissance, le {format_date_fr(born)}, est après le {start_fr} : "
            "vérifiez-la.",
        )
    age = age_on(born, rules.contract_start)
    if rules.min_age <= age <= rules.max_age:
        return (
            Status.PASS,
            f"You will be {age} on {start_en}, within the {rules.min_age} to {rules.max_age} "
            "age limits.",
            f"Vous aurez {_count_fr(age, 'an', 'ans')} au {start_fr}, dans les limites de "
            f"{rules.min_age} à {rules.max_age} ans.",
        )
    return (
        Status.FAIL,
        f"You must be {bounds_en}; you will be {age}.",
        f"Vous devez avoir {bounds_fr} ; vous aurez {_count_fr(age, 'an', 'ans')}.",
    )


_CITIZENSHIP_REQUIRED_EN = (
    "you must be a Canadian citizen, or a permanent resident of Canada who is a citizen of a "
    "country taking part in the programme."
)
_CITIZENSHIP_REQUIRED_FR = (
    "vous devez être citoyen canadien, ou résident permanent du Canada et citoyen d’un pays "
    "participant au programme."
)


def _citizenship(facts: Facts, rules: CampaignRules) -> _Answer:
    if facts.citizenship is None:
        return (
            Status.UNKNOWN,
            f"Enter your citizenship: {_CITIZENSHIP_REQUIRED_EN}",
            f"Indiquez votre citoyenneté : {_CITIZENSHIP_REQUIRED_FR}",
        )
    if facts.citizenship == "canadian":
        return (
            Status.PASS,
            "Canadian citizenship: condition met.",
            "Citoyenneté canadienne : condition remplie.",
        )
    if facts.citizenship == "other":
        return (
            Status.FAIL,
            f"Neither a Canadian citizen nor a permanent resident of Canada: "
            f"{_CITIZENSHIP_REQUIRED_EN}",
            f"Ni citoyenneté canadienne ni résidence permanente au Canada : "
            f"{_CITIZENSHIP_REQUIRED_FR}",
        )
    return _permanent_resident(facts.country_of_citizenship, rules.participating_countries)


def _permanent_resident(country: str | None, participating: frozenset[str]) -> _Answer:
    if country is None:
        return (
            Status.UNKNOWN,
            "Enter your country of citizenship: permanent residents of Canada must be citizens "
            "of a country taking part in the programme.",
            "Indiquez votre pays de citoyenneté : les résidents permanents du Canada doivent être "
            "citoyens d’un pays participant au programme.",
        )
    if not participating:
        return (
            Status.UNKNOWN,
            f"The campaign's list of participating countries is not set yet; staff will check "
            f"whether {country} takes part in the programme.",
            f"La liste des pays participants de la campagne n’est pas encore établie ; l’équipe "
            f"vérifiera si {country} participe au programme.",
        )
    if country in participating:
        return (
            Status.PASS,
            f"Permanent resident of Canada and citizen of {country}, a participating country: "
            "condition met. Upload your permanent resident card and your passport from that "
            "country.",
            f"Résident permanent du Canada et citoyen de {country}, pays participant : condition "
            "remplie. Joignez votre carte de résident permanent et votre passeport de ce pays.",
        )
    return (
        Status.FAIL,
        f"Permanent residents of Canada must be citizens of a country taking part in the "
        f"programme; {country} is not one of them.",
        f"Les résidents permanents du Canada doivent être citoyens d’un pays participant au "
        f"programme ; {country} n’en fait pas partie.",
    )


def _residence(facts: Facts, rules: CampaignRules) -> _Answer:
    if facts.resides_in_canada:
        return (
            Status.PASS,
            "You reside in Canada: condition met.",
            "Vous résidez au Canada : condition remplie.",
        )
    if facts.resides_in_canada is None:
        return (
            Status.UNKNOWN,
            "Tell us whether you reside in Canada: you must when you apply, unless you are a "
            "student on an exchange programme abroad.",
            "Indiquez si vous résidez au Canada : c’est obligatoire au moment de la candidature, "
            "sauf pour les étudiants en programme d’échange à l’étranger.",
        )
    if facts.exchange_student_abroad:
        return (
            Status.PASS,
            "You are a student on an exchange programme abroad: the Canadian residence "
            "condition does not apply.",
            "Vous participez à un programme d’échange étudiant à l’étranger : la condition de "
            "résidence au Canada ne s’applique pas.",
        )
    if facts.exchange_student_abroad is None:
        return (
            Status.UNKNOWN,
            "You do not reside in Canada: tell us whether you are a student on an exchange "
            "programme abroad, the only exception.",
            "Vous ne résidez pas au Canada : indiquez si vous participez à un programme "
            "d’échange étudiant à l’étranger, seule exception admise.",
        )
    return (
        Status.FAIL,
        "You must reside in Canada when you apply, unless you are a student on an exchange "
        "programme abroad.",
        "Vous devez résider au Canada au moment de la candidature, sauf si vous participez à un "
        "programme d’échange étudiant à l’étranger.",
    )


def _education(facts: Facts, rules: CampaignRules) -> _Answer:
    # Both conditions must hold; the messages are those of the conditions that decide.
    answers = (_university_years(facts, rules), _enrolment(facts))
    found = {answer[0] for answer in answers}
    status = next(s for s in (Status.FAIL, Status.UNKNOWN, Status.PASS) if s in found)
    deciding = [answer for answer in answers if answer[0] == status]
    return (
        status,
        " ".join(answer[1] for answer in deciding),
        " ".join(answer[2] for answer in deciding),
    )


def _university_years(facts: Facts, rules: CampaignRules) -> _Answer:
    minimum = rules.min_university_years
    done = facts.university_years_completed
    if done is None:
        return (
            Status.UNKNOWN,
            "Enter how many years of university you have completed and validated: you need at "
            f"least {minimum}.",
            "Indiquez combien d’années d’études universitaires vous avez terminées et validées : "
            f"il en faut au moins {minimum}.",
        )
    if done < minimum:
        return (
            Status.FAIL,
            f"You must have completed and validated at least "
            f"{_count_en(minimum, 'year', 'years')} of university when you submit; you have "
            f"completed {done}.",
            f"Vous devez avoir terminé et validé au moins "
            f"{_count_fr(minimum, 'année', 'années')} d’études universitaires à la soumission de "
            f"votre dossier ; vous en avez terminé {done}.",
        )
    return (
        Status.PASS,
        f"You have completed {_count_en(done, 'year', 'years')} of university "
        f"(minimum: {minimum}).",
        f"Vous avez terminé {_count_fr(done, 'année', 'années')} d’études universitaires "
        f"(minimum : {minimum}).",
    )


_LEFT_UNIVERSITY = {
    "graduated": ("You have graduated", "Vous avez obtenu votre diplôme"),
    "stopped": ("You have stopped your studies", "Vous avez arrêté vos études"),
}


def _enrolment(facts: Facts) -> _Answer:
    if facts.enrolment_status is None:
        return (
            Status.UNKNOWN,
            "Tell us whether you are enrolled at university, have graduated or have stopped "
            "your studies.",
            "Indiquez si vous suivez des études universitaires, si vous avez obtenu votre diplôme "
            "ou si vous avez arrêté vos études.",
        )
    if facts.enrolment_status == "enrolled":
        return (
            Status.PASS,
            "You are currently enrolled at university.",
            "Vous suivez actuellement des études universitaires.",
        )
    # Not enrolled: the page admits them only with teaching experience or an education degree,
    # and an evaluation from a former professor, which the dossier collects later.
    left_en, left_fr = _LEFT_UNIVERSITY[facts.enrolment_status]
    if facts.has_teaching_experience or facts.has_education_degree:
        basis_en, basis_fr = (
            ("your teaching experience", "votre expérience d’enseignement")
            if facts.has_teaching_experience
            else ("your education degree", "votre diplôme en éducation")
        )
        return (
            Status.PASS,
            f"{left_en}: you qualify through {basis_en}, provided a former professor also "
            "evaluates you.",
            f"{left_fr} : vous êtes admissible grâce à {basis_fr}, à condition d’obtenir aussi "
            "l’évaluation d’un ancien professeur.",
        )
    if facts.has_teaching_experience is False and facts.has_education_degree is False:
        return (
            Status.FAIL,
            f"{left_en}: you then need teaching experience or an education degree, and an "
            "evaluation from a former professor.",
            f"{left_fr} : il vous faut alors une expérience d’enseignement ou un diplôme en "
            "éducation, ainsi que l’évaluation d’un ancien professeur.",
        )
    return (
        Status.UNKNOWN,
        f"{left_en}: tell us whether you have teaching experience or an education degree; you "
        "need one of them, and an evaluation from a former professor.",
        f"{left_fr} : indiquez si vous avez une expérience d’enseignement ou un diplôme en "
        "éducation ; il vous faut l’un ou l’autre, ainsi que l’évaluation d’un ancien professeur.",
    )


def _studies_in_canada(facts: Facts, rules: CampaignRules) -> _Answer:
    if facts.studies_mostly_in_canada is None:
        return (
            Status.UNKNOWN,
            "Tell us whether you did most of your secondary and university studies in Canada: "
            "it is required.",
            "Indiquez si vous avez fait la majorité de vos études secondaires et universitaires "
            "au Canada : c’est obligatoire.",
        )
    if facts.studies_mostly_in_canada:
        return (
            Status.PASS,
            "You did most of your secondary and university studies in Canada: condition met.",
            "Vous avez fait la majorité de vos études secondaires et universitaires au Canada : "
            "condition remplie.",
        )
    return (
        Status.FAIL,
        "You must have done most of your secondary and university studies in Canada.",
        "Vous devez avoir fait la majorité de vos études secondaires et universitaires au Canada.",
    )


def _french_level(facts: Facts, rules: CampaignRules) -> _Answer:
    minimum, level = rules.min_french_level, facts.french_level
    if level is None:
        return (
            Status.UNKNOWN,
            f"Your French level is not known yet: at least {minimum} (CEFR) is required, shown "
            "by a French professor's evaluation or, for graduates, an official test (TCF, TEF, "
            "DELF, DALF).",
            f"Votre niveau de français n’est pas encore connu : il faut au moins le niveau "
            f"{minimum} (CECR), attesté par l’évaluation d’un professeur de français ou, pour "
            "les diplômés, par un test officiel (TCF, TEF, DELF, DALF).",
        )
    if CEFR_LEVELS.index(level) >= CEFR_LEVELS.index(minimum):
        return (
            Status.PASS,
            f"Your French level, {level}, meets the {minimum} minimum (CEFR).",
            f"Votre niveau de français, {level}, atteint le minimum requis, {minimum} (CECR).",
        )
    return (
        Status.FAIL,
        f"You need at least {minimum} in French (CEFR); your level is {level}.",
        f"Il faut au moins le niveau {minimum} en français (CECR) ; votre niveau est {level}.",
    )


def _passport(facts: Facts, rules: CampaignRules) -> _Answer:
    until_en = format_date_en(rules.passport_valid_until)
    until_fr = format_date_fr(rules.passport_valid_until)
    expiry = facts.passport_expiry
    if expiry is None:
        return (
            Status.UNKNOWN,
            f"Enter your passport's expiry date: it must be valid until at least {until_en}.",
            f"Indiquez la date d’expiration de votre passeport : il doit être valide au moins "
            f"jusqu’au {until_fr}.",
        )
    if expiry >= rules.passport_valid_until:
        return (
            Status.PASS,
            f"Your passport expires on {format_date_en(expiry)}, which covers the required "
            f"{until_en}.",
            f"Votre passeport expire le {format_date_fr(expiry)}, ce qui couvre la date exigée "
            f"du {until_fr}.",
        )
    return (
        Status.FAIL,
        f"Your passport must be valid until at least {until_en}; it expires on "
        f"{format_date_en(expiry)}. Start its renewal now: applications without a valid "
        "passport are not considered.",
        f"Votre passeport doit être valide au moins jusqu’au {until_fr} ; il expire le "
        f"{format_date_fr(expiry)}. Demandez son renouvellement dès maintenant : les candidatures "
        "sans passeport valide ne sont pas prises en considération.",
    )


def _participations(facts: Facts, rules: CampaignRules) -> _Answer:
    most = rules.max_participations
    most_en = f"at most {_count_en(most, 'participation', 'participations')} in a lifetime"
    most_fr = f"au plus {_count_fr(most, 'participation', 'participations')} au cours d’une vie"
    done = facts.previous_participations
    if done is None:
        return (
            Status.UNKNOWN,
            f"Tell us how many times you have taken part in the programme before: it allows "
            f"{most_en}.",
            f"Indiquez combien de fois vous avez déjà participé au programme : il autorise "
            f"{most_fr}.",
        )
    if done >= most:
        return (
            Status.FAIL,
            f"The programme allows {most_en}; you have already taken part {_times_en(done)}.",
            f"Le programme autorise {most_fr} ; vous avez déjà participé {done} fois.",
        )
    if done == 0:
        return (
            Status.PASS,
            f"This would be your first participation (the programme allows {most_en}).",
            f"Ce serait votre première participation (le programme autorise {most_fr}).",
        )
    # The page adds two conditions for former assistants that only staff can check later.
    return (
        Status.PASS,
        f"You have taken part {_times_en(done)} before (the programme allows "
        f"{most_en}). Former assistants also need a positive evaluation from their previous "
        "académie, and go on the waitlist.",
        f"Vous avez déjà participé {done} fois (le programme autorise {most_fr}). Les anciens "
        "assistants doivent aussi avoir reçu une évaluation positive de leur académie "
        "précédente, et sont placés sur la liste d’attente.",
    )


def _availability(facts: Facts, rules: CampaignRules) -> _Answer:
    start_en, start_fr = format_date_en(rules.contract_start), format_date_fr(rules.contract_start)
    if facts.available_from_contract_start is None:
        return (
            Status.UNKNOWN,
            f"Confirm that you are available from {start_en}: the contract start date cannot "
            "be changed.",
            f"Confirmez que vous êtes disponible dès le {start_fr} : la date de début du contrat "
            "n’est pas négociable.",
        )
    if facts.available_from_contract_start:
        return (
            Status.PASS,
            f"You are available from {start_en}, the contract start.",
            f"Vous êtes disponible dès le {start_fr}, date de début du contrat.",
        )
    return (
        Status.FAIL,
        f"You must be available from {start_en}: the contract start date cannot be changed.",
        f"Vous devez être disponible dès le {start_fr} : la date de début du contrat n’est pas "
        "négociable.",
    )


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
    return Verdict(
        rules=tuple(RuleResult(code, *_RULES[code](facts, rules)) for code in RULE_CODES)
    )
