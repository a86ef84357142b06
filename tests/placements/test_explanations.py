"""The words of the placements app's codes (`placements.messages`): every code the pure
modules (allocation, promotion) can produce is registered, and reads in English and in French."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest

from placements import allocation, promotion
from placements import messages as explanations
from tapif.core.messages import explain, is_known
from tests.words import en, fr

#: One value for every parameter any code of the app takes.
SAMPLE = {
    "academie": "Lyon",
    "academies": ["Paris", "Nice"],
    "choices": "primary, secondary, either",
    "count": 2,
    "error": "Expecting value",
    "first": 3,
    "id": "CA27-00001",
    "last": 9,
    "level": "primary",
    "levels": ["primary", "secondary"],
    "line": 1,
    "listed": True,
    "max": 3,
    "name": "score",
    "own": "secondary",
    "partner": "CA27-00002",
    "partner_rank": 2,
    "position": 1,
    "preference": 2,
    "preferences": "['A', 'B', 'C', 'D']",
    "rank": 3,
    "ranks": [3, 4],
    "reason": "a place opened",
    "reasons": [{"code": "allocation.level_none", "params": {"level": "secondary"}}],
    "requests": 1,
    "returning": False,
    "second": 4,
    "size": 2,
    "turn": 4,
    "value": "'high'",
    "where": "candidate CA27-00001",
}


def _variants(code: str) -> list[dict]:
    """The sample parameters, once per sentence a code chooses between."""
    if code in ("promotion.offered", "promotion.offered_couple"):
        return [
            SAMPLE | {"returning": returning, "listed": listed}
            for returning, listed in product((False, True), repeat=2)
        ]
    if code == "allocation.placed_preference":
        return [SAMPLE | {"preference": n} for n in range(1, allocation.MAX_PREFERENCES + 1)]
    return [SAMPLE]


@pytest.mark.parametrize("code", sorted(explanations.WORDS))
def test_every_code_reads_in_english_and_in_french(code):
    for params in _variants(code):
        english, french = en({"code": code, "params": params}), fr({"code": code, "params": params})
        assert english
        assert french
        assert "%(" not in english
        assert "%(" not in french
        assert english != french, code


def _produced_codes() -> set[str]:
    """The codes written in the pure modules: literal codes, the allocation's refusals
    (`_error("…")`) and the promotion's reasons named after their value."""
    found = set()
    for module in (allocation, promotion):
        source = Path(module.__file__).read_text(encoding="utf-8")
        found |= set(re.findall(r'"((?:allocation|promotion)\.[a-z_.]+)"', source))
        found |= {f"allocation.error.{c}" for c in re.findall(r'_error\(\s*"([a-z_]+)"', source)}
    standing = (promotion.Reason.HOLDS_PLACE, promotion.Reason.DECLINED)
    standing += (promotion.Reason.WITHDRAWN, promotion.Reason.NOT_WAITING)
    found |= {f"promotion.{reason.value}" for reason in standing}
    return found


def test_every_code_the_pure_modules_produce_has_words():
    produced = _produced_codes()
    assert len(produced) > 50  # the scan found the codes
    assert {code for code in produced if not is_known(code)} == set()
    assert produced | {"placement.manual_offer"} == set(explanations.WORDS)


def test_a_level_and_a_list_are_worded_in_the_sentences_language():
    reason = {"code": "allocation.places_taken", "params": {"level": "secondary", "count": 3}}
    reason["params"]["ranks"] = [4, 9, 12]
    missed = {"code": "allocation.missed", "params": {"academie": "Lyon", "reasons": [reason]}}
    assert en(missed) == "Lyon: the 3 secondary places were taken by candidates ranked 4, 9 and 12."
    assert fr(missed) == (
        "Lyon : les 3 places en secondaire ont été prises par les candidats classés 4, 9 et 12."
    )


def test_an_unknown_code_reads_as_itself():
    assert explain("allocation.no_such_code") == "allocation.no_such_code"
