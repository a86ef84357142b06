"""Every audit action has words, declared by the app that records it (its `messages.py`, core's
in `tapif.core.audit`), in English and French."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest
from django.utils import translation

from tapif.core.messages import explain

ROOT = Path(__file__).resolve().parents[2]
#: Where each app declares the words of its audit actions.
DECLARED_IN = {
    "candidates": "candidates.messages",
    "evaluations": "evaluations.messages",
    "payments": "payments.messages",
    "selection": "selection.messages",
    "placements": "placements.messages",
    "tapif": "tapif.core.audit",
}


def _codes(expression: ast.expr) -> list[str]:
    """The action codes an `action=` argument may take: its literals, and an f-string's prefix
    followed by '*'."""
    if isinstance(expression, ast.JoinedStr):
        head = expression.values[0]
        return [f"{head.value}*"] if isinstance(head, ast.Constant) else ["*"]
    return [
        node.value
        for node in ast.walk(expression)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


def recorded_actions() -> list[tuple[str, str, str]]:
    """(app, file, code) of every `audit_record(action=…)` call in the apps' code."""
    found = []
    for app in DECLARED_IN:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                name = getattr(node, "func", None)
                called = getattr(name, "id", None) or getattr(name, "attr", None)
                if isinstance(node, ast.Call) and called == "audit_record":
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            codes = _codes(keyword.value)
                            found += [(app, str(path.relative_to(ROOT)), c) for c in codes]
    return found


def test_the_scan_finds_the_actions():
    codes = {code for _app, _path, code in recorded_actions()}
    assert {"application.transition", "payment.verify", "review.submit", "offer.make"} <= codes
    assert {"admin.*", "institution_contact.*"} <= codes


@pytest.mark.parametrize(("app", "path", "code"), recorded_actions())
def test_every_recorded_action_is_worded_by_its_own_app(app, path, code):
    declared = importlib.import_module(DECLARED_IN[app]).AUDIT_ACTIONS
    if code.endswith("*"):
        matching = [known for known in declared if known.startswith(code[:-1])]
    else:
        matching = [code] if code in declared else []
    assert matching, f"{path} records {code!r}: declare its words in {DECLARED_IN[app]}"
    for known in matching:
        with translation.override("en"):
            english, words = explain(known), str(declared[known])
        with translation.override("fr"):
            french = explain(known)
        assert english == words != known  # registered, not shown as its code
        assert french != english  # translated
