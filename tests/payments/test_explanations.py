"""The words of the payments app's codes (`payments.messages`): every code bank matching
can produce is registered, and reads in English and in French."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from payments import bankfile, matching, services
from payments import messages as explanations
from tapif.core.messages import is_known
from tests.words import en, fr

SAMPLE = {
    "column": "amount",
    "columns": ["amount", "reference_number"],
    "due": "80.00 CAD",
    "expected": 7,
    "found": 3,
    "how": "memo",
    "number": "CA27-00042",
    "paid": "75.00 CAD",
    "value": "eighty",
    "header": ["When", "How much"],
    "closest": "e-Transfer (generic)",
    "day_first": "28/11/2026",
    "month_first": "11/28/2026",
    "encoding": "UTF-8",
    "sender": "PRIYA PATEL",
    "declared_on": "2026-01-14",
}


@pytest.mark.parametrize("code", sorted(explanations.WORDS))
def test_every_code_reads_in_english_and_in_french(code):
    message = {"code": code, "params": SAMPLE}
    english, french = en(message), fr(message)
    assert english
    assert french
    assert "%(" not in english
    assert "%(" not in french
    assert english != french


def test_every_code_matching_produces_has_words():
    modules = (matching, bankfile, services)
    source = "".join(Path(module.__file__).read_text(encoding="utf-8") for module in modules)
    produced = set(re.findall(r'"((?:matching|layout|payments)\.[a-z_]+)"', source))
    produced = {code for code in produced if code in explanations.WORDS or "." in code}
    worded = {code for code in produced if not code.startswith("payments.")}
    worded |= {code for code in produced if code == "payments.suggestion_dismissed"}
    assert {code for code in worded if not is_known(code)} == set()
    assert worded == set(explanations.WORDS)


@pytest.mark.parametrize("how", list(matching.MatchedBy))
def test_how_a_line_was_found_is_worded_in_both_languages(how):
    message = {"code": "matching.matched", "params": SAMPLE | {"how": how.value}}
    assert f"({how.value})" not in en(message)
    assert en(message) != fr(message)


def test_column_names_follow_the_language():
    message = {"code": "matching.columns_missing", "params": {"columns": ["amount", "currency"]}}
    assert en(message) == (
        "Missing column(s) in the header: amount, currency. Expected: "
        "date,amount,currency,sender_name,sender_email,reference_number,message."
    )
    assert fr(message) == (
        "Colonne(s) manquante(s) dans l’en-tête : montant, devise. Attendu : "
        "date,montant,devise,nom_expediteur,courriel_expediteur,numero_reference,message."
    )
