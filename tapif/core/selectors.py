from __future__ import annotations

from django.db.models import QuerySet

from tapif.core.models import Academie, AcademieCutoff, Campaign


def campaign_current() -> Campaign | None:
    """The one campaign flagged current, or None before any campaign is set up."""
    return Campaign.objects.filter(is_current=True).first()


def academie_list_active() -> QuerySet[Academie]:
    return Academie.objects.filter(is_active=True).order_by("name")


def cutoffs_of_previous_campaign(campaign: Campaign | None) -> list[AcademieCutoff]:
    """The cut-offs of the latest campaign before `campaign` that has any (opened earlier),
    by académie name then level; [] when no earlier campaign has cut-offs."""
    if campaign is None:
        return []
    previous = (
        Campaign.objects.filter(opens_at__lt=campaign.opens_at, cutoffs__isnull=False)
        .order_by("-opens_at")
        .values_list("pk", flat=True)
        .first()
    )
    if previous is None:
        return []
    return list(
        AcademieCutoff.objects.filter(campaign_id=previous)
        .select_related("campaign", "academie")
        .order_by("academie__name", "level")
    )
