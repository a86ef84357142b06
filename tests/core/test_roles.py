"""Staff roles (tapif.core.roles): each group can do what its job needs in the admin, no more."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from candidates import services
from candidates.choices import DocumentKind, DocumentReview
from candidates.models import Application, Document
from candidates.permissions import can_view_document
from payments.choices import PaymentStatus
from selection.models import ReviewAssignment
from tapif.core.roles import (
    AUDITOR,
    COMMITTEE_MEMBER,
    PAYMENTS_OFFICER,
    PROGRAMME_MANAGER,
    REVIEWER,
    ROLES,
)
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory, DocumentFactory
from tests.factories import CandidateFactory, StaffFactory
from tests.payments.factories import matched_payment, numbered_dossier

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

PROJECT_APPS = ["core", "candidates", "evaluations", "payments", "selection", "placements"]
APPLICATIONS = "/admin/candidates/application/"
DOCUMENTS = "/admin/candidates/document/"
PAYMENTS = "/admin/payments/payment/"
LINES = "/admin/payments/bankline/"
UPLOAD = "/admin/payments/statementimport/add/"
AUDIT = "/admin/core/auditentry/"
CONTACTS = "/admin/evaluations/institutioncontact/"
OUTBOX = "/admin/core/outboundmessage/"
JOBS = "/admin/core/jobrun/"
PAGES = [APPLICATIONS, DOCUMENTS, PAYMENTS, LINES, UPLOAD, AUDIT, CONTACTS, OUTBOX, JOBS]

# Status code of each page, per role.
OPENS = {
    REVIEWER: {APPLICATIONS, DOCUMENTS},
    PAYMENTS_OFFICER: {PAYMENTS, LINES, UPLOAD},
    PROGRAMME_MANAGER: {APPLICATIONS, DOCUMENTS, PAYMENTS, LINES, AUDIT, CONTACTS, OUTBOX, JOBS},
    COMMITTEE_MEMBER: {APPLICATIONS},
    AUDITOR: {APPLICATIONS, DOCUMENTS, PAYMENTS, LINES, AUDIT, CONTACTS, OUTBOX, JOBS},
}
# The actions each changelist may offer, and the roles that get each of them.
ACTIONS = {
    APPLICATIONS: {
        "reopen_for_candidate": {PROGRAMME_MANAGER},
        "verify_french_test": {PROGRAMME_MANAGER},
        "decide_eligibility": {REVIEWER, PROGRAMME_MANAGER},
        "record_previous_evaluation": {PROGRAMME_MANAGER},
        "confirm_earlier_participations": {PROGRAMME_MANAGER},
    },
    DOCUMENTS: {
        "accept_documents": {REVIEWER, PROGRAMME_MANAGER},
        "reject_documents": {REVIEWER, PROGRAMME_MANAGER},
    },
    PAYMENTS: {
        "verify_matched": {PAYMENTS_OFFICER},
        "reject": {PAYMENTS_OFFICER},
        "mark_refunded": {PAYMENTS_OFFICER},
    },
    CONTACTS: {"approve": {PROGRAMME_MANAGER}, "reject": {PROGRAMME_MANAGER}},
    OUTBOX: {"resend": {PROGRAMME_MANAGER}},
}


def member_of(role: str, **fields):
    user = StaffFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def log_in(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def codes(permissions) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def submitted_transcript() -> Document:
    """A pending document of a submitted dossier: one staff may review."""
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    services.application_submit(application=application, actor=application.candidate)
    return Document.objects.get(
        application=application, kind=DocumentKind.TRANSCRIPTS, is_current=True
    )


def run_action(client, url: str, action: str, pks):
    return client.post(
        url, {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0"}
    )


# --- The groups the migration leaves -----------------------------------------------------------


def test_the_migration_gives_each_group_exactly_its_permissions():
    groups = Group.objects.prefetch_related("permissions__content_type").filter(name__in=ROLES)

    assert {group.name: codes(group.permissions.all()) for group in groups} == {
        name: set(permissions) for name, permissions in ROLES.items()
    }


def test_every_listed_permission_exists_today():
    existing = codes(Permission.objects.select_related("content_type"))

    assert set().union(*ROLES.values()) - existing == set()


def test_the_auditor_holds_every_view_permission_of_the_project_and_nothing_else():
    every_view = Permission.objects.select_related("content_type").filter(
        content_type__app_label__in=PROJECT_APPS, codename__startswith="view_"
    )

    assert codes(Group.objects.get(name=AUDITOR).permissions.all()) == codes(every_view)


def test_only_the_manager_the_committee_and_the_payments_officer_may_change_anything():
    committee = {
        "placements.add_selectionround",
        "placements.change_selectionround",
        "placements.add_quota",
        "placements.change_quota",
    }
    for name, permissions in ROLES.items():
        changes = {p for p in permissions if p.split(".")[1].startswith(("add_", "change_"))}
        expected = (
            {
                f"core.{action}_{model}"
                for action in ("add", "change")
                for model in ("campaign", "academie", "institution")
            }
            | {"evaluations.change_institutioncontact", "placements.change_offer"}
            | {"candidates.add_groupmessage", "candidates.change_groupmessage"}
            | {
                f"selection.{action}_{model}"
                for action in ("add", "change")
                for model in ("criterion", "criterionlevel")
            }
            if name == PROGRAMME_MANAGER
            else committee
            if name == COMMITTEE_MEMBER
            # The bank layouts of the fee imports (import profiles).
            else {"payments.add_importprofile", "payments.change_importprofile"}
            if name == PAYMENTS_OFFICER
            else set()
        )
        assert changes == expected, name
        assert not any(".delete_" in p for p in permissions), name


def test_freed_places_are_offered_by_hand_by_the_committee_and_the_programme_manager():
    holders = {
        permission: {name for name, permissions in ROLES.items() if permission in permissions}
        for permission in ("placements.offer_place", "placements.verify_criminal_record")
    }

    assert holders == {
        "placements.offer_place": {COMMITTEE_MEMBER, PROGRAMME_MANAGER},
        "placements.verify_criminal_record": {PROGRAMME_MANAGER},
    }


def test_the_committee_freezes_rounds_and_the_programme_manager_supersedes_them():
    holders = {
        permission: {name for name, permissions in ROLES.items() if permission in permissions}
        for permission in (
            "placements.freeze_round",
            "placements.freeze_round_incomplete",
            "placements.supersede_round",
        )
    }

    assert holders == {
        "placements.freeze_round": {COMMITTEE_MEMBER},
        # Freezing before the window shuts or with dossiers left out, giving a reason.
        "placements.freeze_round_incomplete": {PROGRAMME_MANAGER},
        "placements.supersede_round": {PROGRAMME_MANAGER},
    }


def test_syncing_again_changes_nothing_and_takes_extra_permissions_away():
    from tapif.core.roles import sync_roles

    reviewers = Group.objects.get(name=REVIEWER)
    reviewers.permissions.add(Permission.objects.get(codename="verify_payment"))

    sync_roles()
    sync_roles()

    assert Group.objects.filter(name__in=ROLES).count() == len(ROLES)
    assert codes(reviewers.permissions.all()) == set(ROLES[REVIEWER])


# --- Admin pages and actions -------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_opens_its_pages_and_no_other(client, role):
    log_in(client, member_of(role))

    answers = {page: client.get(page).status_code for page in PAGES}

    assert answers == {page: 200 if page in OPENS[role] else 403 for page in PAGES}


@pytest.mark.parametrize("role", list(ROLES))
def test_each_role_is_offered_its_actions_and_no_other(client, role):
    log_in(client, member_of(role))

    for page, actions in ACTIONS.items():
        if page not in OPENS[role]:
            continue
        form = client.get(page).context["action_form"]  # None when no action is allowed
        choices = set() if form is None else {n for n, _ in form.fields["action"].choices if n}
        expected = {action for action, roles in actions.items() if role in roles}
        assert choices == expected, (role, page)


def test_the_dropdown_names_the_actions(client):
    matched_payment(numbered_dossier("CA27-00042"))
    document = submitted_transcript()
    reviewer = member_of(REVIEWER)
    ReviewAssignment.objects.create(application=document.application, reviewer=reviewer)
    log_in(client, reviewer)
    documents = client.get(DOCUMENTS).content.decode()
    log_in(client, member_of(AUDITOR))
    payments = client.get(PAYMENTS).content.decode()
    log_in(client, member_of(PAYMENTS_OFFICER))
    officer_payments = client.get(PAYMENTS).content.decode()
    log_in(client, member_of(PROGRAMME_MANAGER))
    applications = client.get(APPLICATIONS).content.decode()

    assert "Accept the selected documents" in documents
    assert "Verify the selected matched payments" not in payments
    assert "Verify the selected matched payments" in officer_payments
    assert "Reopen for the candidate" in applications


@pytest.mark.parametrize("role", list(ROLES))
def test_campaign_page_is_editable_by_the_programme_manager_only(client, role, reference_campaign):
    log_in(client, member_of(role))

    response = client.get(reverse("admin:core_campaign_change", args=[reference_campaign.pk]))

    assert response.status_code == 200
    assert response.context["has_change_permission"] is (role == PROGRAMME_MANAGER)


@pytest.mark.parametrize("role", [REVIEWER, PROGRAMME_MANAGER, AUDITOR, COMMITTEE_MEMBER])
def test_verifying_a_payment_is_refused_to_everyone_but_the_payments_officer(client, role):
    payment = matched_payment(numbered_dossier("CA27-00042"))
    log_in(client, member_of(role))

    run_action(client, PAYMENTS, "verify_matched", [payment.pk])

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.MATCHED


def test_the_payments_officer_verifies_a_matched_payment(client):
    payment = matched_payment(numbered_dossier("CA27-00042"))
    log_in(client, member_of(PAYMENTS_OFFICER))

    response = run_action(client, PAYMENTS, "verify_matched", [payment.pk])

    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VERIFIED


@pytest.mark.parametrize("role", [PAYMENTS_OFFICER, AUDITOR, COMMITTEE_MEMBER])
def test_accepting_a_document_is_refused_to_roles_that_do_not_review(client, role):
    document = submitted_transcript()
    log_in(client, member_of(role))

    run_action(client, DOCUMENTS, "accept_documents", [document.pk])

    document.refresh_from_db()
    assert document.review_status == DocumentReview.PENDING


def test_the_reviewer_accepts_a_document_of_a_dossier_assigned_to_them(client):
    document = submitted_transcript()
    reviewer = member_of(REVIEWER)
    ReviewAssignment.objects.create(application=document.application, reviewer=reviewer)
    log_in(client, reviewer)

    response = run_action(client, DOCUMENTS, "accept_documents", [document.pk])

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.review_status == DocumentReview.ACCEPTED


@pytest.mark.parametrize("role", [REVIEWER, PAYMENTS_OFFICER, AUDITOR, COMMITTEE_MEMBER])
def test_reopening_a_dossier_is_refused_to_all_but_the_programme_manager(client, role):
    application = ApplicationFactory()
    before = Application.objects.values().get(pk=application.pk)
    log_in(client, member_of(role))

    client.post(
        APPLICATIONS,
        {
            "action": "reopen_for_candidate",
            "_selected_action": [str(application.pk)],
            "reason": "A missing page",
            "apply": "1",
        },
    )

    assert Application.objects.values().get(pk=application.pk) == before


# --- Fee receipts for the payments officer -----------------------------------------------------


def test_the_payments_officer_downloads_fee_receipts_but_no_other_document(client):
    officer = member_of(PAYMENTS_OFFICER)
    receipt = DocumentFactory(kind=DocumentKind.FEE_RECEIPT)
    passport = DocumentFactory(kind=DocumentKind.PASSPORT)
    log_in(client, officer)

    def download(document: Document) -> int:
        response = client.get(reverse("candidates:document_download", args=[document.pk]))
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end: the file handle closes
        return response.status_code

    assert can_view_document(officer, receipt) == (True, "staff checking payments")
    assert can_view_document(officer, passport)[0] is False
    assert download(receipt) == 200
    assert download(passport) == 404


def test_staff_holding_neither_payments_nor_documents_cannot_open_receipts():
    committee = member_of(COMMITTEE_MEMBER)
    receipt = DocumentFactory(kind=DocumentKind.FEE_RECEIPT)

    assert can_view_document(committee, receipt)[0] is False
