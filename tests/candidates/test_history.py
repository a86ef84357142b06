"""One history of a dossier: one event model, one selector (`dossier_history`) that every history
screen reads, and the blind-review rule applied there."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import DatabaseError
from django.utils import translation

import candidates.models
from candidates import services
from candidates.choices import ApplicationStatus, DocumentKind, DocumentRejection, DossierEventKind
from candidates.models import Application, Document, DossierEvent
from candidates.selectors import HistoryItem, dossier_history
from selection.services import criteria_ensure, review_save
from tapif.core.models import AuditEntry, Campaign, User
from tapif.core.roles import COMMITTEE_MEMBER, PROGRAMME_MANAGER, REVIEWER
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory
from tests.selection.review_dossiers import assign, reviewable, staff_with

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

CHANGELIST = "/admin/candidates/application/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


def in_role(role: str, **fields) -> User:
    user = StaffFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def sheet(campaign: Campaign, points: int) -> dict[str, int]:
    return {criterion.code: points for criterion in criteria_ensure(campaign)}


def events(items: list[HistoryItem]) -> list[HistoryItem]:
    return [item for item in items if not item.is_audit]


def audit(items: list[HistoryItem], action: str) -> list[HistoryItem]:
    return [item for item in items if item.action == action]


# --- who reads what -----------------------------------------------------------------------------


def test_the_candidate_reads_the_events_in_their_own_words_and_no_audit_row(campaign):
    application = reviewable(campaign)
    assert AuditEntry.objects.filter(dossier=application.number).exists()

    items = dossier_history(application=application, viewer=application.candidate)

    assert [(item.label, item.before, item.is_audit) for item in items] == [
        ("In preparation", "", False),
        ("Submitted, waiting for the embassy's check", "In preparation", False),
        ("Checked: complete", "Submitted, waiting for the embassy's check", False),
        ("Eligible, waiting for the selection", "Checked: complete", False),
        ("Application fee verified", "", False),
    ]


def test_staff_read_the_events_in_staff_words_and_the_audit_trail(campaign):
    application = reviewable(campaign)
    manager = in_role(PROGRAMME_MANAGER)
    services.application_transition(
        application=application, to_status=ApplicationStatus.INELIGIBLE, actor=manager, reason="x"
    )

    items = dossier_history(application=application, viewer=manager)

    assert [(item.label, item.before, item.reason) for item in events(items)] == [
        ("Draft", "", ""),
        ("Submitted", "Draft", ""),
        ("Complete", "Submitted", ""),
        ("Eligible", "Complete", ""),
        ("Application fee verified", "", ""),
        ("Ineligible", "Eligible", "x"),
    ]
    assert events(items)[-1].actor == manager


def test_the_history_words_each_audit_action_and_keeps_its_details(campaign):
    application = reviewable(campaign, status=ApplicationStatus.SUBMITTED)
    manager = in_role(PROGRAMME_MANAGER)
    services.application_reopen(application=application, actor=manager, reason="Stamp missing.")

    (reopen,) = audit(
        dossier_history(application=application, viewer=manager), "application.reopen"
    )

    assert (reopen.label, reopen.actor, reopen.record) == (
        "Dossier reopened",
        manager,
        application.number,
    )
    assert reopen.details == {"reason": "Stamp missing."}
    with translation.override("fr"):
        (reopen,) = audit(
            dossier_history(application=application, viewer=manager), "application.reopen"
        )
    assert reopen.label == "Dossier rouvert"


def test_someone_else_reads_nothing(campaign):
    application = reviewable(campaign)
    no_permission = StaffFactory()

    assert dossier_history(application=application, viewer=CandidateFactory()) == []
    assert dossier_history(application=application, viewer=no_permission) == []


# --- a status change is an event, and audited --------------------------------------------------


def test_a_transition_writes_one_event_and_one_audit_row_shown_once(campaign):
    application = reviewable(campaign)
    manager = in_role(PROGRAMME_MANAGER)

    services.application_transition(
        application=application,
        to_status=ApplicationStatus.INELIGIBLE,
        actor=manager,
        reason="Passport expired.",
    )

    event = DossierEvent.objects.filter(application=application).latest("id")
    assert (event.kind, event.from_status, event.to_status, event.actor, event.note) == (
        DossierEventKind.STATUS_CHANGED,
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.INELIGIBLE,
        manager,
        "Passport expired.",
    )
    entry = AuditEntry.objects.filter(action="application.transition").latest("id")
    assert (entry.actor, entry.dossier, entry.data) == (
        manager,
        application.number,
        {"from": "eligible", "to": "ineligible", "reason": "Passport expired."},
    )
    items = dossier_history(application=application, viewer=manager)
    assert audit(items, "application.transition") == []
    assert [item.label for item in items].count("Ineligible") == 1


def test_a_failed_audit_write_leaves_no_status_change(campaign, monkeypatch):
    application = reviewable(campaign)
    events_before = DossierEvent.objects.count()

    def failing(**kwargs):
        raise DatabaseError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", failing)
    with pytest.raises(DatabaseError):
        services.application_transition(
            application=application, to_status=ApplicationStatus.INELIGIBLE, actor=None
        )

    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.ELIGIBLE
    assert DossierEvent.objects.count() == events_before


def test_a_fact_cannot_be_recorded_as_a_status_change(campaign):
    application = reviewable(campaign)
    with pytest.raises(ValueError, match="application_transition"):
        services.dossier_event_record(
            application=application, kind=DossierEventKind.STATUS_CHANGED, actor=None
        )


def test_there_is_one_event_model():
    assert not hasattr(candidates.models, "StatusChange")
    with_statuses = [
        model
        for model in apps.get_models()
        if {"from_status", "to_status"} <= {field.name for field in model._meta.get_fields()}
    ]
    assert with_statuses == [DossierEvent]


# --- the blind-review rule ----------------------------------------------------------------------


@pytest.fixture
def reviewed_once(campaign):
    """A dossier with two assigned reviewers: the first has submitted 4 points everywhere."""
    application = reviewable(campaign)
    first, second = in_role(REVIEWER, email="first@example.ca"), in_role(REVIEWER)
    assign(application, first, second)
    review_save(application=application, reviewer=first, points=sheet(campaign, 4), submit=True)
    return application, first, second


def test_a_reviewer_sees_only_that_another_review_exists_before_submitting(campaign, reviewed_once):
    application, _first, second = reviewed_once
    review_save(application=application, reviewer=second, points={"motivation": 2})

    items = dossier_history(application=application, viewer=second)

    (other,) = audit(items, "review.submit")
    assert (other.label, other.actor, other.record, other.details) == (
        "Review submitted",
        None,
        "",
        {},
    )
    (own,) = audit(items, "review.save")
    assert (own.actor, own.details["after"]) == (second, {"motivation": 2})


def test_a_reviewer_who_has_submitted_sees_the_other_reviews(campaign, reviewed_once):
    application, first, second = reviewed_once
    review_save(application=application, reviewer=second, points=sheet(campaign, 3), submit=True)

    items = dossier_history(application=application, viewer=second)

    by_first = [item for item in audit(items, "review.submit") if item.actor == first]
    assert [item.details["after"] for item in by_first] == [sheet(campaign, 4)]


@pytest.mark.parametrize("role", [PROGRAMME_MANAGER, COMMITTEE_MEMBER])
def test_managers_and_the_committee_see_every_review(campaign, reviewed_once, role):
    application, first, _second = reviewed_once

    (review,) = audit(
        dossier_history(application=application, viewer=in_role(role)), "review.submit"
    )

    assert (review.actor, review.details["after"]) == (first, sheet(campaign, 4))


def test_staff_who_do_not_read_reviews_see_no_points(campaign, reviewed_once):
    application, _first, _second = reviewed_once
    viewer = staff_with("candidates.view_application")

    (review,) = audit(dossier_history(application=application, viewer=viewer), "review.submit")

    assert (review.actor, review.details) == (None, {})


def history_rows(html: str) -> list[list[str]]:
    """The cells of the admin page's History table, row by row."""
    section = html[html.index(">History</h2>") :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_the_admin_page_applies_the_blind_rule(client, campaign, reviewed_once):
    application, first, second = reviewed_once
    client.force_login(second)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    rows = history_rows(client.get(f"{CHANGELIST}{application.pk}/change/").content.decode())

    (review,) = [row for row in rows if row[2] == "Review submitted"]
    assert review[1:] == ["—", "Review submitted", "—", "—"]
    assert first.email not in "".join(cell for row in rows for cell in row)


# --- every screen reads the same history ---------------------------------------------------------


def test_the_candidate_page_and_the_admin_page_show_the_same_events(client, campaign):
    application = complete_dossier(ApplicationFactory(candidate=CandidateFactory()))
    application = services.application_submit(application=application, actor=application.candidate)
    manager = in_role(PROGRAMME_MANAGER)
    services.document_reject(
        document=Document.objects.get(
            application=application, kind=DocumentKind.TRANSCRIPTS, is_current=True
        ),
        actor=manager,
        reason=DocumentRejection.NOT_STAMPED,
        note="No stamp.",
    )
    services.application_reopen(application=application, actor=manager, reason="Add the stamp.")

    client.force_login(application.candidate)
    candidate_page = client.get("/en/dossier/timeline/").content.decode()
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    admin_page = client.get(f"{CHANGELIST}{application.pk}/change/").content.decode()

    timeline = candidate_page[candidate_page.index('<ol class="timeline">') :]
    candidate_reasons = re.findall(r"<p>Reason: (.*?)</p>", timeline)
    candidate_lines = re.findall(r"<li>", timeline[: timeline.index("</ol>")])
    section = admin_page[admin_page.index(">Timeline</h2>") :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    admin_rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]
    # Oldest first on the admin page, newest first on the candidate's.
    assert len(candidate_lines) == len(admin_rows) == 6
    assert candidate_reasons == [row[4] for row in reversed(admin_rows) if row[4] != "—"]
    assert candidate_reasons[0] == "Add the stamp."
    assert [row[2] for row in admin_rows] == [
        "Draft",
        "Application fee declared",
        "Submitted",
        "Document rejected by the embassy",
        "Incomplete",
        "Draft",
    ]
