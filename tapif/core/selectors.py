from __future__ import annotations

from django.db.models import QuerySet

from tapif.core.models import Academie, Campaign


def campaign_current() -> Campaign | None:
    """The one campaign flagged current, or None before any campaign is set up."""
    return Campaign.objects.filter(is_current=True).first()


def academie_list_active() -> QuerySet[Academie]:
    return Academie.objects.filter(is_active=True).order_by("name")
