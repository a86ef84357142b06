"""The dossier's documents: one card per document the dossier needs, upload and download.

Uploads go through `services.document_upload`, which reads the file's real type and refuses
with a message shown next to the slot's field. Downloads are checked by `can_view_document`
before anything is read: someone who may not see a document gets the same 404 as for a document
that does not exist. Files are streamed from a local folder, or (S3) handed out as a signed URL
that expires a minute later; they never have a public address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.csp import CSP
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates import services
from candidates.choices import DOCUMENTS_WITH_EXPIRY, DocumentKind
from candidates.eligibility import Status
from candidates.forms.documents import DocumentUploadForm, DraftDocumentReasonForm
from candidates.models import Document
from candidates.permissions import REASON_NEEDED, can_view_document
from candidates.selectors import dossier_status
from candidates.views.common import dossier_context, dossier_view
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.middleware import staff_needs_two_factor
from tapif.core.moments import day_words

#: Documents a candidate may add although the dossier does not require them yet.
OPTIONAL_DOCUMENTS = (DocumentKind.CRIMINAL_RECORD,)

#: Types shown in the browser rather than saved (every type the upload accepts).
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})

#: The site's policy, except that the file may be framed by our own pages (the review page's
#: inline previews); every other page keeps `frame-ancestors 'none'`.
FRAMED_BY_SELF_CSP = {**settings.SECURE_CSP, "frame-ancestors": [CSP.SELF]}

#: Lifetime of a signed S3 address: the browser follows the redirect at once.
SIGNED_URL_SECONDS = 60

# What each card asks for. Placeholders: passport_date, test_deadline (campaign dates).
GUIDANCE = {
    DocumentKind.PASSPORT: gettext_lazy(
        "A scan of your passport’s identification page (photo and signature). It must be valid "
        "until at least %(passport_date)s: if it expires before, start its renewal now."
    ),
    DocumentKind.PR_CARD: gettext_lazy("A scan of both sides of your permanent resident card."),
    DocumentKind.CITIZENSHIP_PASSPORT: gettext_lazy(
        "A scan of the identification page of the valid passport of the country you are a "
        "citizen of. It must be valid until at least %(passport_date)s."
    ),
    DocumentKind.EU_PASSPORT: gettext_lazy(
        "A scan of the identification page of the European Union passport you will use to enter "
        "France. It must be valid until at least %(passport_date)s."
    ),
    DocumentKind.TRANSCRIPTS: gettext_lazy(
        "Your official university transcripts of the last two completed years of study, bearing "
        "the university’s stamp, in one file."
    ),
    DocumentKind.BIRTH_CERTIFICATE: gettext_lazy(
        "A copy of your birth certificate, in French or in English."
    ),
    DocumentKind.LANGUAGE_TEST: gettext_lazy(
        "Your TCF, TEF, DELF or DALF results. You must have them by %(test_deadline)s."
    ),
    DocumentKind.FEE_RECEIPT: gettext_lazy(
        "The receipt of your Interac e-Transfer of the application fee, declared with the "
        "payment in “Application fee”."
    ),
    DocumentKind.CRIMINAL_RECORD: gettext_lazy(
        "A standard level 1 criminal record check. Optional with the application: it is needed "
        "after acceptance to receive the “arrêté de nomination” (your work contract)."
    ),
}


@dataclass
class DocumentSlot:
    """One card of the page: a kind of document, its current file and its upload form."""

    kind: str
    label: str
    guidance: str
    required: bool
    uploadable: bool
    current: Document | None
    form: DocumentUploadForm | None = None
    note: str = ""
    errors: list[str] = field(default_factory=list)
    replaceable: bool = False  # rejected by staff, within the correction window

    @property
    def anchor(self) -> str:
        return f"document-{self.kind}"

    @property
    def has_expiry(self) -> bool:
        return self.kind in DOCUMENTS_WITH_EXPIRY


def _slot_kinds(status) -> list[tuple[str, bool, bool]]:
    """(kind, required, uploadable) for every card, in the order the page shows them."""
    required = list(status.required_documents)
    optional = [kind for kind in OPTIONAL_DOCUMENTS if kind not in required]
    return [(kind, True, True) for kind in required] + [(kind, False, True) for kind in optional]


def _uploadable_kinds(status) -> set[str]:
    return {kind for kind, _required, uploadable in _slot_kinds(status) if uploadable}


def _passport_note(request, status, campaign, document: Document | None) -> str:
    """The eligibility rule's message on a passport that expires too early, else ''."""
    if (
        document is None
        or document.expires_on is None
        or document.expires_on >= campaign.passport_valid_until
        or status.verdict.status_of("passport") != Status.FAIL
    ):
        return ""
    result = next(r for r in status.verdict.rules if r.rule == "passport")
    return explain_message(result.message)


