"""Evaluators, evaluation requests and the confidential evaluations themselves.

A request is addressed to a name and an e-mail address; its link carries a random token of which
only a hash is stored. The Professeur account whose verified address is the invited one is bound
to the request when it opens the link (another account waits until the invited address
confirms), and from then on only that account can reach it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.choices import CefrLevel
from evaluations.choices import (
    OPEN_STATUSES,
    ContactStatus,
    EvaluationStatus,
    EvaluatorCheck,
    KnownContext,
    Recommendation,
    Relationship,
    RequestStatus,
    Scale,
)
from tapif.core.choices import Language


class Professor(models.Model):
    """A French professor or language evaluator, listed by their institution or self-declared."""

    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("name"), max_length=200)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="professor",
    )
    institution = models.ForeignKey(
        "core.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="professors",
    )
    is_active = models.BooleanField(_("active at this institution"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("professor")
        verbose_name_plural = _("professors")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="evaluations_professor_email_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>"


class InstitutionContact(models.Model):
    """A university's representative; staff approve them before they see anything."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="institution_contact"
    )
    institution = models.ForeignKey(
        "core.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    role = models.CharField(_("role at the institution"), max_length=150)
    status = models.CharField(
        _("status"), max_length=20, choices=ContactStatus.choices, default=ContactStatus.REQUESTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("institution contact")
        verbose_name_plural = _("institution contacts")

    def __str__(self) -> str:
        return f"{self.user} · {self.institution}"


class EvaluationRequest(models.Model):
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.CASCADE,
        related_name="evaluation_requests",
    )
    evaluator_name = models.CharField(_("evaluator's name"), max_length=200)
    evaluator_email = models.EmailField(_("evaluator's e-mail address"))
    institution = models.ForeignKey(
        "core.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluation_requests",
    )
    relationship = models.CharField(_("relationship"), max_length=30, choices=Relationship.choices)
    language = models.CharField(
        _("language of the e-mail"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=RequestStatus.choices,
        default=RequestStatus.INVITED,
        db_index=True,
        editable=False,
    )
    # NULL once the link is dead and cleared by the nightly clean-up (unique allows many NULLs).
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    token_expires_at = models.DateTimeField(_("link valid until"), editable=False)
    professor = models.ForeignKey(
        Professor,
        verbose_name=_("professor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requests",
        editable=False,
    )
    sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True, editable=False)
    delivery_failed_at = models.DateTimeField(
        _("e-mail could not be delivered"), null=True, blank=True, editable=False
    )
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True, editable=False)
    submitted_at = models.DateTimeField(
        _("evaluation received"), null=True, blank=True, editable=False
    )
    declined_at = models.DateTimeField(_("declined"), null=True, blank=True, editable=False)
    decline_reason = models.TextField(_("reason given"), blank=True, editable=False)
    replaced_at = models.DateTimeField(_("replaced"), null=True, blank=True, editable=False)
    # The evaluator reminders (evaluations.reminders) and the candidate's notices.
    resent_count = models.PositiveSmallIntegerField(
        _("invitations resent"), default=0, editable=False
    )
    reminders_sent = models.PositiveSmallIntegerField(
        _("reminders sent"), default=0, editable=False
    )
    last_reminded_at = models.DateTimeField(
        _("last reminder"), null=True, blank=True, editable=False
    )
    unopened_notice_at = models.DateTimeField(
        _("candidate told it was not opened"), null=True, blank=True, editable=False
    )
    # The chain of trust. A link opened by an account whose verified address is not the invited
    # one binds only once the invited address confirms (a link e-mailed there): until then the
    # account waits here, with the hash of that confirmation link.
    pending_professor = models.ForeignKey(
        Professor,
        verbose_name=_("account waiting for the invited address to confirm"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    address_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    address_confirm_sent_at = models.DateTimeField(
        _("invited address asked to confirm"), null=True, blank=True, editable=False
    )
    address_confirmed_at = models.DateTimeField(
        _("invited address confirmed"), null=True, blank=True, editable=False
    )
    evaluator_check = models.CharField(
        _("evaluator check"),
        max_length=20,
        choices=EvaluatorCheck.choices,
        blank=True,
        db_index=True,
        editable=False,
    )
    evaluator_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluator checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    evaluator_checked_at = models.DateTimeField(
        _("evaluator checked"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("evaluation request")
        verbose_name_plural = _("evaluation requests")
        ordering = ["-created_at"]
        permissions = [
            ("confirm_evaluator", _("Can confirm or reject an evaluator")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="evaluations_one_open_request_per_dossier",
                violation_error_message=_("This dossier already has an evaluator waiting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.evaluator_email}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Evaluation(models.Model):
    """The professor's confidential assessment; immutable once submitted."""

    request = models.OneToOneField(
        EvaluationRequest, on_delete=models.CASCADE, related_name="evaluation"
    )
    oral_comprehension = models.CharField(
        _("oral comprehension"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    oral_expression = models.CharField(
        _("oral expression"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    written_comprehension = models.CharField(
        _("written comprehension"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    written_expression = models.CharField(
        _("written expression"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    overall_level = models.CharField(
        _("overall level"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    motivation = models.PositiveSmallIntegerField(
        _("motivation"), choices=Scale.choices, null=True, blank=True
    )
    aptitude = models.PositiveSmallIntegerField(
        _("aptitude to teach and to represent Canadian culture"),
        choices=Scale.choices,
        null=True,
        blank=True,
    )
    known_for = models.CharField(
        _("how long you have known the candidate"),
        max_length=100,
        blank=True,
        help_text=_("For example: two years."),
    )
    known_context = models.CharField(
        _("in what context"), max_length=20, choices=KnownContext.choices, blank=True
    )
    known_context_details = models.CharField(_("details"), max_length=300, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    recommendation = models.CharField(
        _("recommendation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EvaluationStatus.choices,
        default=EvaluationStatus.DRAFT,
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{_('Evaluation')} · {self.request.application}"
