"""Merit review: the campaign's criteria, who reviews which dossier, their scores, the merit.

Scores are whole points 0–5 on weighted criteria; the arithmetic is `selection.scoring` (pure).
A reviewer sees the other reviewers' scores of a dossier only once their own review is
submitted, so the first score does not anchor the rest. `MeritScore` is recomputed from the
submitted reviews each time one is submitted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from selection.choices import CRITERION_LABELS, ReviewStatus, rubric_for
from selection.scoring import MAX_POINTS, MIN_POINTS

POINTS_VALIDATORS = [MinValueValidator(MIN_POINTS), MaxValueValidator(MAX_POINTS)]


class Criterion(models.Model):
    campaign = models.ForeignKey(
        "core.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=40)
    typed_label = models.CharField(
        _("label"),
        max_length=200,
        blank=True,
        help_text=_(
            "Required for a criterion you add, shown as typed in both languages. Leave it "
            "empty for the programme's criteria: they are named in each language."
        ),
    )
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["campaign", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "code"], name="selection_criterion_code_per_campaign"
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="selection_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.typed_label:
            return self.typed_label
        return str(CRITERION_LABELS.get(self.code, self.code))

    def clean(self) -> None:
        if not self.typed_label and self.code not in CRITERION_LABELS:
            raise ValidationError(
                {"typed_label": _("A criterion you add needs a label (candidates never see it).")}
            )


class CriterionLevel(models.Model):
    """What a number of points means for one criterion (the rubric, in both languages)."""

    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="levels")
    points = models.PositiveSmallIntegerField(_("points"), validators=POINTS_VALIDATORS)
    typed_descriptor = models.CharField(
        _("descriptor"),
        max_length=300,
        blank=True,
        help_text=_(
            "What this number of points means, shown as typed. Leave it empty for the "
            "programme's own wording in each language."
        ),
    )

    class Meta:
        verbose_name = _("rubric level")
        verbose_name_plural = _("rubric")
        ordering = ["criterion", "points"]
        constraints = [
            models.UniqueConstraint(
                fields=["criterion", "points"], name="selection_one_descriptor_per_points"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=MIN_POINTS, points__lte=MAX_POINTS),
                name="selection_level_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points} — {self.descriptor}"

    @property
    def descriptor(self) -> str:
        if self.typed_descriptor:
            return self.typed_descriptor
        return str(rubric_for(self.criterion.code).get(self.points, ""))


class ReviewAssignment(models.Model):
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="review_assignments",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="review_assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="selection_assigned_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.reviewer}"


class ConflictOfInterest(models.Model):
    """A reviewer who knows a candidate declares it; they are then never assigned the dossier."""

    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="conflicts_of_interest",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="conflicts_of_interest",
    )
    reason = models.TextField(_("reason"))
    declared_at = models.DateTimeField(_("declared"), default=timezone.now)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="selection_one_conflict_per_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} ✕ {self.application}"


class Review(models.Model):
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    french_level_note = models.TextField(
        _("why the French level points differ from the evaluation"), blank=True
    )
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    score = models.DecimalField(
        _("score (out of 100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-updated_at", "-id"]
        permissions = [
            ("score_dossier", "Can review and score dossiers"),
            ("assign_reviewers", "Can assign dossiers to reviewers"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="selection_one_review_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.reviewer}"

    @property
    def is_submitted(self) -> bool:
        return self.status == ReviewStatus.SUBMITTED


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(_("points"), validators=POINTS_VALIDATORS)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="selection_one_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(points__gte=MIN_POINTS, points__lte=MAX_POINTS),
                name="selection_score_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.points}"


class MeritScore(models.Model):
    """The dossier's merit from its submitted reviews (recomputed at each submission)."""

    application = models.OneToOneField(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="merit",
    )
    merit = models.DecimalField(
        _("merit score (out of 100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    reviewers = models.PositiveSmallIntegerField(_("reviews submitted"), default=0)
    spread = models.DecimalField(
        _("disagreement (points)"), max_digits=5, decimal_places=2, default=0
    )
    needs_second_look = models.BooleanField(_("needs a second look"), default=False)
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)

    class Meta:
        verbose_name = _("merit score")
        verbose_name_plural = _("merit scores")

    def __str__(self) -> str:
        return f"{self.application}: {self.merit}"


class DossierUnderReview(Application):
    """The dossiers as the review sees them (a proxy: the admin's review changelist, with merit,
    reviewers and filters, apart from the dossier's own read-only page)."""

    class Meta:
        proxy = True
        verbose_name = _("dossier under review")
        verbose_name_plural = _("dossiers under review")
