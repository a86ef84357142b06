"""Who may see what of a dossier. Functions return (allowed, reason) so callers can explain."""

from __future__ import annotations

from candidates.choices import DocumentKind
from candidates.models import Document
from tapif.core.choices import UserKind
from tapif.core.models import User

#: Held by staff who check payments; a string, since candidates does not import payments.
PAYMENTS_VIEW_PERMISSION = "payments.view_payment"


def can_own_dossier(user: User) -> tuple[bool, str]:
    if not user.is_authenticated:
        return False, "anonymous"
    if user.kind != UserKind.CANDIDATE or user.is_staff:
        return False, "not a candidate account"
    return True, ""


def can_view_document(user: User, document: Document) -> tuple[bool, str]:
    """The owner sees their current documents; staff with the permission see every version.

    Staff who check payments (and may not see passports) open the fee receipts only.
    """
    if user.is_authenticated and user.is_staff and user.has_perm("candidates.view_document"):
        return True, "staff"
    if (
        user.is_authenticated
        and user.is_staff
        and document.kind == DocumentKind.FEE_RECEIPT
        and user.has_perm(PAYMENTS_VIEW_PERMISSION)
    ):
        return True, "staff checking payments"
    if (
        user.is_authenticated
        and document.application.candidate_id == user.pk
        and document.is_current
    ):
        return True, "owner"
    return False, "not the owner"
