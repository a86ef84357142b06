"""Each role sees what its work needs (issue 15, hole 5): reviewers the dossiers assigned to
them, payments officers the fee receipts whatever the dossier's state, a draft's other documents
nobody on staff but a programme manager who gives a reason, recorded with the read."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from candidates import services
from candidates.choices import DocumentKind
from candidates.models import Application, Document
from candidates.permissions import REASON_NEEDED, can_view_document, can_view_dossier
from selection.models import ReviewAssignment
from tapif.core.models import AuditEntry
from tapif.core.roles import (
    AUDITOR,
    COMMITTEE_MEMBER,
    PAYMENTS_OFFICER,
    PROGRAMME_MANAGER,
    REVIEWER,
)
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory, DocumentFactory
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

APPLICATIONS = "/admin/candidates/application/"
DOCUMENTS = "/admin/candidates/document/"


def member_of(role: str):
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=role))
    return user


def submitted() -> Application:
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    services.application_submit(application=application, actor=application.candidate)
    return application


def current(application: Application, kind: str) -> Document:
    return Document.objects.get(application=application, kind=kind, is_current=True)


def download(client, document: Document, data: dict | None = None):
    url = reverse("candidates:document_download", args=[document.pk])
    response = client.get(url) if data is None else client.post(url, data)
    if response.streaming:
        b"".join(response.streaming_content)  # read to the end: the file handle closes
    return response


def test_a_reviewer_sees_the_dossiers_assigned_to_them_and_no_other(client):
    mine, other = submitted(), submitted()
    reviewer = member_of(REVIEWER)
    ReviewAssignment.objects.create(application=mine, reviewer=reviewer)
    client.force_login(reviewer)

    listed = client.get(APPLICATIONS).context["cl"].result_list
    documents = client.get(DOCUMENTS).context["cl"].result_list
    own_page = client.get(reverse("admin:candidates_application_change", args=[mine.pk]))
    other_page = client.get(reverse("admin:candidates_application_change", args=[other.pk]))

    assert [a.number for a in listed] == [mine.number]
    assert {d.application_id for d in documents} == {mine.pk}
    assert own_page.status_code == 200
    assert other_page.status_code == 302  # the admin's "does not exist" redirect
    assert can_view_dossier(reviewer, mine) == (True, "assigned for review")
    assert can_view_dossier(reviewer, other) == (False, "not assigned to them")
    assert download(client, current(mine, DocumentKind.PASSPORT)).status_code == 200
    assert download(client, current(other, DocumentKind.PASSPORT)).status_code == 404


@pytest.mark.parametrize("role", [PROGRAMME_MANAGER, COMMITTEE_MEMBER, AUDITOR])
def test_broader_roles_see_every_dossier(client, role):
    first, second = submitted(), submitted()
    client.force_login(member_of(role))

    listed = client.get(APPLICATIONS).context["cl"].result_list

    assert {a.number for a in listed} == {first.number, second.number}


def test_a_payments_officer_opens_the_fee_receipt_of_a_draft_and_nothing_else(client):
    draft = ApplicationFactory()
    receipt = DocumentFactory(application=draft, kind=DocumentKind.FEE_RECEIPT)
    passport = DocumentFactory(application=draft, kind=DocumentKind.PASSPORT)
    client.force_login(member_of(PAYMENTS_OFFICER))

    assert download(client, receipt).status_code == 200
    assert download(client, passport).status_code == 404


@pytest.mark.parametrize("role", [REVIEWER, AUDITOR, COMMITTEE_MEMBER])
def test_no_other_staff_opens_a_drafts_document(client, role):
    draft = ApplicationFactory()
    passport = DocumentFactory(application=draft, kind=DocumentKind.PASSPORT)
    staff = member_of(role)
    ReviewAssignment.objects.create(application=draft, reviewer=staff)
    client.force_login(staff)

    assert can_view_document(staff, passport, reason="I would like to")[0] is False
    assert download(client, passport).status_code == 404
    assert download(client, passport, {"reason": "I would like to see it"}).status_code == 404
    assert not AuditEntry.objects.filter(action="document.staff_download").exists()


def test_a_programme_manager_opens_a_drafts_document_with_a_reason_recorded(client):
    draft = ApplicationFactory()
    passport = DocumentFactory(application=draft, kind=DocumentKind.PASSPORT)
    manager = member_of(PROGRAMME_MANAGER)
    client.force_login(manager)

    asked = download(client, passport)
    too_short = download(client, passport, {"reason": "why"})
    opened = download(client, passport, {"reason": "The candidate asked for help by e-mail"})

    assert can_view_document(manager, passport) == (False, REASON_NEEDED)
    assert asked.status_code == 200
    assert "Why open this document?" in asked.content.decode()
    assert too_short.status_code == 200
    assert "at least 10 characters" in too_short.content.decode()
    assert opened.status_code == 200
    assert opened["Content-Disposition"].startswith("inline")
    reads = AuditEntry.objects.filter(action="document.staff_download")
    assert [(r.actor, r.data["reason"]) for r in reads] == [
        (manager, "The candidate asked for help by e-mail")
    ]


def test_the_letter_check_is_not_for_reviewers(client):
    url = reverse("admin:core_issuedletter_check")
    client.force_login(member_of(REVIEWER))
    reviewer = client.get(url).status_code
    client.force_login(member_of(PROGRAMME_MANAGER))
    manager = client.get(url).status_code

    assert (reviewer, manager) == (403, 200)


def test_a_reviewer_does_not_open_the_payments_list(client):
    client.force_login(member_of(REVIEWER))

    assert client.get("/admin/payments/payment/").status_code == 403
