"""Places per académie for a selection round, and where each candidate of a frozen round goes.

`Quota` rows belong to a draft `selection.SelectionRound` and are edited by the committee until
the round is frozen; `Placement` rows are written once, all together, by
`placements.services.round_freeze`, with the explanation given to the candidate in both
languages. Neither is shown to candidates before results are released: `ResultsRelease` records
that release, run in batches by `placements.release`.

After the release, every place is an `Offer` (one row per offer of a place, with the contract's
terms as they were when it was made) that the candidate accepts or declines by its deadline;
staff record the town and schools (`OfferSchool`) the académie gives. A place given back (an
offer declined, lapsed or withdrawn) goes to the waitlist: `PromotionLog` keeps one row per
candidate considered for it (`placements.offers` and `placements.promotion` tell the rules).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from placements.choices import (
    HOLDING_OFFER_STATUSES,
    OfferSource,
    OfferStatus,
    PromotionOutcome,
    PromotionReason,
    RankDecision,
    ReleaseStatus,
    RoundStatus,
)
from tapif.core.choices import SchoolLevel
from tapif.core.schedule import deadline_passed


class SelectionRound(models.Model):
    """One run of the committee's ranking and placement for a campaign.

    A draft round has editable quotas (placements.Quota) and waitlist size; freezing it
    (`placements.services.round_freeze`) writes every `RankEntry` and placement at once with the
    exact input (`snapshot`) and its sha256. A frozen round is never changed again; it is only
    superseded by explicit action, after which a new draft round may be frozen. At most one
    frozen round per campaign (the database says so).
    """

    campaign = models.ForeignKey(
        "core.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="selection_rounds",
    )
    number = models.PositiveSmallIntegerField(_("round number"), editable=False)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RoundStatus.choices,
        default=RoundStatus.DRAFT,
        editable=False,
    )
    waitlist_size = models.PositiveIntegerField(
        _("waitlist size"),
        default=0,
        help_text=_(
            "How many new candidates, after the accepted, go on the waitlist (returning "
            "assistants with a positive evaluation are added behind them)."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("frozen by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    frozen_at = models.DateTimeField(_("frozen"), null=True, blank=True, editable=False)
    snapshot = models.JSONField(
        _("input snapshot"), null=True, blank=True, editable=False
    )  # exactly what the algorithm was given, in `simulate_selection`'s input format
    snapshot_sha256 = models.CharField(
        _("snapshot hash (SHA-256)"), max_length=64, blank=True, editable=False
    )
    parameters = models.JSONField(_("parameters"), default=dict, blank=True, editable=False)
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("superseded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True, editable=False)
    superseded_reason = models.TextField(_("why it was superseded"), blank=True, editable=False)
    freeze_reason = models.TextField(
        _("why it was frozen incomplete"),
        blank=True,
        editable=False,
        help_text=_(
            "A programme manager's reason for freezing while the application window was open "
            "or while dossiers would be left out (those dossiers are listed in the audit log)."
        ),
    )

    class Meta:
        verbose_name = _("selection round")
        verbose_name_plural = _("selection rounds")
        ordering = ["campaign", "-number"]
        permissions = [
            ("freeze_round", "Can freeze a selection round"),
            ("supersede_round", "Can supersede a frozen selection round"),
            (
                "freeze_round_incomplete",
                "Can freeze a selection round that leaves dossiers out, giving a reason",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "number"], name="selection_round_number_per_campaign"
            ),
            models.UniqueConstraint(
                fields=["campaign"],
                condition=Q(status="frozen"),
                name="selection_one_frozen_round_per_campaign",
                violation_error_message=_("This campaign already has a frozen round."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(frozen_at__isnull=False) & ~Q(snapshot_sha256="")),
                name="selection_round_frozen_has_snapshot",
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(campaign)s · round %(number)s") % {
            "campaign": self.campaign,
            "number": self.number,
        }

    @property
    def is_draft(self) -> bool:
        return self.status == RoundStatus.DRAFT


class RankEntry(models.Model):
    """One candidate's rank and decision in a frozen round (written once, by the freeze)."""

    round = models.ForeignKey(
        SelectionRound,
        verbose_name=_("round"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="rank_entries",
    )
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    merit = models.DecimalField(
        _("merit score (out of 100)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    tie_break = models.CharField(
        _("tie broken by"),
        max_length=60,
        blank=True,
        help_text=_("Which step of the published rule set it after the candidate above."),
    )
    decision = models.CharField(_("decision"), max_length=14, choices=RankDecision.choices)
    waitlist_position = models.PositiveIntegerField(_("waitlist position"), null=True, blank=True)
    flags = models.JSONField(_("flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("rank entry")
        verbose_name_plural = _("rank entries")
        ordering = ["round", "rank", "application__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "application"], name="selection_one_entry_per_dossier"
            ),
            models.UniqueConstraint(
                fields=["round", "rank"],
                condition=Q(rank__isnull=False),
                name="selection_one_dossier_per_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.application} · {self.rank or '—'}"


class Quota(models.Model):
    round = models.ForeignKey(
        "SelectionRound",
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
        "SelectionRound",
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
        _("school level"), max_length=10, choices=SchoolLevel.choices, blank=True
    )
    preference_obtained = models.PositiveSmallIntegerField(
        _("preference obtained"), null=True, blank=True
    )
    # The allocation's messages, one per sentence (`placements.messages` words them).
    explanation = models.JSONField(_("explanation"), default=list, editable=False)

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
        "SelectionRound",
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


class Offer(models.Model):
    """One offer of a place (académie and school level) to a candidate, to answer by `respond_by`.

    Written by `placements.offers` only: at release for every placed candidate, by a waitlist
    promotion, or by the committee (manual, with `created_by` and `note`). The contract's terms
    are copied from the campaign when the offer is made (both supplement percents are 0 where
    the académie pays no overseas supplement), so a later change of the campaign never changes
    an offer already made. At most one offer per dossier holds a place at a time.
    """

    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    round = models.ForeignKey(
        "SelectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    academie = models.ForeignKey(
        "core.Academie", verbose_name=_("académie"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("school level"), max_length=10, choices=SchoolLevel.choices)
    source = models.CharField(
        _("offered by"), max_length=10, choices=OfferSource.choices, editable=False
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=OfferStatus.choices,
        default=OfferStatus.PENDING,
        editable=False,
        db_index=True,
    )
    offered_at = models.DateTimeField(_("offered"), default=timezone.now, editable=False)
    respond_by = models.DateTimeField(_("answer due by"), editable=False)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True, editable=False)
    # The contract's terms when the offer was made (a copy of the campaign's settings).
    contract_start = models.DateField(_("contract start"), editable=False)
    contract_end = models.DateField(_("contract end"), editable=False)
    monthly_gross_salary = models.DecimalField(
        _("gross monthly salary"), max_digits=8, decimal_places=2, editable=False
    )
    salary_currency = models.CharField(_("salary currency"), max_length=3, editable=False)
    overseas_supplement_min_percent = models.PositiveSmallIntegerField(
        _("overseas supplement, minimum (%)"), default=0, editable=False
    )
    overseas_supplement_max_percent = models.PositiveSmallIntegerField(
        _("overseas supplement, maximum (%)"), default=0, editable=False
    )
    reason = models.TextField(
        _("candidate's reason"),
        blank=True,
        editable=False,
        help_text=_("What the candidate said when declining or withdrawing (optional)."),
    )
    # Accepting: the passport confirmed and the criminal record check uploaded.
    passport_confirmed_at = models.DateTimeField(
        _("passport confirmed"), null=True, blank=True, editable=False
    )
    criminal_record = models.ForeignKey(
        "candidates.Document",
        verbose_name=_("criminal record check"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    criminal_record_verified_at = models.DateTimeField(
        _("criminal record check verified"), null=True, blank=True, editable=False
    )
    criminal_record_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("criminal record check verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # What the académie communicates, recorded by staff (`offer_set_details`).
    town = models.CharField(_("town"), max_length=120, blank=True, editable=False)
    appointed_at = models.DateTimeField(_("appointed"), null=True, blank=True, editable=False)
    # A manual offer: who made it and why.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("offered by (staff)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    note = models.TextField(_("committee's reason"), blank=True, editable=False)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-offered_at", "-id"]
        permissions = [
            ("offer_place", _("Can offer a place to a waitlisted candidate")),
            ("verify_criminal_record", _("Can verify an assistant's criminal record check")),
        ]
        indexes = [
            models.Index(fields=["status", "respond_by"], name="placements_offer_due"),
            models.Index(
                fields=["round", "academie", "level", "status"], name="placements_offer_place"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=HOLDING_OFFER_STATUSES),
                name="placements_one_held_offer_per_dossier",
                violation_error_message=_("This dossier already holds a place."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=OfferStatus.values), name="placements_offer_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=OfferSource.values), name="placements_offer_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=SchoolLevel.values), name="placements_offer_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(respond_by__gt=F("offered_at")),
                name="placements_offer_deadline_after_offer",
            ),
            models.CheckConstraint(
                condition=Q(contract_end__gt=F("contract_start")),
                name="placements_offer_contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(
                    overseas_supplement_max_percent__gte=F("overseas_supplement_min_percent")
                ),
                name="placements_offer_supplement_bounds_ordered",
            ),
            models.CheckConstraint(
                condition=Q(appointed_at__isnull=True)
                | Q(status__in=[OfferStatus.ACCEPTED, OfferStatus.WITHDRAWN]),
                name="placements_offer_appointed_once_accepted",
            ),
            models.CheckConstraint(
                condition=~Q(source=OfferSource.MANUAL) | ~Q(note=""),
                name="placements_manual_offer_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} → {self.academie} ({self.get_level_display()})"

    @property
    def is_open(self) -> bool:
        """Pending, and its deadline has not passed: the candidate may still answer."""
        return self.status == OfferStatus.PENDING and not deadline_passed(
            self.respond_by, timezone.now()
        )

    @property
    def holds_place(self) -> bool:
        return self.status in HOLDING_OFFER_STATUSES

    @property
    def has_supplement(self) -> bool:
        return self.overseas_supplement_max_percent > 0

    @property
    def contract_months(self) -> int:
        """Whole months of the contract (7 for 1 October – 30 April)."""
        start, end = self.contract_start, self.contract_end
        return (end.year - start.year) * 12 + end.month - start.month + (end.day >= start.day)


class OfferSchool(models.Model):
    """One of the (at most three) schools the académie names for an offer."""

    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="schools"
    )
    name = models.CharField(_("school"), max_length=200)
    address = models.TextField(_("address"))
    level = models.CharField(_("school level"), max_length=10, choices=SchoolLevel.choices)

    class Meta:
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        ordering = ["offer", "id"]

    def __str__(self) -> str:
        return self.name


class PromotionLog(models.Model):
    """One candidate considered for a freed place, and what became of them.

    A promotion (`run_id`) writes a row for the candidate offered the place and for every
    waitlisted candidate passed over before them, with the reason as a code and as a sentence in
    both languages; a manual offer writes one row (reason "manual"). `freed_offer` is the offer
    whose place was given back (declined, lapsed, withdrawn), empty for a manual offer.
    """

    run_id = models.UUIDField(_("promotion"), db_index=True, editable=False)
    round = models.ForeignKey(
        "SelectionRound",
        verbose_name=_("round"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    academie = models.ForeignKey(
        "core.Academie",
        verbose_name=_("académie"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    level = models.CharField(
        _("school level"), max_length=10, choices=SchoolLevel.choices, editable=False
    )
    freed_offer = models.ForeignKey(
        Offer,
        verbose_name=_("place freed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="promotions",
        editable=False,
    )
    freed_because = models.CharField(
        _("freed because"), max_length=10, choices=OfferStatus.choices, blank=True, editable=False
    )
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    position = models.PositiveSmallIntegerField(_("order considered"), editable=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=PromotionOutcome.choices, editable=False
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=PromotionReason.choices, editable=False
    )
    # The promotion's messages (`placements.messages` words them).
    explanation = models.JSONField(_("explanation"), default=list, editable=False)
    offer = models.ForeignKey(
        Offer,
        verbose_name=_("offer made"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("promotion log entry")
        verbose_name_plural = _("promotion log")
        ordering = ["-created_at", "run_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["run_id", "application"], name="placements_promotion_once_per_run"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=PromotionOutcome.values),
                name="placements_promotion_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome=PromotionOutcome.OFFERED, offer__isnull=False)
                | Q(outcome=PromotionOutcome.SKIPPED, offer__isnull=True),
                name="placements_promotion_offer_when_offered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_outcome_display()} · {self.academie}"
