"""Outside judges on the pages the journeys visit, in French and English, on a desktop and on a
390 by 844 phone: axe-core (WCAG 2.1 A and AA, every impact), the Nu Html Checker (vnu-jar, on
the HTML the server sends) and, on three pages, Lighthouse 12.2.3 against Debian's Chromium.

The checkers are npm packages (package.json at the repository root; `npm ci`, which .ci/run
does); without node_modules these tests are skipped with the reason. Each prints its figure
through tests/conftest.py's figures hook.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from candidates import services
from tests.e2e.conftest import CHROMIUM
from tests.e2e.helpers import log_in

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
LIGHTHOUSE = NODE_MODULES / "lighthouse" / "cli" / "index.js"

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (AXE.exists() and VNU.exists() and LIGHTHOUSE.exists()),
        reason="the outside checkers are npm packages: run `npm ci` at the repository root",
    ),
    pytest.mark.skipif(shutil.which("java") is None, reason="the Nu Html Checker needs Java"),
]

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
PUBLIC_PAGES = ["", "accounts/login/", "accounts/signup/", "eligibility/", "privacy/"]
CANDIDATE_PAGES = [
    "dossier/",
    "dossier/identity/",
    "dossier/studies/",
    "dossier/french/",
    "dossier/experience/",
    "dossier/experience/add/",
    "dossier/assets/",
    "dossier/couple/",
    "dossier/documents/",
    "dossier/submit/",
    "dossier/summary/",
    "dossier/timeline/",
    "dossier/fee/",
    "evaluations/evaluator/",
    "accounts/email/",
    "accounts/my-data/",
]
LIGHTHOUSE_PAGES = ["/en/", "/fr/dossier/", "/en/dossier/identity/"]
LIGHTHOUSE_GOALS = {"accessibility": 100, "best-practices": 95, "performance": 90}

AXE_RUN = """async () => {
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        resultTypes: ["violations"],
    });
    return results.violations.map((v) => ({
        id: v.id, impact: v.impact,
        nodes: v.nodes.map((n) => n.target.join(" ") + ": " + n.html.slice(0, 160)),
    }));
}"""


@pytest.fixture
def candidate(make_user, campaign, storage):
    user = make_user(language="fr")
    application = services.application_create(candidate=user, campaign=campaign)
    services.section_update(
        application=application,
        section="identity",
        data={"legal_last_name": "Tremblay", "citizenship": "canadian", "country_of_birth": "CA"},
        actor=user,
    )
    return user


def _visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None, path
    assert response.status == 200, f"{path}: {response.status}"
    expect(page.locator("h1").first).to_be_visible()


def _vnu_errors(folder: Path) -> list[str]:
    result = subprocess.run(  # noqa: S603 -- fixed arguments, our own files
        [
            shutil.which("java") or "java",
            "-jar",
            str(VNU),
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m['message']}"
        for m in messages
        if m.get("type") == "error"
    ]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_journey_pages_pass_axe_vnu_and_fit_the_screen(
    page: Page, candidate, viewport: str, tmp_path: Path, record_property
):
    page.set_viewport_size(VIEWPORTS[viewport])
    axe_source = AXE.read_text()
    violations, too_wide, checked = [], [], 0

    def judge(path: str) -> None:
        nonlocal checked
        _visit(page, path)
        checked += 1
        page.evaluate(axe_source)
        for found in page.evaluate(AXE_RUN):
            violations.append(f"{path} {found['id']} ({found['impact']}): {found['nodes']}")
        width, screen = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        if width > screen:
            too_wide.append(f"{path}: {width} px in {screen} px")
        # The Nu Html Checker reads what the server sent, not the DOM after scripts.
        html = page.request.get(path).text()
        name = re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "home"
        (tmp_path / f"{name}.html").write_text(html)

    for language in ("fr", "en"):
        for path in PUBLIC_PAGES:
            judge(f"/{language}/{path}")
    log_in(page, email=candidate.email, language="fr")
    expect(page).to_have_url(re.compile(r"/fr/dossier/$"))
    for language in ("fr", "en"):
        for path in CANDIDATE_PAGES:
            judge(f"/{language}/{path}")
    errors = _vnu_errors(tmp_path)

    record_property("figure", ("axe-core", {"pages": checked, "violations": len(violations)}))
    record_property("figure", ("Nu Html Checker", {"pages": checked, "errors": len(errors)}))
    if viewport == "phone":
        record_property("figure", ("phone 390 px", {"pages": checked, "too wide": len(too_wide)}))
    assert not violations, "\n".join(violations)
    assert not errors, "\n".join(errors)
    assert not too_wide, "\n".join(too_wide)


def _lighthouse(url: str, *, cookie: str, out: Path) -> dict[str, int]:
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=accessibility,best-practices,performance",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
    ]
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    result = subprocess.run(  # noqa: S603 -- fixed arguments
        command, check=False, timeout=180, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"Lighthouse on {url}:\n{result.stderr[-2000:]}"
    report = json.loads(out.read_text())
    return {name: round(category["score"] * 100) for name, category in report["categories"].items()}


def test_lighthouse_scores_reach_their_goals(
    page: Page, candidate, live_server, tmp_path: Path, record_property
):
    log_in(page, email=candidate.email, language="fr")
    expect(page).to_have_url(re.compile(r"/fr/dossier/$"))
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    lowest = dict.fromkeys(LIGHTHOUSE_GOALS, 100)
    below = []
    for index, path in enumerate(LIGHTHOUSE_PAGES):
        scores = _lighthouse(
            f"{live_server.url}{path}", cookie=cookie, out=tmp_path / f"{index}.json"
        )
        for name, goal in LIGHTHOUSE_GOALS.items():
            lowest[name] = min(lowest[name], scores[name])
            if scores[name] < goal:
                below.append(f"{path} {name}: {scores[name]} (goal {goal})")

    record_property(
        "figure",
        (
            "Lighthouse 12.2.3",
            {"pages": len(LIGHTHOUSE_PAGES)} | {f"lowest {k}": v for k, v in lowest.items()},
        ),
    )
    assert not below, "\n".join(below)
