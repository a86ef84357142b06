"""The audit log: one row per action, written inside the action's own transaction."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tapif.core.models import AuditEntry, User

#: Words of core's own audit actions (each app declares its own in its `messages.py`),
#: registered in `CoreConfig.ready()` and read through `tapif.core.messages.explain`.
AUDIT_ACTIONS = {
    "admin.add": _("Record added in the admin"),
    "admin.change": _("Record changed in the admin"),
    "campaign.make_current": _("Campaign made current"),
    "campaign.update": _("Campaign settings changed"),
    "campaign.cutoffs_record": _("Académie cut-offs recorded"),
    "campaign.rollover": _("Next year's campaign prepared"),
    "institution.request": _("Institution requested"),
    "institution.status": _("Institution status changed"),
    "institution.email_domains": _("Institution's e-mail domains approved"),
    "letter.issue": _("Letter issued"),
    "letter.staff_download": _("Letter read by staff"),
    "outbound_message.resend": _("E-mail sent again"),
    "retention.apply": _("Retention policy applied"),
    "staff.create": _("Staff account created"),
    "staff.enrol": _("Account made staff"),
    "staff.invite": _("Staff set-up link sent"),
    "staff.setup_complete": _("Staff set-up link used: password and second factor set"),
}


def dossier_number_of(target: models.Model) -> str:
    """The candidate number of the dossier a record belongs to ('' for other records).

    Read by duck typing: core imports no app, and a dossier or any record with an
    `application` (document, payment, review…) names its number.
    """
    if target._meta.label_lower == "candidates.application":
        return getattr(target, "number", "")
    application = getattr(target, "application", None)
    return getattr(application, "number", "") if application is not None else ""


def audit_record(
    *,
    actor: User | None,
    action: str,
    target: models.Model,
    data: dict[str, Any] | None = None,
    dossier: str | None = None,
) -> AuditEntry:
    """Record an action; `data` holds what changed (use "before"/"after" for edits)."""
    return audit_record_as(
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target),
        dossier=dossier if dossier is not None else dossier_number_of(target),
        data=data,
    )


def audit_record_as(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: str,
    target_repr: str,
    dossier: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """`audit_record` for a record named rather than held: one that an app other than core
    owns, or that the action itself deletes (a draft erased by the retention job)."""
    return AuditEntry.objects.create(
        dossier=dossier,
        actor=actor if actor is not None and actor.pk else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=target_repr[:200],
        data=data or {},
    )
