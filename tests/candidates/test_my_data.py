"""'My data': the export covers every model linked to a person, the ZIP holds the records and
the files, a draft and an account are erased, a submitted dossier goes through a request."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation

from candidates import retention
from candidates import services as dossier_services
from candidates.choices import DocumentKind
from candidates.models import Application, DeletionRequest, Document
from tapif.core.models import AuditEntry, User
from tapif.core.privacy import export_declared
from tests.candidates.dossier import complete_dossier, upload
from tests.candidates.factories import ApplicationFactory, stored_files
from tests.factories import CandidateFactory, ProfessorFactory, StaffFactory, SuperuserFactory

pytestmark = pytest.mark.usefixtures("campaign_open", "private_storage")


def url(name: str, **kwargs) -> str:
    with translation.override("en"):
        return reverse(name, kwargs=kwargs or None)


# --- The export covers every model linked to a person --------------------------------------------


def _linked_models() -> set[str]:
    """Models with a foreign key to the user or the dossier, and those hanging on an exported
    model (a school of an offer, a confirmation of an address)."""
    exported, _excluded = export_declared()
    roots = {"core.User", "candidates.Application"} | exported
    linked = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model._meta.label in roots:
                linked.add(model._meta.label)
    return linked - {"candidates.Application"} | {"candidates.Application"}


def test_every_model_linked_to_a_person_is_exported_or_excluded_with_a_reason():
    exported, excluded = export_declared()
    missing = sorted(_linked_models() - exported - set(excluded))
    assert missing == [], f"add these to an app's privacy.py (export or excluded): {missing}"
    assert all(len(reason) > 20 for reason in excluded.values())
    assert not exported & set(excluded)


def test_a_new_linked_model_fails_the_completeness_check():
    from django.db import models

    class Diary(models.Model):
        author = models.ForeignKey("core.User", on_delete=models.CASCADE)

        class Meta:
            app_label = "candidates"

        def __str__(self) -> str:
            return "a diary"

    try:
        exported, excluded = export_declared()
        assert "candidates.Diary" in _linked_models() - exported - set(excluded)
    finally:
        apps.all_models["candidates"].pop("diary", None)
        apps.clear_cache()


# --- The ZIP --------------------------------------------------------------------------------------


def test_the_zip_holds_every_record_with_readable_names_and_the_files(client, private_storage):
    application = complete_dossier(ApplicationFactory())
    candidate = application.candidate
    client.force_login(candidate)

    page = client.get(url("my_data:index"))
    assert page.status_code == 200
    assert url("my_data:download") in page.content.decode()

    response = client.get(url("my_data:download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="tapif-my-data-')
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(bundle.read("data.json"))
    records = data["records"]
    assert data["account"] == candidate.email
    [identity] = records["Identities"]
    assert identity["Last name as on passport"] == "Tremblay"
    assert identity["Date of birth"] == "2003-05-17"
    [dossier] = records["Applications"]
    assert dossier["Candidate number"] == application.number
    assert dossier["Status"] == "In preparation"
    assert "Verified French level" not in dossier  # confidential, as on the pages
    assert records["Assets"][0]["Motivation letter (in French)"].startswith("Je souhaite")
    assert {row["Document"] for row in records["Documents"]} == {
        "Passport",
        "Transcripts of the last two completed years (stamped)",
        "Birth certificate",
    }
    assert "Password" not in records["Users"][0]
    documents = Document.objects.filter(application=application)
    names = sorted(n for n in bundle.namelist() if n.startswith("documents/"))
    assert len(names) == 3
    for document in documents:
        ext = document.file.name.rsplit(".", 1)[-1]
        stored = bundle.read(f"documents/{application.number}/{document.kind}-{document.pk}.{ext}")
        with default_storage.open(document.file.name) as original:
            assert stored == original.read()
    entry = AuditEntry.objects.get(action="personal_data.export")
    assert entry.actor == candidate


def test_staff_have_no_my_data_page(client):
    client.force_login(StaffFactory())
    assert client.get(url("my_data:download")).status_code == 404


def test_a_professor_downloads_their_own_records(client):
    professor = ProfessorFactory()
    client.force_login(professor)
    response = client.get(url("my_data:download"))
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    records = json.loads(bundle.read("data.json"))["records"]
    assert records["Users"][0]["E-mail address"] == professor.email
    assert records["Applications"] == []


# --- Erasing --------------------------------------------------------------------------------------


def test_a_candidate_deletes_their_draft_with_its_files(
    client, private_storage, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    upload(application, DocumentKind.TRANSCRIPTS)
    client.force_login(application.candidate)

    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(url("my_data:dossier_delete", pk=application.pk))
        assert Application.objects.filter(pk=application.pk).exists()  # not confirmed
        response = client.post(url("my_data:dossier_delete", pk=application.pk), {"confirm": "on"})

    assert refused.status_code == response.status_code == 302
    assert not Application.objects.filter(pk=application.pk).exists()
    assert stored_files(private_storage) == []
    entry = AuditEntry.objects.get(action="application.delete")
    assert (entry.dossier, entry.actor, entry.data) == (
        application.number,
        application.candidate,
        {"files": 1},
    )


def test_a_candidate_with_only_a_draft_erases_their_account(
    client, private_storage, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    upload(application, DocumentKind.TRANSCRIPTS)
    candidate = application.candidate
    assert EmailAddress.objects.filter(user=candidate).exists()
    client.force_login(candidate)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("my_data:account_delete"), {"confirm": "on"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=candidate.pk).exists()
    assert not EmailAddress.objects.filter(email=candidate.email).exists()
    assert Application.objects.count() == 0
    assert stored_files(private_storage) == []
    assert client.get(url("my_data:index")).status_code == 302  # signed out


def test_after_submission_the_candidate_asks_and_staff_settle_under_the_policy(
    client, private_storage, django_capture_on_commit_callbacks
):
    application = complete_dossier(
        ApplicationFactory(candidate=CandidateFactory(preferred_language="en"))
    )
    dossier_services.application_submit(application=application, actor=application.candidate)
    candidate = application.candidate
    client.force_login(candidate)

    refused = client.post(url("my_data:dossier_delete", pk=application.pk), {"confirm": "on"})
    account = client.post(url("my_data:account_delete"), {"confirm": "on"})
    assert refused.status_code == account.status_code == 302
    assert Application.objects.filter(pk=application.pk).exists()
    assert User.objects.filter(pk=candidate.pk).exists()

    client.post(url("my_data:deletion_request"), {"reason": "Je ne postule plus."})
    client.post(url("my_data:deletion_request"), {"reason": "Twice"})  # still one open
    request = DeletionRequest.objects.get()
    assert (request.status, request.reason) == ("open", "Je ne postule plus.")

    staff = SuperuserFactory()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        retention.deletion_request_settle(request=request, actor=staff)

    request.refresh_from_db()
    assert (request.status, request.settled_by) == ("settled", staff)
    assert request.outcome == [
        {
            "code": "retention.kept_until",
            "params": {
                "number": application.number,
                "documents_until": "2026-10-15",
                "identity_until": "2032-04-30",
            },
        }
    ]
    [message] = mail.outbox
    assert "15 October 2026" in message.body
    assert "30 April 2032" in message.body
    page = client.get(url("my_data:index")).content.decode()
    assert "Settled" in page
    assert "15 October 2026" in page


def test_staff_see_and_settle_requests_in_the_admin(
    client, private_storage, django_capture_on_commit_callbacks
):
    application = ApplicationFactory()
    upload(application, DocumentKind.TRANSCRIPTS)
    request = retention.deletion_request_create(user=application.candidate, reason="")
    client.force_login(SuperuserFactory())

    listed = client.get("/admin/candidates/deletionrequest/?status__exact=open")
    assert application.candidate.email in listed.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/candidates/deletionrequest/",
            {"action": "settle", "_selected_action": [request.pk]},
        )

    request.refresh_from_db()
    assert request.status == "settled"
    assert request.outcome == [
        {"code": "retention.draft_deleted", "params": {"number": application.number}}
    ]
    assert not Application.objects.filter(pk=application.pk).exists()
    assert stored_files(private_storage) == []
