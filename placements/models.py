"""Places per académie for a selection round, and where each candidate of a frozen round goes.

`Quota` rows belong to a draft `selection.SelectionRound` and are edited by the committee until
the round is frozen; `Placement` rows are written once, all together, by
`placements.services.round_freeze`, with the explanation given to the candidate in both
languages. Neither is shown to candidates before results are released.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PlacementLevel(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    SECONDARY = "secondary", _("Secondary")


class Quota(models.Model):
    round = models.ForeignKey(
        "selection.SelectionRound",
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="quotas",
    )
    academie = models.ForeignKey(
        "core.Academie", verbose_name=_("académie"), on_delete=models.PROTECT, related_name="+"
    )
    primary = models.PositiveSmallIntegerField(_("primary places"), default=0)
    secondary = models.PositiveSmallIntegerField(_("secondary places"), default=0)

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        ordering = ["round", "academie__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "academie"], name="placements_one_quota_per_academie"
            ),
            models.CheckConstraint(
                condition=Q(primary__gte=0, secondary__gte=0),
                name="placements_quota_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.academie}: {self.primary} + {self.secondary}"


class Placement(models.Model):
    round = models.ForeignKey(
        "selection.SelectionRound",
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="placements",
    )
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    academie = models.ForeignKey(
        "core.Academie",
        verbose_name=_("académie"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    level = models.CharField(
        _("school level"), max_length=10, choices=PlacementLevel.choices, blank=True
    )
    preference_obtained = models.PositiveSmallIntegerField(
        _("preference obtained"), null=True, blank=True
    )
    explanation_en = models.TextField(_("explanation (English)"))
    explanation_fr = models.TextField(_("explanation (French)"))

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["round", "application__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application"], name="placements_one_per_dossier"
            ),
            models.CheckConstraint(
                condition=Q(preference_obtained__isnull=True)
                | Q(preference_obtained__gte=1, preference_obtained__lte=3),
                name="placements_preference_1_to_3",
            ),
            models.CheckConstraint(
                condition=Q(academie__isnull=True, level="")
                | (Q(academie__isnull=False) & ~Q(level="")),
                name="placements_academie_with_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.academie or '—'}"
