"""The candidate's situation (`candidates.selectors.candidate_situation`): one derivation of what a
candidate reads and may do, which every page of theirs shows instead of comparing statuses."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import time_machine
from django.utils import translation

from candidates.choices import CANDIDATE_LABELS, TRANSITIONS, ApplicationStatus
from candidates.models import Application
from candidates.selectors import (
    NEXT_STEPS,
    candidate_label,
    candidate_situation,
    dossier_load,
)
from tests.candidates.test_results import placed, reviewed

ROOT = Path(__file__).resolve().parents[2]

#: Nothing missing, no rule failing: what a dossier ready to submit reports.
READY = SimpleNamespace(complete=True, documents_missing=[], verdict=SimpleNamespace(eligible=True))


def test_every_status_has_one_candidate_label_of_its_own():
    assert set(CANDIDATE_LABELS) == set(ApplicationStatus)
    with translation.override("en"):
        labels = [str(candidate_label(status)) for status in ApplicationStatus]
    assert len(set(labels)) == len(labels)
    assert candidate_label(ApplicationStatus.PLACED) == CANDIDATE_LABELS["placed"]


@pytest.mark.parametrize("status", list(ApplicationStatus))
def test_the_situation_of_each_status(reference_campaign, campaign_open, status):
    application = Application(campaign=reference_campaign, status=status)
    situation = candidate_situation(application, progress=READY)
    draft = status == ApplicationStatus.DRAFT
    assert situation.status == status
    assert situation.label == CANDIDATE_LABELS[status]
    assert situation.next_step == NEXT_STEPS.get(status, "")
    assert situation.draft is draft
    assert situation.may_edit is draft
    assert situation.may_submit is draft
    assert situation.may_withdraw is (ApplicationStatus.WITHDRAWN in TRANSITIONS[status])
    assert bool(situation.locked_notice) is not draft
    assert situation.has_result is False
    assert situation.result_text == ""
    assert situation.offer_pages is False
    assert situation.offer_link is None
    assert situation.waitlisted is (status == ApplicationStatus.WAITLISTED)


def test_a_draft_after_the_close_is_locked_with_its_own_notice(reference_campaign):
    application = Application(campaign=reference_campaign, status=ApplicationStatus.DRAFT)
    after_close = reference_campaign.closes_at + dt.timedelta(days=1)
    with time_machine.travel(after_close, tick=False), translation.override("en"):
        situation = candidate_situation(application, progress=READY)
        assert (situation.may_edit, situation.may_submit) == (False, False)
        assert situation.locked_notice == (
            "The application period has ended: your dossier can no longer be changed."
        )


def test_a_draft_with_something_missing_may_not_be_submitted(reference_campaign, campaign_open):
    application = Application(campaign=reference_campaign, status=ApplicationStatus.DRAFT)
    missing = SimpleNamespace(
        complete=False, documents_missing=["x"], verdict=SimpleNamespace(eligible=None)
    )
    failing = SimpleNamespace(
        complete=True, documents_missing=[], verdict=SimpleNamespace(eligible=False)
    )
    assert candidate_situation(application, progress=missing).may_submit is False
    assert candidate_situation(application, progress=failing).may_submit is False
    assert candidate_situation(application, progress=missing).may_edit is True


def test_an_incomplete_dossier_with_a_document_missing_must_replace_it(reference_campaign):
    application = Application(campaign=reference_campaign, status=ApplicationStatus.INCOMPLETE)
    missing = SimpleNamespace(complete=False, documents_missing=["x"], verdict=READY.verdict)
    assert candidate_situation(application, progress=missing).must_replace_document is True
    assert candidate_situation(application, progress=READY).must_replace_document is False


# --- the pages read it -------------------------------------------------------------------------


@pytest.mark.usefixtures("campaign_open")
def test_the_pages_wording_comes_from_the_situation(client, reference_campaign):
    application = reviewed(reference_campaign)
    client.force_login(application.candidate)
    with translation.override("en"):
        situation = candidate_situation(dossier_load(application.pk))

    dossier = client.get("/en/dossier/")
    assert dossier.context["situation"] == situation
    html = dossier.content.decode()
    assert f'badge-reviewed">{situation.label}</span>' in html
    assert situation.locked_notice in html
    timeline = client.get("/en/dossier/timeline/").content.decode()
    assert f"What happens next: {situation.next_step}" in timeline

    placed(application, decision_status="waitlisted", academie=None, level="", waitlist_position=4)
    with translation.override("en"):
        situation = candidate_situation(dossier_load(application.pk))
    assert situation.result_text == (
        "You are on the waiting list, in position 4. If a place is freed, it goes to the "
        "best-ranked candidate on the list."
    )
    assert (situation.offer_nav_label, situation.offer_link.text) == (
        "Waiting list",
        "Your place on the waiting list today",
    )
    dossier = client.get("/en/dossier/")
    assert dossier.context["situation"] == situation
    html = dossier.content.decode()
    for words in (situation.label, situation.result_text, situation.offer_link.text):
        assert words in html
    assert f">{situation.offer_nav_label}</a>" in html


#: What the candidate's templates must not work out again: the dossier's status, draft state,
#: result or offer status compared in the template (they read `situation` / `offer_situation`).
STATUS_COMPARISONS = re.compile(
    r"application\.status\s*[=!]=|\.is_draft|result_decision|result\.decision|offer\.status"
)


def test_the_candidates_templates_do_not_compare_statuses():
    templates = [
        *(ROOT / "templates" / "candidates").rglob("*.html"),
        *(ROOT / "templates" / "placements" / "offer").rglob("*.html"),
    ]
    offending = {
        path.relative_to(ROOT).as_posix(): STATUS_COMPARISONS.findall(path.read_text())
        for path in templates
        if STATUS_COMPARISONS.search(path.read_text())
    }
    assert offending == {}
