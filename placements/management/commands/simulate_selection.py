"""`manage.py simulate_selection FILE.json`: the committee's what-if run of a selection round.

Reads quotas, a waitlist size and candidates (the JSON format of `placements.allocation`, fully
described in docs/selection.md), ranks and places them with the same pure functions as the
round preview (`placements.allocation.simulate`), and prints the JSON result, each candidate's
explanation worded in English and in French (`"explanation": {"en": …, "fr": …}`, words from the
catalogue). Nothing is read from or written to the database.

All or nothing: the whole file is checked before anything is printed, so a script never gets a
partial result. Errors name the place in the file: the top-level key, the quota's académie, or
the candidate (counted from 0, with its id once known) and the key.
"""

from __future__ import annotations

import difflib
import json
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from placements.allocation import (
    MAX_PREFERENCES,
    AllocationError,
    CoupleMode,
    SchoolLevel,
    from_json,
    simulate,
    to_dict,
)
from selection.ranking import DEFAULT_TIE_BREAK_CRITERIA
from selection.scoring import CEFR_POINTS
from tapif.core.messages import explain_all, explain_message

#: The languages each explanation is printed in.
LANGUAGES = ("en", "fr")

COMMAND_HELP = (
    "Simulate a selection round (rank, accept, waitlist, place) from a JSON file (- for stdin) "
    'and print the result as JSON. Input: {"quotas": {ACADEMIE: {"primary": n, "secondary": n}}, '
    '"waitlist_size": n, "candidates": [{"id", "eligible", "score", "returning", '
    '"previous_evaluation_positive", "school_level": primary|secondary|either, "preferences": '
    '[up to 3 codes], "partner": id|null, "couple", "french_level", "criteria": {code: points}}], '
    'optional "campaign", "tie_break_criteria" and "academie_names" (code → name, for the '
    'explanations)}. Output: "candidates" (id, rank, decision, '
    'waitlist_position, academie, level, preference_obtained, explanation {"en", "fr"}, '
    'flags), "academies" (places, filled, cut-off ranks, requests) and "totals". '
    "Nothing is saved. Full format: docs/selection.md. / "
    "Simule un tour de sélection (classement, admission, liste d’attente, affectation) à partir "
    "d’un fichier JSON (- pour l’entrée standard) et affiche le résultat en JSON ; rien n’est "
    "enregistré. Format complet : docs/selection.md."
)
FILE_HELP = "JSON file to read, or - for stdin. / Fichier JSON à lire, ou - pour l’entrée standard."
INDENT_HELP = (
    "Indent the output by N spaces (default 2; 0 prints it on one line). / "
    "Indentation de N espaces (2 par défaut ; 0 pour une seule ligne)."
)

TOP_KEYS = (
    "quotas",
    "waitlist_size",
    "candidates",
    "campaign",
    "tie_break_criteria",
    "academie_names",
)
QUOTA_KEYS = ("primary", "secondary")
CANDIDATE_KEYS = (
    "id",
    "eligible",
    "score",
    "returning",
    "previous_evaluation_positive",
    "school_level",
    "preferences",
    "partner",
    "couple",
    "french_level",
    "criteria",
)


class Command(BaseCommand):
    help = COMMAND_HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help=FILE_HELP)
        parser.add_argument("--indent", type=int, default=2, metavar="N", help=INDENT_HELP)

    def handle(self, *args: Any, file: str, indent: int, **options: Any) -> None:
        if indent < 0:
            raise CommandError(f"--indent must be 0 or more, got {indent}")
        text = _read(file)
        check_input(_parse(file, text))
        try:
            allocation = simulate(from_json(text))
        except AllocationError as error:  # what the checks above do not already refuse
            with translation.override("en"):
                raise CommandError(explain_message(error.message)) from None
        output = to_dict(allocation)
        for candidate in output["candidates"]:
            candidate["explanation"] = worded(candidate["explanation"])
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=indent or None))


def worded(explanation: Iterable[dict[str, Any]]) -> dict[str, str]:
    """An explanation (the allocation's messages) as text in each of `LANGUAGES`."""
    messages = list(explanation)
    result = {}
    for language in LANGUAGES:
        with translation.override(language):
            result[language] = explain_all(messages)
    return result


def _read(file: str) -> str:
    try:
        return sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {file}: {error}") from None


