"""One vocabulary per concept (issue 14): one Django enum for each choice, and the pure modules'
plain values pinned to it, so that a second copy cannot creep back in."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

from candidates.choices import SchoolLevelWish
from placements import allocation, promotion
from placements.choices import RankDecision
from tapif.core.choices import SchoolLevel

ROOT = Path(__file__).resolve().parents[1]
CODE = ("tapif", "candidates", "evaluations", "payments", "selection", "placements")


def _classes_spelling(value: str) -> set[str]:
    """The classes of the project's code that spell `value` as one of their members' values
    (`NAME = "value"` or `NAME = "value", label`); a class reusing another's member does not
    spell it."""
    found = set()
    for top in CODE:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ClassDef):
                    continue
                for statement in node.body:
                    if not isinstance(statement, ast.Assign):
                        continue
                    target = statement.value
                    if isinstance(target, ast.Tuple) and target.elts:
                        target = target.elts[0]
                    if isinstance(target, ast.Constant) and target.value == value:
                        found.add(f"{path.relative_to(ROOT).as_posix()}:{node.name}")
    return found


def test_the_school_level_is_spelled_by_one_django_enum_and_one_pure_enum():
    assert _classes_spelling("primary") == {
        "tapif/core/choices.py:SchoolLevel",
        "placements/allocation.py:Level",
    }
    assert _classes_spelling("either") == {
        "candidates/choices.py:SchoolLevelWish",
        "placements/allocation.py:SchoolLevel",
    }


def test_the_pure_levels_have_the_django_enums_values():
    assert [level.value for level in allocation.Level] == SchoolLevel.values
    assert [wish.value for wish in allocation.SchoolLevel] == SchoolLevelWish.values
    # Promotion reads the allocation's own enums, not copies.
    assert promotion.Level is allocation.Level
    assert promotion.SchoolLevel is allocation.SchoolLevel


def test_a_wish_is_a_school_level_or_either():
    assert SchoolLevelWish.values == [*SchoolLevel.values, "either"]
    assert {str(wish): set(levels) for wish, levels in allocation.LEVELS_TAUGHT.items()} == {
        "primary": {"primary"},
        "secondary": {"secondary"},
        "either": {"primary", "secondary"},
    }


@pytest.mark.parametrize(
    ("enum", "labels"),
    [
        (SchoolLevel, ["Primary", "Secondary"]),
        (
            SchoolLevelWish,
            ["Primary (pupils aged 6 to 10)", "Secondary (pupils aged 11 to 18)", "Either"],
        ),
    ],
)
def test_each_screen_keeps_its_level_labels(enum, labels):
    with translation.override("en"):
        assert [str(label) for label in enum.labels] == labels


def test_the_rank_decision_is_the_allocations_decision():
    assert _classes_spelling("not_selected") == {
        "candidates/choices.py:ApplicationStatus",  # the dossier's status, another concept
        "placements/allocation.py:Decision",
    }
    assert RankDecision.values == [decision.value for decision in allocation.Decision]
    with translation.override("en"):
        assert [str(label) for label in RankDecision.labels] == [
            "Accepted",
            "Waitlisted",
            "Not selected",
            "Ineligible",
        ]
