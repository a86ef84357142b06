"""'My data', in the account area: a person's download of everything the programme holds about
them, and the candidate's erasure (a draft, the account, or a request once submitted).

The download is one ZIP built in a spooled temporary file (memory, then disk) and streamed:
`data.json` (every record with readable field names: `tapif.core.privacy.personal_data`) and
the stored files read through the storage (never a public address). Staff accounts have no
such page (their records are staff's work, read in the admin).
"""

from __future__ import annotations

import json
import tempfile
import zipfile

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from candidates import retention
from candidates.models import Application, DeletionRequest
from tapif.core.audit import audit_record
from tapif.core.choices import UserKind
from tapif.core.exceptions import DomainError
from tapif.core.privacy import personal_data, personal_files

#: Kept in memory up to this size, then on disk.
SPOOL_BYTES = 8 * 1024 * 1024


def _not_staff(request) -> None:
    if request.user.is_staff:
        raise Http404


def _candidate_only(request) -> None:
    if request.user.is_staff or request.user.kind != UserKind.CANDIDATE:
        raise Http404


@login_required
@require_GET
@never_cache
def index(request):
    """What the programme holds, the download, and each dossier's retention dates with what the
    candidate may erase."""
    _not_staff(request)
    user = request.user
    dossiers = [
        {
            "application": application,
            "retention": retention.dossier_retention(application),
            "may_delete": retention.application_may_be_deleted(application),
        }
        for application in user.applications.select_related("campaign").order_by("-pk")
        if application.anonymised_at is None
    ]
    requests = list(DeletionRequest.objects.filter(candidate=user))
    return render(
        request,
        "account/my_data.html",
        {
            "dossiers": dossiers,
            "is_candidate": user.kind == UserKind.CANDIDATE,
            "may_delete_account": retention.account_may_be_deleted(user),
            "may_request": user.kind == UserKind.CANDIDATE
            and not retention.account_may_be_deleted(user)
            and not any(item.status == DeletionRequest.Status.OPEN for item in requests),
            "deletion_requests": requests,
        },
    )


def personal_archive(user) -> tempfile.SpooledTemporaryFile:
    """The ZIP of the person's data, rewound, ready to stream."""
    archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 (streamed)
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        data = {
            "exported_at": timezone.now().isoformat(),
            "account": user.email,
            "records": personal_data(user),
        }
        bundle.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, cls=DjangoJSONEncoder)
        )
        for name, stored in personal_files(user):
            try:
                with (
                    stored.storage.open(stored.name, "rb") as source,
                    bundle.open(name, "w") as target,
                ):
                    for chunk in iter(lambda: source.read(64 * 1024), b""):
                        target.write(chunk)
            except FileNotFoundError:
                continue  # a file already gone from storage: the record says what it was
    archive.seek(0)
    return archive


@login_required
@require_GET
@never_cache
def download(request):
    """The ZIP, streamed; each download is in the audit log."""
    _not_staff(request)
    archive = personal_archive(request.user)
    audit_record(actor=request.user, action="personal_data.export", target=request.user)
    day = timezone.localdate().isoformat()
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"tapif-my-data-{day}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def dossier_delete(request, pk: int):
    """The candidate deletes their dossier never submitted, with its files."""
    _candidate_only(request)
    application = get_object_or_404(Application, pk=pk, candidate=request.user)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("my_data:index")
    try:
        retention.application_delete_draft(application=application, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Your dossier %(number)s and its documents are deleted.")
            % {"number": application.number},
        )
    return redirect("my_data:index")


@login_required
@require_POST
def account_delete(request):
    """The candidate erases their account (allowed while no dossier was ever submitted)."""
    _candidate_only(request)
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("my_data:index")
    user = request.user
    try:
        retention.account_delete(user=user, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("my_data:index")
    logout(request)
    messages.success(request, _("Your account and everything in it are deleted."))
    return redirect("core:landing")


@login_required
@require_POST
def deletion_request(request):
    """After submission: ask the programme to erase the candidate's data."""
    _candidate_only(request)
    retention.deletion_request_create(user=request.user, reason=request.POST.get("reason", ""))
    messages.success(
        request,
        _(
            "Your request is sent. The programme will delete what its privacy policy allows and "
            "tell you by e-mail what is kept, and until when."
        ),
    )
    return redirect("my_data:index")
