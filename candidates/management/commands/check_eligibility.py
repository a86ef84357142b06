"""`manage.py check_eligibility FILE.json`: judge fact sets against a campaign's rules.

All or nothing: every item is read and checked before any verdict is printed, so a script
never gets a partial list. Errors name the item (counted from 0) and the key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from candidates.eligibility import (
    COMMAND_HELP,
    FILE_HELP,
    CampaignRules,
    Facts,
    FactsError,
    Verdict,
    evaluate,
    facts_from_mapping,
)
from candidates.selectors import campaign_rules
from tapif.core.messages import explain
from tapif.core.models import Campaign
from tapif.core.selectors import campaign_current

CAMPAIGN_KEY = "campaign"
LANGUAGES = ("en", "fr")


class Command(BaseCommand):
    help = COMMAND_HELP

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help=FILE_HELP)

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        items = _read_list(file)
        requests = [_parse_item(index, item) for index, item in enumerate(items)]
        rules = _rules_by_school_year(requests)
        verdicts = [_worded(evaluate(facts, rules[year])) for year, facts in requests]
        self.stdout.write(json.dumps(verdicts, ensure_ascii=False, indent=2))


def _worded(verdict: Verdict) -> dict[str, Any]:
    """The verdict as JSON: each rule's code and parameters, and its words in both languages."""
    data = verdict.as_dict()
    for rule in data["rules"]:
        text = {}
        for language in LANGUAGES:
            with translation.override(language):
                text[language] = explain(rule["code"], rule["params"])
        rule["text"] = text
    return data


def _read_list(file: str) -> list[Any]:
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {file}: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{file} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    if not isinstance(data, list):
        raise CommandError(f"{file}: expected a JSON list of fact sets, got {_json_type(data)}")
    return data


def _parse_item(index: int, item: Any) -> tuple[str | None, Facts]:
    """(school year or None for the current campaign, facts) of one item."""
    if not isinstance(item, dict):
        raise CommandError(f"item {index}: expected an object of facts, got {_json_type(item)}")
    data = dict(item)
    year = data.pop(CAMPAIGN_KEY, None)
    if year is not None and not isinstance(year, str):
        raise CommandError(
            f"item {index}, key {CAMPAIGN_KEY!r}: expected a school year such as 2026-2027, "
            f"got {year!r}"
        )
    try:
        return year, facts_from_mapping(data)
    except FactsError as error:
        raise CommandError(f"item {index}, key {error.key!r}: {error.message}") from None


def _rules_by_school_year(
    requests: list[tuple[str | None, Facts]],
) -> dict[str | None, CampaignRules]:
    """One query per campaign named, and None for the current one."""
    rules: dict[str | None, CampaignRules] = {}
    for index, (year, _facts) in enumerate(requests):
        if year in rules:
            continue
        where = f"item {index}, key {CAMPAIGN_KEY!r}"
        if year is None:
            campaign = campaign_current()
            if campaign is None:
                raise CommandError(f"{where}: no campaign is current; name one such as 2026-2027")
        else:
            campaign = Campaign.objects.filter(school_year=year).first()
            if campaign is None:
                raise CommandError(f"{where}: no campaign for the school year {year!r}")
        try:
            rules[year] = campaign_rules(campaign)
        except ValueError as error:
            raise CommandError(f"{where}: campaign {campaign} has invalid rules: {error}") from None
    return rules


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")
