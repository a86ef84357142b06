"""The audit log names each entry's dossier, and the dossier's admin page lists its history:
every staff action on the dossier or its records, newest first, with who, when and what."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation

from candidates import services
from candidates.choices import DocumentKind, DocumentRejection
from candidates.models import Application, Document
from tapif.core.admin_display import short_date
from tapif.core.audit import audit_record
from tapif.core.models import AuditEntry
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import CAMPAIGN_OPEN_AT, ApplicationFactory
from tests.factories import CandidateFactory, StaffFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open", "private_storage")]

CHANGELIST = "/admin/candidates/application/"


def submitted() -> Application:
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    return services.application_submit(application=application, actor=application.candidate)


def transcripts(application: Application) -> Document:
    return Document.objects.get(
        application=application, kind=DocumentKind.TRANSCRIPTS, is_current=True
    )


def history_rows(html: str) -> list[list[str]]:
    """The cells of the History table, row by row (tags inside a cell kept)."""
    section = html[html.index(">History</h2>") :]
    body = section[section.index("<tbody>") : section.index("</tbody>")]
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_entries_about_a_dossier_or_its_records_carry_its_number(reference_campaign):
    application = submitted()
    document = transcripts(application)
    staff = StaffFactory()

    on_dossier = audit_record(actor=staff, action="test.dossier", target=application)
    on_document = audit_record(actor=staff, action="test.document", target=document)
    elsewhere = audit_record(actor=staff, action="test.campaign", target=reference_campaign)
    named = audit_record(
        actor=staff, action="test.named", target=reference_campaign, dossier=application.number
    )

    assert on_dossier.dossier == on_document.dossier == named.dossier == application.number
    assert elsewhere.dossier == ""
    # The services' own entries are named too (the uploads of complete_dossier).
    uploads = AuditEntry.objects.filter(action="document.upload")
    assert uploads.count() == 3
    assert set(uploads.values_list("dossier", flat=True)) == {application.number}


def test_the_history_lists_a_rejection_and_a_reopen_with_who_when_and_details(client):
    application = submitted()
    other = submitted()  # its entries stay on its own page
    reviewer = StaffFactory(email="reviewer@example.ca")
    manager = StaffFactory(email="manager@example.ca")
    services.document_reject(
        document=transcripts(application),
        actor=reviewer,
        reason=DocumentRejection.NOT_STAMPED,
        note="The second year has no stamp.",
    )
    services.application_reopen(
        application=application, actor=manager, reason="Add the stamped transcripts."
    )
    viewer = StaffFactory()
    viewer.user_permissions.add(  # staff who see every dossier, not only those assigned
        *Permission.objects.filter(codename__in=["view_application", "view_every_dossier"])
    )
    client.force_login(viewer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    rows = history_rows(client.get(f"{CHANGELIST}{application.pk}/change/").content.decode())

    with translation.override("en"):
        when = short_date(CAMPAIGN_OPEN_AT)
    # Newest first: the reopen, the rejection, then the candidate's three uploads.
    assert rows[0] == [
        when,
        "manager@example.ca",
        "Dossier reopened",
        application.number,
        "reason: Add the stamped transcripts.",
    ]
    assert rows[1][:3] == [when, "reviewer@example.ca", "Document rejected"]
    assert rows[1][3].startswith(f"{application.number} · ")  # the document, as named then
    assert rows[1][4] == "note: The second year has no stamp.<br>reason: not_stamped"
    assert [row[2] for row in rows[2:]] == ["Document uploaded"] * 3
    assert all(row[1] == application.candidate.email for row in rows[2:])
    assert other.number not in "".join(cell for row in rows for cell in row)


def test_a_status_change_reads_before_and_after(client):
    application = submitted()
    staff = StaffFactory()
    audit_record(
        actor=staff,
        action="application.test",
        target=application,
        data={"before": "submitted", "after": "complete", "note": "by hand"},
    )
    staff.user_permissions.add(  # staff who see every dossier, not only those assigned
        *Permission.objects.filter(codename__in=["view_application", "view_every_dossier"])
    )
    client.force_login(staff)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    rows = history_rows(client.get(f"{CHANGELIST}{application.pk}/change/").content.decode())

    assert rows[0][2:] == [
        "application.test",
        application.number,
        "Submitted → Complete<br>note: by hand",
    ]


def test_the_audit_log_words_each_action_in_the_readers_language(client):
    actor = StaffFactory()
    audit_record(actor=actor, action="document.accept", target=actor)
    actor.user_permissions.add(Permission.objects.get(codename="view_auditentry"))
    client.force_login(actor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"

    html = client.get("/admin/core/auditentry/").content.decode()

    assert "Document accepté <code>document.accept</code>" in html
