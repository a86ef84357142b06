from __future__ import annotations

from django.db.models import QuerySet

from tapif.core.models import Academie, AuditEntry, Campaign


def campaign_current() -> Campaign | None:
    """The one campaign flagged current, or None before any campaign is set up."""
    return Campaign.objects.filter(is_current=True).first()


def academie_list_active() -> QuerySet[Academie]:
    return Academie.objects.filter(is_active=True).order_by("name")


def audit_entries_for(target) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")
