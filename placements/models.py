"""Places per académie for a selection round, and where each candidate of a frozen round goes.

`Quota` rows belong to a draft `selection.SelectionRound` and are edited by the committee until
the round is frozen; `Placement` rows are written once, all together, by
`placements.services.round_freeze`, with the explanation given to the candidate in both
languages. Neither is shown to candidates before results are released: `ResultsRelease` records
that release, run in batches by `placements.release`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from placements.choices import ReleaseStatus


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


class ResultsRelease(models.Model):
    """The release of a frozen round's results: one per round, run in batches by
    `placements.release` (the module's docstring tells the whole story).

    `recipients` is the list of dossiers to tell, fixed when the release starts, in the order
    they are told: `[application id, kind]` pairs (`ReleaseKind`). `processed` is the cursor:
    the first `processed` recipients have their result and their e-mail.
    """

    round = models.OneToOneField(
        "selection.SelectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="results_release",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ReleaseStatus.choices,
        default=ReleaseStatus.RUNNING,
        editable=False,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now, editable=False)
    recipients = models.JSONField(_("dossiers to tell"), default=list, editable=False)
    total = models.PositiveIntegerField(_("dossiers to tell (count)"), default=0, editable=False)
    processed = models.PositiveIntegerField(_("dossiers told"), default=0, editable=False)
    counts = models.JSONField(_("outcomes"), default=dict, editable=False)
    skipped_dossiers = models.JSONField(_("dossiers skipped"), default=list, editable=False)
    messages_per_minute = models.PositiveIntegerField(_("e-mails per minute"), editable=False)
    last_batch_at = models.DateTimeField(_("last batch"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)
    failed_batches = models.PositiveSmallIntegerField(
        _("failed batches in a row"), default=0, editable=False
    )
    error = models.TextField(_("last error"), blank=True, editable=False)

    class Meta:
        verbose_name = _("results release")
        verbose_name_plural = _("results releases")
        ordering = ["-started_at", "-id"]
        permissions = [("release_results", _("Can release a frozen round's results"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReleaseStatus.values),
                name="placements_release_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=F("total")),
                name="placements_release_cursor_within_total",
            ),
            models.CheckConstraint(
                condition=Q(messages_per_minute__gte=1),
                name="placements_release_rate_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round}: {self.processed}/{self.total}"

    @property
    def is_running(self) -> bool:
        return self.status == ReleaseStatus.RUNNING
