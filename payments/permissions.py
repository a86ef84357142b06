"""Who may declare a fee payment. Functions return (allowed, reason) so callers can explain."""

from __future__ import annotations

from django.utils.translation import gettext as _

from candidates.choices import ApplicationStatus, PaymentStatus
from candidates.models import Application

# Dossiers whose story is over: no fee to declare any more.
CLOSED_STATUSES = frozenset(
    {
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.NOT_SELECTED,
        ApplicationStatus.OFFER_DECLINED,
        ApplicationStatus.INELIGIBLE,
    }
)


def can_declare_payment(application: Application) -> tuple[bool, str]:
    """A draft declares while the campaign is open; a submitted dossier may declare again after a
    rejection (or correct a declaration) even after the deadline, so a refused payment never
    strands a dossier that was sent on time."""
    if application.status in CLOSED_STATUSES:
        return False, _("This dossier is closed: there is no fee to declare.")
    never_submitted = application.is_draft and application.submitted_at is None
    if never_submitted and application.campaign.has_closed():
        return False, _("The application period has ended.")
    return True, ""


def payment_open_to_declaration(live) -> bool:
    """Whether the dossier's live payment (or its absence) can take a declaration: none yet, a
    declaration still waiting for the bank (correctable), or a payment the bank reported first
    and staff have not verified yet (the candidate adds the receipt and details)."""
    if live is None or live.status == PaymentStatus.DECLARED:
        return True
    return live.status == PaymentStatus.MATCHED and live.declared_at is None
