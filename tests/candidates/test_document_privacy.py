"""Who may download a dossier document, and how files are kept on S3 (moto, in process).

Everyone who may not see a document gets the same 404 as for a document that does not exist.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from candidates.choices import ApplicationStatus, DocumentKind
from candidates.models import Application, Document
from tapif.core.models import AuditEntry
from tests.candidates.factories import ApplicationFactory, DocumentFactory, tiny_pdf
from tests.conftest import BUCKET
from tests.factories import ProfessorFactory, StaffFactory

PDF = tiny_pdf()


def download_url(pk: int) -> str:
    with translation.override("en"):
        return reverse("candidates:document_download", kwargs={"pk": pk})


def staff_with_permission(**kwargs):
    """Staff who read every dossier's documents (a programme manager's or auditor's scope)."""
    staff = StaffFactory(**kwargs)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="candidates",
            codename__in=["view_document", "view_application", "view_every_dossier"],
        )
    )
    return staff


@pytest.fixture
def document(campaign_open, private_storage) -> Document:
    """A passport of a submitted dossier (a draft's documents are for staff only with a reason:
    tests/candidates/test_document_scope.py)."""
    document = DocumentFactory(kind=DocumentKind.PASSPORT)
    Application.objects.filter(pk=document.application_id).update(
        status=ApplicationStatus.SUBMITTED
    )
    return document


def body(response) -> bytes:
    """The streamed file, read whole; closing the response closes the stored file."""
    return b"".join(response.streaming_content)


def test_owner_gets_the_file(client, document):
    client.force_login(document.application.candidate)

    response = client.get(download_url(document.pk))

    assert response.status_code == 200
    assert body(response) == PDF


def test_another_candidate_gets_the_same_404_as_for_a_missing_document(client, document):
    client.force_login(ApplicationFactory().candidate)

    denied = client.get(download_url(document.pk))
    missing = client.get(download_url(document.pk + 1000))

    assert denied.status_code == 404
    assert missing.status_code == 404

    def page(response) -> str:  # the same page but for tokens, the URL asked, the clock
        return re.sub(
            r'name="(csrfmiddlewaretoken|next)" value="[^"]+"|(nonce|data-seconds-left)="[^"]+"',
            "",
            response.content.decode(),
        )

    assert page(denied) == page(missing)
    assert "Page not found" in page(denied)


def test_anonymous_is_sent_to_log_in(client, document):
    response = client.get(download_url(document.pk))

    assert response.status_code == 302
    with translation.override("en"):
        login = reverse("account_login")
    assert response["Location"] == f"{login}?next={download_url(document.pk)}"


def test_professor_gets_404(client, document):
    client.force_login(ProfessorFactory())

    assert client.get(download_url(document.pk)).status_code == 404


def test_staff_with_the_permission_get_the_file(client, document):
    client.force_login(staff_with_permission())

    response = client.get(download_url(document.pk))

    assert response.status_code == 200
    assert body(response) == PDF
    assert response["Cache-Control"] == "private, no-store"


def test_staff_without_the_permission_get_404(client, document):
    client.force_login(StaffFactory())

    assert client.get(download_url(document.pk)).status_code == 404


def test_staff_without_two_factor_are_refused_the_document(client, document):
    client.force_login(staff_with_permission(totp=False))

    response = client.get(download_url(document.pk))

    assert response.status_code == 302
    assert response["Location"] == reverse("core:staff_setup_needed")


def test_superseded_version_is_for_staff_only(client, document):
    Document.objects.filter(pk=document.pk).update(is_current=False)
    newer = DocumentFactory(application=document.application, kind=DocumentKind.PASSPORT)

    client.force_login(document.application.candidate)
    assert client.get(download_url(document.pk)).status_code == 404
    current = client.get(download_url(newer.pk))
    assert current.status_code == 200
    assert body(current) == PDF

    client.force_login(staff_with_permission())
    response = client.get(download_url(document.pk))
    assert response.status_code == 200
    assert body(response) == PDF


# --- S3 (moto in process: the s3_bucket fixture of tests/conftest.py) -----------------------------


def test_s3_upload_is_private_under_a_generated_key_and_download_is_a_signed_redirect(
    client, campaign_open, s3_bucket
):
    dossier = ApplicationFactory()
    client.force_login(dossier.candidate)
    with translation.override("en"):
        upload_url = reverse("candidates:document_upload", kwargs={"kind": "transcripts"})

    response = client.post(
        upload_url,
        {"transcripts-file": SimpleUploadedFile("my transcripts.pdf", PDF, "application/pdf")},
    )

    assert response.status_code == 302
    document = Document.objects.get()
    keys = [o["Key"] for o in s3_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [document.file.name]
    assert re.fullmatch(
        rf"dossiers/2026-2027/{dossier.number}/transcripts/[0-9a-f]{{32}}\.pdf", keys[0]
    )
    assert s3_bucket.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read() == PDF
    grants = s3_bucket.get_object_acl(Bucket=BUCKET, Key=keys[0])["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]
    assert grants[0]["Grantee"]["Type"] == "CanonicalUser"  # the owner only: no public grant

    download = client.get(download_url(document.pk))

    assert download.status_code == 302
    assert download["Cache-Control"] == "private, no-store"
    location = urlsplit(download["Location"])
    query = parse_qs(location.query)
    assert location.path == f"/{BUCKET}/{document.file.name}"
    assert "X-Amz-Signature" in query
    assert query["X-Amz-Expires"] == ["60"]
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"] == ['inline; filename="my transcripts.pdf"']


def test_staff_downloads_are_recorded_in_the_audit_log(client, document):
    staff = staff_with_permission()
    client.force_login(staff)

    response = client.get(download_url(document.pk))
    assert body(response)  # read whole, which closes the stored file
    assert response.status_code == 200

    entry = AuditEntry.objects.get(action="document.staff_download")
    assert (entry.actor, entry.target_id) == (staff, str(document.pk))
    assert entry.data["application"] == document.application.number


def test_the_owner_downloading_leaves_no_staff_trace(client, document):
    client.force_login(document.application.candidate)
    response = client.get(download_url(document.pk))
    assert body(response)  # read whole, which closes the stored file
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="document.staff_download").exists()