def _parse(file: str, text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{file} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None


# ---------------------------------------------------------------------------------------------
# Checking the input: every refusal names where it is and what was expected
# ---------------------------------------------------------------------------------------------


def check_input(data: Any) -> None:
    """Refuse, with a `CommandError`, anything `from_json` would misread or silently ignore."""
    if not isinstance(data, dict):
        raise CommandError(
            f'expected a JSON object with "quotas", "waitlist_size" and "candidates", '
            f"got {_json_type(data)}"
        )
    _unknown_keys(data, TOP_KEYS, "")
    for key in ("quotas", "waitlist_size", "candidates"):
        if key not in data:
            raise CommandError(f"key {key!r}: missing")
    _check_quotas(data["quotas"])
    _whole(data["waitlist_size"], "key 'waitlist_size'")
    campaign = data.get("campaign", "")
    if not isinstance(campaign, str):
        raise CommandError(
            f"key 'campaign': expected a campaign code such as '2026-2027', got {_show(campaign)}"
        )
    criteria = _check_tie_break(data.get("tie_break_criteria", list(DEFAULT_TIE_BREAK_CRITERIA)))
    records = data["candidates"]
    if not isinstance(records, list):
        raise CommandError(f"key 'candidates': expected a list, got {_json_type(records)}")
    known_criteria = set(criteria) | set(DEFAULT_TIE_BREAK_CRITERIA)
    ids = [_check_candidate(n, record, known_criteria) for n, record in enumerate(records)]
    _check_ids_and_partners(records, ids)


def _check_quotas(quotas: Any) -> None:
    if not isinstance(quotas, dict):
        raise CommandError(
            f'key \'quotas\': expected an object {{ACADEMIE: {{"primary": n, "secondary": n}}}}, '
            f"got {_json_type(quotas)}"
        )
    for code, quota in quotas.items():
        where = f"quotas, académie {code!r}"
        if not code.strip():
            raise CommandError(f"{where}: an académie code cannot be empty")
        if not isinstance(quota, dict):
            raise CommandError(
                f'{where}: expected {{"primary": n, "secondary": n}}, got {_json_type(quota)}'
            )
        _unknown_keys(quota, QUOTA_KEYS, f"{where}, ")
        for key in QUOTA_KEYS:
            if key not in quota:
                raise CommandError(f"{where}, key {key!r}: missing")
            _whole(quota[key], f"{where}, key {key!r}")


def _check_tie_break(criteria: Any) -> list[str]:
    where = "key 'tie_break_criteria'"
    if not isinstance(criteria, list) or not all(isinstance(c, str) for c in criteria):
        raise CommandError(f"{where}: expected a list of criterion codes, got {_show(criteria)}")
    repeated = sorted({code for code in criteria if criteria.count(code) > 1})
    if repeated:
        raise CommandError(f"{where}: listed more than once: {', '.join(repeated)}")
    return criteria


def _check_candidate(number: int, record: Any, known_criteria: set[str]) -> str:
    """The candidate's id, once every key of `record` is checked."""
    where = f"candidates[{number}]"
    if not isinstance(record, dict):
        raise CommandError(f"{where}: expected an object, got {_json_type(record)}")
    candidate_id = record.get("id")
    if not isinstance(candidate_id, str) or not candidate_id.strip():
        got = "missing" if "id" not in record else f"got {candidate_id!r}"
        raise CommandError(f"{where}, key 'id': expected a non-empty text, {got}")
    where = f"candidates[{number}] ({candidate_id})"
    _unknown_keys(record, CANDIDATE_KEYS, f"{where}, ")
    if "eligible" not in record:
        raise CommandError(f"{where}, key 'eligible': missing (true or false)")
    for key in ("eligible", "returning", "previous_evaluation_positive"):
        value = record.get(key, False)
        if not isinstance(value, bool):
            raise CommandError(f"{where}, key {key!r}: expected true or false, got {_show(value)}")
    _check_score(record.get("score"), f"{where}, key 'score'")
    _choice(SchoolLevel, record.get("school_level", "either"), f"{where}, key 'school_level'")
    couple = record.get("couple")
    if couple is not None:
        _choice(CoupleMode, couple, f"{where}, key 'couple'")
    _check_preferences(record.get("preferences", []), f"{where}, key 'preferences'")
    partner = record.get("partner")
    if partner is not None and (not isinstance(partner, str) or not partner.strip()):
        raise CommandError(
            f"{where}, key 'partner': expected a candidate id or null, got {_show(partner)}"
        )
    level = record.get("french_level")
    if level is not None and (
        not isinstance(level, str) or level.strip().upper() not in CEFR_POINTS
    ):
        raise CommandError(
            f"{where}, key 'french_level': expected one of {', '.join(CEFR_POINTS)} or null, "
            f"got {_show(level)}"
        )
    _check_criteria(record.get("criteria", {}), f"{where}, key 'criteria'", known_criteria)
    return candidate_id


def _check_score(score: Any, where: str) -> None:
    if score is None:
        return
    if isinstance(score, bool) or not isinstance(score, int | Decimal | str):
        raise CommandError(f"{where}: expected a number or null, got {_show(score)}")
    try:
        finite = Decimal(score).is_finite()
    except InvalidOperation:
        finite = False
    if not finite:
        raise CommandError(f"{where}: expected a number or null, got {_show(score)}")


def _check_preferences(preferences: Any, where: str) -> None:
    if not isinstance(preferences, list) or not all(
        isinstance(code, str) and code.strip() for code in preferences
    ):
        raise CommandError(f"{where}: expected a list of académie codes, got {_show(preferences)}")
    if len(preferences) > MAX_PREFERENCES:
        raise CommandError(f"{where}: at most {MAX_PREFERENCES} académies, got {len(preferences)}")
    repeated = sorted({code for code in preferences if preferences.count(code) > 1})
    if repeated:
        raise CommandError(f"{where}: listed more than once: {', '.join(repeated)}")


def _check_criteria(criteria: Any, where: str, known: set[str]) -> None:
    if not isinstance(criteria, dict):
        raise CommandError(
            f"{where}: expected an object of criterion points, got {_json_type(criteria)}"
        )
    for code, points in criteria.items():
        if code not in known:
            raise CommandError(f"{where}: {_unknown(code, sorted(known), 'criterion')}")
        if points is not None and (isinstance(points, bool) or not isinstance(points, int)):
            raise CommandError(
                f"{where}: the criterion {code!r} needs whole points or null, got {_show(points)}"
            )


def _check_ids_and_partners(records: list[dict[str, Any]], ids: list[str]) -> None:
    first_index: dict[str, int] = {}
    for number, candidate_id in enumerate(ids):
        if candidate_id in first_index:
            raise CommandError(
                f"candidates[{number}] ({candidate_id}), key 'id': the same id as "
                f"candidates[{first_index[candidate_id]}]"
            )
        first_index[candidate_id] = number
    for number, (record, candidate_id) in enumerate(zip(records, ids, strict=True)):
        partner = record.get("partner")
        if partner is None:
            continue
        where = f"candidates[{number}] ({candidate_id}), key 'partner'"
        if partner == candidate_id:
            raise CommandError(f"{where}: a candidate cannot be their own partner")
        if partner not in first_index:
            raise CommandError(f"{where}: no candidate has the id {partner!r}")
        partner_number = first_index[partner]
        named_back = records[partner_number].get("partner")
        if named_back != candidate_id:
            raise CommandError(
                f"{where}: {partner} (candidates[{partner_number}]) names "
                f"{'no partner' if named_back is None else repr(named_back)}, not {candidate_id!r}"
            )


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _unknown_keys(mapping: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    for key in mapping:
        if key not in known:
            raise CommandError(f"{where}key {key!r}: {_unknown(key, known, 'key')}")


def _unknown(name: str, known: Iterable[str], what: str) -> str:
    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"unknown {what} {name!r}; did you mean {close[0]!r}?"
    return f"unknown {what} {name!r}; expected one of {', '.join(known)}"


def _whole(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise CommandError(f"{where}: expected a whole number, 0 or more, got {_show(value)}")


def _choice(enum: type[SchoolLevel] | type[CoupleMode], value: Any, where: str) -> None:
    if not isinstance(value, str) or value not in {str(member) for member in enum}:
        raise CommandError(f"{where}: expected one of {', '.join(enum)}, got {_show(value)}")


def _show(value: Any) -> str:
    """A value as the file wrote it: 81.5, not Decimal('81.5')."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return repr(value)


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