def _slots(request, context: dict, failed: DocumentUploadForm | None) -> list[DocumentSlot]:
    dossier, status, campaign = context["application"], context["status"], context["campaign"]
    editable = context["situation"].may_edit
    current = {document.kind: document for document in dossier.current_documents}
    labels = dict(DocumentKind.choices)
    dates = {
        "passport_date": day_words(campaign.passport_valid_until),
        "test_deadline": day_words(campaign.language_test_deadline),
    }
    replaceable = services.document_replaceable_kinds(dossier) if not editable else set()
    kinds = _slot_kinds(status)
    # A file kept from an earlier answer (say, a PR card before the candidate changed their
    # citizenship) stays visible, without an upload form.
    shown = {kind for kind, _required, _uploadable in kinds}
    kinds += [(kind, False, False) for kind in current if kind not in shown]
    slots = []
    for kind, required, uploadable in kinds:
        document = current.get(kind)
        slot = DocumentSlot(
            kind=kind,
            label=labels[kind],
            guidance=GUIDANCE[kind] % dates,
            required=required,
            uploadable=uploadable,
            current=document,
        )
        if kind in DOCUMENTS_WITH_EXPIRY:
            slot.note = _passport_note(request, status, campaign, document)
        if failed is not None and failed.kind == kind:
            slot.form = failed
            slot.errors = list(failed.non_field_errors())
        elif (editable and uploadable) or kind in replaceable:
            slot.form = DocumentUploadForm(kind=kind)
        slot.replaceable = kind in replaceable
        slots.append(slot)
    return slots


def _page(request, failed: DocumentUploadForm | None = None):
    context = dossier_context(request)
    slots = _slots(request, context, failed)
    context.update(
        slots=slots,
        failed_slot=next((s for s in slots if failed is not None and s.form is failed), None),
    )
    return render(request, "candidates/documents.html", context)


@dossier_view
@require_GET
def document_list(request):
    """Every document the dossier needs, what is expected, the current file and its upload."""
    return _page(request)


@require_POST
@dossier_view
def document_upload(request, kind: str):
    """Store a new version of one document, or show the page again with the refusal by it."""
    if kind not in _uploadable_kinds(dossier_status(request.dossier)):
        raise Http404
    form = DocumentUploadForm(request.POST, request.FILES, kind=kind)
    if form.is_valid():
        # A draft uploads freely; a submitted dossier replaces a rejected document only.
        upload = (
            services.document_upload
            if request.dossier.is_draft
            else services.document_replace_rejected
        )
        try:
            document = upload(
                application=request.dossier,
                kind=kind,
                upload=form.cleaned_data["file"],
                actor=request.user,
                expires_on=form.cleaned_data.get("expires_on"),
            )
        except DomainError as error:
            form.add_refusal(error.code, error.message)
        else:
            messages.success(
                request,
                _("%(document)s: “%(name)s” has been received.")
                % {"document": document.get_kind_display(), "name": document.original_name},
            )
            return redirect(f"{reverse('candidates:documents')}#document-{kind}")
    return _page(request, failed=form)


@require_http_methods(["GET", "POST"])
@login_required
@xframe_options_sameorigin
@csp_override(FRAMED_BY_SELF_CSP)
def document_download(request, pk: int):
    """The file, for its owner (current version) or staff who may see it (`can_view_document`).

    Staff open it from the admin, so it does not use the dossier pages' decorator; staff without
    two-factor authentication are sent to set it up, as for the admin. Our own pages may show it
    in a frame (the review page's previews: same origin only, by both X-Frame-Options and CSP).
    A draft's document asks a programme manager for a reason first (a form posted back here),
    recorded with the read; anyone else who may not see the file gets a 404.
    """
    if staff_needs_two_factor(request.user):
        return redirect("core:staff_setup_needed")
    document = Document.objects.select_related("application").filter(pk=pk).first()
    if document is None or not document.file:  # a file the retention policy deleted
        raise Http404
    form = DraftDocumentReasonForm(request.POST if request.method == "POST" else None)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    allowed, why = can_view_document(request.user, document, reason=reason)
    if not allowed and why == REASON_NEEDED:
        return TemplateResponse(
            request,
            "candidates/document_reason.html",
            {
                **admin.site.each_context(request),
                "title": _("Why open this document?"),
                "form": form,
                "document": document,
            },
        )
    if not allowed:
        raise Http404
    if request.user.is_staff:
        services.document_log_staff_access(document=document, actor=request.user, reason=reason)
    inline = document.content_type in INLINE_TYPES
    storage = document.file.storage
    if getattr(storage, "querystring_auth", False) is True:
        # A private S3 bucket: a signed address that names the file and its type.
        url = storage.url(
            document.file.name,
            parameters={
                "ResponseContentDisposition": content_disposition_header(
                    not inline, document.original_name
                ),
                "ResponseContentType": document.content_type,
            },
            expire=SIGNED_URL_SECONDS,
        )
        response = HttpResponseRedirect(url)
    else:
        try:
            handle = storage.open(document.file.name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=not inline,
            filename=document.original_name,
            content_type=document.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
