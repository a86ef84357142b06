"""Who may see what of a dossier. Functions return (allowed, reason) so callers can explain.

Staff see the dossiers their role covers: every dossier with `candidates.view_every_dossier`
(programme manager, committee, auditor), else the dossiers assigned to them for review. A draft's
documents are nobody's business on staff, but for the fee receipt (payments officers check it
whatever the dossier's state) and a programme manager who gives a reason, recorded with the read.
Views, admin classes and templates all ask here.
"""

from __future__ import annotations

from django.db.models import Q

from candidates.choices import DocumentKind
from candidates.models import Application, Document
from tapif.core.choices import UserKind
from tapif.core.models import User

#: Held by staff who check payments; a string, since candidates does not import payments.
PAYMENTS_VIEW_PERMISSION = "payments.view_payment"
#: Staff who read dossiers at all.
VIEW_DOSSIER_PERMISSION = "candidates.view_application"
VIEW_DOCUMENT_PERMISSION = "candidates.view_document"
#: Staff whose role covers every dossier, not only those assigned to them for review.
EVERY_DOSSIER_PERMISSION = "candidates.view_every_dossier"
#: Staff who may open a draft's documents, each time with a reason.
DRAFT_DOCUMENT_PERMISSION = "candidates.open_draft_document"

#: `can_view_document`'s reason when the only thing missing is the reason for reading a draft's
#: document: the download page asks for it.
REASON_NEEDED = "a draft's document: a reason is needed"

#: The review assignments' reverse relation (selection's ReviewAssignment.application): a name
#: only, since candidates imports no higher app.
_ASSIGNED_TO = "review_assignments__reviewer"


def can_own_dossier(user: User) -> tuple[bool, str]:
    if not user.is_authenticated:
        return False, "anonymous"
    if user.kind != UserKind.CANDIDATE or user.is_staff:
        return False, "not a candidate account"
    return True, ""


def dossier_scope(user: User, *, path: str = "") -> Q:
    """The filter of the dossiers a staff member may see, for a query on a model that reaches
    the dossier through `path` (say "application__"): every dossier, or those assigned to them.

    Callers check the model's view permission themselves (the admin does).
    """
    if user.has_perm(EVERY_DOSSIER_PERMISSION):
        return Q()
    return Q(**{f"{path}{_ASSIGNED_TO}": user.pk})


def can_view_dossier(user: User, application: Application) -> tuple[bool, str]:
    """The candidate sees their own dossier; staff the dossiers their role covers."""
    if not user.is_authenticated:
        return False, "anonymous"
    if application.candidate_id == user.pk:
        return True, "owner"
    if not (user.is_staff and user.has_perm(VIEW_DOSSIER_PERMISSION)):
        return False, "not the owner"
    if user.has_perm(EVERY_DOSSIER_PERMISSION):
        return True, "every dossier"
    if Application.objects.filter(dossier_scope(user), pk=application.pk).exists():
        return True, "assigned for review"
    return False, "not assigned to them"


def can_view_document(user: User, document: Document, *, reason: str = "") -> tuple[bool, str]:
    """The owner sees their current documents; staff see every version of the documents of the
    dossiers they may see, once the dossier is submitted.

    Staff who check payments (and may not see passports) open the fee receipts, whatever the
    dossier's state. A draft's other documents open only for a programme manager who gives
    `reason` (REASON_NEEDED without one).
    """
    if not user.is_authenticated:
        return False, "anonymous"
    application = document.application
    if application.candidate_id == user.pk and document.is_current:
        return True, "owner"
    if not user.is_staff:
        return False, "not the owner"
    if document.kind == DocumentKind.FEE_RECEIPT and user.has_perm(PAYMENTS_VIEW_PERMISSION):
        return True, "staff checking payments"
    if not user.has_perm(VIEW_DOCUMENT_PERMISSION):
        return False, "no permission"
    if application.is_draft:
        if not user.has_perm(DRAFT_DOCUMENT_PERMISSION):
            return False, "a draft"
        if not reason.strip():
            return False, REASON_NEEDED
        return True, "a draft, with a reason"
    allowed, why = can_view_dossier(user, application)
    return (True, "staff") if allowed else (False, why)
