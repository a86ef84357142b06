"""Imports between apps point one way, down DESIGN.md's layers: a cycle is a design bug."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Each app and the apps it may import (tapif.core is importable by all but itself imports none).
ALLOWED = {
    "tapif/core": set(),
    "candidates": {"tapif"},
    "evaluations": {"tapif", "candidates"},
    "payments": {"tapif", "candidates"},
    "selection": {"tapif", "candidates", "evaluations", "payments"},
    "placements": {"tapif", "candidates", "evaluations", "payments", "selection"},
    # The demo seeds every app through its services; no app imports it.
    "demo": {"tapif", "candidates", "evaluations", "payments", "selection", "placements"},
}
APPS = {"candidates", "evaluations", "payments", "selection", "placements", "demo"}


def _imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names & (APPS | {"tapif"})


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_an_app_imports_only_the_layers_below_it(app):
    offending = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        imported = _imported_apps(path) - {app.split("/")[0]} - ALLOWED[app]
        if app == "tapif/core":
            imported -= {"tapif"}
        if imported:
            offending[str(path.relative_to(ROOT))] = sorted(imported)
    assert offending == {}
