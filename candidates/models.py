"""The dossier: one Application per candidate per campaign, its five sections and documents.

Each section is its own row (saved by its own form, so two tabs on two sections never overwrite
each other); repeatable parts (experience, French courses, previous participations) are rows
too. The dossier's history is one table, DossierEvent: a status change (written by
`services.application_transition`) is one kind of event, beside the facts higher apps record.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.choices import (
    RESULT_DECISIONS,
    AbroadActivity,
    ApplicationStatus,
    CefrLevel,
    Citizenship,
    CouplePreference,
    CoupleStatus,
    DocumentKind,
    DocumentRejection,
    DocumentReview,
    DossierEventKind,
    EligibilityOutcome,
    EnrolmentStatus,
    ExperienceKind,
    FrenchProofRoute,
    FrenchStudy,
    OfficialTest,
    PaymentStatus,
    PreviousEvaluation,
    SchoolLevelWish,
    Sex,
)
from tapif.core.choices import SchoolLevel
from tapif.core.schedule import deadline_passed


class NumberSequence(models.Model):
    """The last candidate number handed out in a campaign; numbers are never reused."""

    campaign = models.OneToOneField("core.Campaign", on_delete=models.CASCADE, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("candidate number sequence")

    def __str__(self) -> str:
        return f"{self.campaign} → {self.last_value}"


class Application(models.Model):
    campaign = models.ForeignKey(
        "core.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidate"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    number = models.CharField(_("candidate number"), max_length=16, unique=True, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        editable=False,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    # Set by higher apps through candidates services (evaluation, verified test, payment).
    french_level = models.CharField(
        _("verified French level"),
        max_length=2,
        choices=CefrLevel.choices,
        blank=True,
        editable=False,
    )
    french_level_source = models.CharField(
        _("French level from"),
        max_length=20,
        blank=True,
        editable=False,
        help_text=_("evaluation, official_test or staff"),
    )
    payment_status = models.CharField(
        _("application fee"),
        max_length=20,
        choices=PaymentStatus.choices,
        blank=True,
        editable=False,
        db_index=True,
    )
    # The committee's result, written at release (candidates.services.application_record_result)
    # and shown to the candidate only once `result_released_at` is set.
    result_released_at = models.DateTimeField(
        _("result released"), null=True, blank=True, editable=False
    )
    result_decision = models.CharField(
        _("decision"),
        max_length=20,
        choices=[(status.value, status.label) for status in RESULT_DECISIONS],
        blank=True,
        editable=False,
    )
    result_academie = models.ForeignKey(
        "core.Academie",
        verbose_name=_("académie obtained"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    result_level = models.CharField(
        _("school level obtained"),
        max_length=10,
        choices=SchoolLevel.choices,
        blank=True,
        editable=False,
    )
    result_waitlist_position = models.PositiveIntegerField(
        _("waitlist position"), null=True, blank=True, editable=False
    )
    # Why: the committee's messages ({"code", "params"}), worded where they are shown.
    result_explanation = models.JSONField(
        _("explanation of the result"), default=list, blank=True, editable=False
    )
    # A returning assistant's evaluation by their previous académie (staff record it).
    previous_evaluation = models.CharField(
        _("previous académie's evaluation"),
        max_length=8,
        choices=PreviousEvaluation.choices,
        default=PreviousEvaluation.UNKNOWN,
        editable=False,
        help_text=_("For a returning assistant: only a positive one may be offered a second year."),
    )
    # Retention (candidates.retention): when the identity was anonymised, for good.
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["number"]
        permissions = [
            ("reopen_application", "Can reopen a submitted application"),
            ("view_every_dossier", "Can see every dossier, not only those assigned for review"),
            (
                "record_previous_evaluation",
                "Can record a returning assistant's previous evaluation",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "candidate"],
                name="candidates_one_application_per_campaign",
                violation_error_message=_("You already have an application for this campaign."),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_draft(self) -> bool:
        return self.status == ApplicationStatus.DRAFT

    @property
    def payment_verified(self) -> bool:
        """The fee has reached the programme's account: the dossier may go to review."""
        return self.payment_status == PaymentStatus.VERIFIED

    @property
    def payment_awaiting_check(self) -> bool:
        """The candidate declared the fee; the embassy has not verified it yet."""
        return self.payment_status in (PaymentStatus.DECLARED, PaymentStatus.MATCHED)

    @property
    def payment_to_declare(self) -> bool:
        """No payment counts: never declared, or the last one was rejected."""
        return self.payment_status in ("", PaymentStatus.REJECTED)


class Identity(models.Model):
    """Section 1: who the candidate is, where they live, their citizenship."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="identity"
    )
    legal_first_names = models.CharField(
        _("first name(s) as on passport"), max_length=150, blank=True
    )
    legal_last_name = models.CharField(_("last name as on passport"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    place_of_birth = models.CharField(_("place of birth (city)"), max_length=120, blank=True)
    country_of_birth = models.CharField(_("country of birth"), max_length=2, blank=True)
    sex = models.CharField(_("sex as on passport"), max_length=1, choices=Sex.choices, blank=True)
    citizenship = models.CharField(
        _("citizenship"), max_length=20, choices=Citizenship.choices, blank=True
    )
    country_of_citizenship = models.CharField(
        _("country of citizenship"),
        max_length=2,
        blank=True,
        help_text=_("Permanent residents: the country whose passport you hold."),
    )
    is_eu_citizen = models.BooleanField(
        _("I am also a citizen of a European Union country"), default=False
    )
    resides_in_canada = models.BooleanField(_("I live in Canada"), null=True, blank=True)
    exchange_student_abroad = models.BooleanField(
        _("I am a student on an exchange programme abroad"), null=True, blank=True
    )
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    province = models.CharField(_("province or state"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, default="CA")
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return f"{self.application} · identity"


class Studies(models.Model):
    """Section 2: university studies."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="studies"
    )
    enrolment_status = models.CharField(
        _("current situation"), max_length=20, choices=EnrolmentStatus.choices, blank=True
    )
    institution = models.ForeignKey(
        "core.Institution",
        verbose_name=_("university"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    programme = models.CharField(_("programme"), max_length=150, blank=True)
    major = models.CharField(_("major"), max_length=150, blank=True)
    minor = models.CharField(_("minor"), max_length=150, blank=True)
    french_study = models.CharField(
        _("French major or minor"), max_length=10, choices=FrenchStudy.choices, blank=True
    )
    university_years_completed = models.PositiveSmallIntegerField(
        _("university years completed and validated"),
        null=True,
        blank=True,
    )
    has_education_degree = models.BooleanField(
        _("I hold a degree in education"), null=True, blank=True
    )
    studies_mostly_in_canada = models.BooleanField(
        _("Most of my secondary and university studies were done in Canada"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("studies")
        verbose_name_plural = _("studies")

    def __str__(self) -> str:
        return f"{self.application} · studies"


class FrenchProfile(models.Model):
    """Section 3: French courses and how the level will be proved."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="french"
    )
    proof_route = models.CharField(
        _("how your level will be proved"),
        max_length=20,
        choices=FrenchProofRoute.choices,
        blank=True,
    )
    test_name = models.CharField(
        _("official test"), max_length=4, choices=OfficialTest.choices, blank=True
    )
    test_level = models.CharField(
        _("level obtained"), max_length=2, choices=CefrLevel.choices, blank=True
    )
    test_date = models.DateField(_("date of the results"), null=True, blank=True)
    # Staff check the certificate; any change to the test afterwards clears the check.
    test_verified_at = models.DateTimeField(
        _("test verified"), null=True, blank=True, editable=False
    )
    test_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # Recorded by the evaluations app through candidates.services (the dossier cannot import it).
    evaluator_status = models.CharField(_("evaluator"), max_length=20, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("French")
        verbose_name_plural = _("French")
        permissions = [("verify_french_test", "Can verify an official French test")]

    def __str__(self) -> str:
        return f"{self.application} · French"


class FrenchCourse(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="french_courses"
    )
    title = models.CharField(_("course"), max_length=150)
    level = models.CharField(
        _("level"), max_length=60, help_text=_("For example: second year, advanced, 300-level.")
    )
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)

    class Meta:
        verbose_name = _("French course")
        verbose_name_plural = _("French courses")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return self.title


class Experience(models.Model):
    """Section 4: one entry of teaching, work with young people or adults, or time abroad."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="experiences"
    )
    kind = models.CharField(_("type"), max_length=20, choices=ExperienceKind.choices)
    role = models.CharField(_("role or title"), max_length=150)
    organisation = models.CharField(_("organisation or place"), max_length=150, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    abroad_activity = models.CharField(
        _("what you did there"), max_length=20, choices=AbroadActivity.choices, blank=True
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(
        _("to"), null=True, blank=True, help_text=_("Leave empty if it is still going on.")
    )
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), null=True, blank=True)
    description = models.TextField(_("what you did"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("experience")
        verbose_name_plural = _("experience")
        ordering = ["kind", "-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="candidates_experience_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.role}"

    def days(self, today: dt.date | None = None) -> int:
        end = self.end_date or today or timezone.localdate()
        return max((end - self.start_date).days + 1, 0)


class Assets(models.Model):
    """Section 5, "Mes atouts": motivation, académie preferences, availability."""

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, primary_key=True, related_name="assets"
    )
    motivation_letter = models.TextField(
        _("motivation letter (in French)"), blank=True, max_length=20000
    )
    academie_1 = models.ForeignKey(
        "core.Academie",
        verbose_name=_("first choice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    academie_2 = models.ForeignKey(
        "core.Academie",
        verbose_name=_("second choice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    academie_3 = models.ForeignKey(
        "core.Academie",
        verbose_name=_("third choice"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    school_level = models.CharField(
        _("school level wanted"), max_length=10, choices=SchoolLevelWish.choices, blank=True
    )
    available_from_contract_start = models.BooleanField(
        _("I will be available to start on 1 October"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assets")
        verbose_name_plural = _("assets")
        constraints = [
            models.CheckConstraint(
                condition=(
                    (
                        models.Q(academie_1__isnull=True)
                        | models.Q(academie_2__isnull=True)
                        | ~models.Q(academie_1=models.F("academie_2"))
                    )
                    & (
                        models.Q(academie_1__isnull=True)
                        | models.Q(academie_3__isnull=True)
                        | ~models.Q(academie_1=models.F("academie_3"))
                    )
                    & (
                        models.Q(academie_2__isnull=True)
                        | models.Q(academie_3__isnull=True)
                        | ~models.Q(academie_2=models.F("academie_3"))
                    )
                ),
                name="candidates_academie_choices_distinct",
                violation_error_message=_("Choose three different académies."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · assets"

    @property
    def academie_choices(self) -> list:
        return [a for a in (self.academie_1, self.academie_2, self.academie_3) if a is not None]


class SectionDraft(models.Model):
    """What the candidate typed on a section page and has not yet saved (autosaved as they type).

    The draft is the section's content shown to the candidate until they press Save, which
    validates it and writes the section row; nothing reads a draft for completeness, eligibility
    or review. `data` holds the form's raw values by field name; `version` grows with each write
    so that a second tab learns it was overtaken (the last write wins).
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="section_drafts"
    )
    section = models.CharField(_("section"), max_length=20)  # a key of services' section models
    data = models.JSONField(_("typed values"), default=dict)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("section draft")
        verbose_name_plural = _("section drafts")
        default_permissions = ()  # never shown to staff: only the candidate reads a draft
        constraints = [
            models.UniqueConstraint(fields=["application", "section"], name="one_draft_per_section")
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.section} draft"


class PreviousParticipation(models.Model):
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="previous_participations"
    )
    school_year = models.CharField(
        _("school year"), max_length=9, help_text=_("For example 2023-2024.")
    )
    academie = models.ForeignKey(
        "core.Academie", verbose_name=_("académie"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("previous participation")
        verbose_name_plural = _("previous participations")
        ordering = ["school_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "school_year"], name="candidates_one_participation_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} · {self.academie}"


class Couple(models.Model):
    """A couple application: proposed by one partner, confirmed by the other from their dossier."""

    proposer = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="couples_proposed"
    )
    partner_email = models.EmailField(_("partner's e-mail address"))
    partner = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="couples_joined"
    )
    preference = models.CharField(_("placement"), max_length=20, choices=CouplePreference.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=CoupleStatus.choices, default=CoupleStatus.PROPOSED
    )
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    dissolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("couple application")
        verbose_name_plural = _("couple applications")
        constraints = [
            # One live couple per proposer; a partner confirms at most one.
            models.UniqueConstraint(
                fields=["proposer"],
                condition=~models.Q(status="dissolved"),
                name="candidates_one_live_couple_per_proposer",
            ),
            models.UniqueConstraint(
                fields=["partner"],
                condition=~models.Q(status="dissolved"),
                name="candidates_one_live_couple_per_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposer} + {self.partner or self.partner_email}"


def document_upload_to(instance: Document, filename: str) -> str:
    # A generated name: nothing the candidate typed reaches the storage path.
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        instance.content_type, "bin"
    )
    campaign = instance.application.campaign.school_year
    number = instance.application.number
    return f"dossiers/{campaign}/{number}/{instance.kind}/{uuid.uuid4().hex}.{extension}"


class Document(models.Model):
    """One uploaded version of a typed document; replacing keeps older versions for staff."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=30, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=300)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    is_current = models.BooleanField(_("current version"), default=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    # Staff's check of this version (a new version starts unchecked).
    review_status = models.CharField(
        _("check"),
        max_length=10,
        choices=DocumentReview.choices,
        default=DocumentReview.PENDING,
        db_index=True,
    )
    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=20, choices=DocumentRejection.choices, blank=True
    )
    rejection_note = models.TextField(_("note to the candidate"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("checked"), null=True, blank=True)
    replaceable_until = models.DateTimeField(
        _("may be replaced until"),
        null=True,
        blank=True,
        help_text=_("Set when the document is rejected: the correction window."),
    )
    # Retention (candidates.retention): the file is deleted from storage, the row stays as the
    # record that the document existed and how it was checked.
    erased_at = models.DateTimeField(_("file deleted"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "kind"],
                condition=models.Q(is_current=True),
                name="candidates_one_current_document_per_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(review_status=DocumentReview.REJECTED)
                | ~models.Q(rejection_reason=""),
                name="candidates_document_rejection_has_reason",
            ),
        ]
        permissions = [
            ("review_document", "Can accept or reject documents"),
            ("open_draft_document", "Can open a draft's documents, giving a reason"),
        ]

    def __str__(self) -> str:
        return f"{self.application.number} · {self.get_kind_display()}"

    def may_be_replaced(self, at=None) -> bool:
        """Rejected, and its correction window still open."""
        return (
            self.review_status == DocumentReview.REJECTED
            and self.replaceable_until is not None
            and not deadline_passed(self.replaceable_until, at or timezone.now())
        )


class DossierEventQuerySet(models.QuerySet):
    def status_changes(self) -> DossierEventQuerySet:
        return self.filter(kind=DossierEventKind.STATUS_CHANGED)


class DossierEvent(models.Model):
    """One entry of the dossier's history: who did what, when and why.

    A status change (kind `status_changed`, written by `services.application_transition`)
    carries the status left and the status reached; the other kinds are facts that higher apps
    record through `services.dossier_event_record` (the fee declared, matched, verified…).
    `note` is the reason or note shown with it (a rejection's reason, say). Read through
    `selectors.dossier_history`, which words each entry for its viewer.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=30, choices=DossierEventKind.choices)
    from_status = models.CharField(
        _("from"), max_length=20, choices=ApplicationStatus.choices, blank=True
    )
    to_status = models.CharField(
        _("to"), max_length=20, choices=ApplicationStatus.choices, blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    objects = DossierEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier event")
        verbose_name_plural = _("dossier events")
        ordering = ["created_at", "id"]
        constraints = [
            # A status change, and only a status change, names the status reached.
            models.CheckConstraint(
                condition=(models.Q(kind=DossierEventKind.STATUS_CHANGED) & ~models.Q(to_status=""))
                | (
                    ~models.Q(kind=DossierEventKind.STATUS_CHANGED)
                    & models.Q(from_status="", to_status="")
                ),
                name="candidates_dossierevent_status_change_names_statuses",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == DossierEventKind.STATUS_CHANGED:
            return f"{self.application}: {self.from_status or '∅'} → {self.to_status}"
        return f"{self.application}: {self.kind}"


class EligibilityDecision(models.Model):
    """Staff's decision on a dossier's eligibility, written by `services.eligibility_decide`.

    Keeps the rules staff overruled (each with its justification) and the failing rules'
    messages as decided. The latest decision counts; earlier ones stay as history.
    """

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="eligibility_decisions"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=EligibilityOutcome.choices)
    # [{"rule": code, "status": "pass" | "fail", "justification": text}]
    overrides = models.JSONField(_("rules overruled"), default=list, blank=True)
    # Why the dossier is ineligible, one item per rule not met: the rule's message
    # [{"rule", "code", "params"}], or for a rule overruled to "not met" the staff's own words
    # [{"rule", "justification"}] (`candidates.messages.failure_text` words either).
    failures = models.JSONField(_("rules not met"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        verbose_name = _("eligibility decision")
        verbose_name_plural = _("eligibility decisions")
        ordering = ["-decided_at", "-id"]
        get_latest_by = ["decided_at", "id"]
        permissions = [
            ("decide_eligibility", "Can confirm a dossier's eligibility"),
            ("override_eligibility", "Can overrule an eligibility rule"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=EligibilityOutcome.values),
                name="candidates_eligibility_decision_outcome_valid",
            ),
            # An ineligible decision names at least one reason; an eligible one names none.
            models.CheckConstraint(
                condition=(
                    models.Q(outcome=EligibilityOutcome.ELIGIBLE, failures=[])
                    | (models.Q(outcome=EligibilityOutcome.INELIGIBLE) & ~models.Q(failures=[]))
                ),
                name="candidates_eligibility_decision_reasons_match_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_outcome_display()}"


class ParticipationTrace(models.Model):
    """What stays of an anonymised dossier: enough for the lifetime limit on participations.

    A keyed fingerprint of the identity (HMAC of the legal names and the date of birth:
    `candidates.retention.identity_fingerprint`), the school year and the outcome; nothing
    that names the person. A later dossier with the same identity finds its earlier
    participations here (`selectors.participations_recorded`).
    """

    fingerprint = models.CharField(_("identity fingerprint"), max_length=64, db_index=True)
    school_year = models.CharField(_("school year"), max_length=9)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ApplicationStatus.choices)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("participation trace")
        verbose_name_plural = _("participation traces")
        ordering = ["school_year", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint", "school_year"], name="candidates_one_trace_per_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school_year} · {self.get_outcome_display()}"


class DeletionRequest(models.Model):
    """A candidate's request to erase their data once a dossier was submitted.

    A draft the candidate deletes themselves; a submitted dossier is kept as the retention
    policy says, so the request goes to staff, who settle it (`retention.deletion_request_settle`):
    what may go now goes, the candidate is told what is kept and until when.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the programme")
        SETTLED = "settled", _("Settled")

    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="deletion_requests",
    )
    reason = models.TextField(_("message from the candidate"), blank=True, max_length=2000)
    requested_at = models.DateTimeField(_("requested"), default=timezone.now, editable=False)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=Status.choices,
        default=Status.OPEN,
        editable=False,
        db_index=True,
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True, editable=False)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    # What was erased at once and what is kept until when, as messages ({"code", "params"}).
    outcome = models.JSONField(_("outcome"), default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at", "-id"]
        permissions = [("settle_deletionrequest", "Can settle a candidate's deletion request")]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=models.Q(status="open"),
                name="candidates_one_open_deletion_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} ({self.requested_at:%Y-%m-%d})"


class GroupMessage(models.Model):
    """A message a programme manager writes to the candidates a set of filters picks, in French
    and in English (what they wrote, so both texts are stored), sent once through the outbox
    (`candidates.bulk_messages`): each recipient reads it in their language, and each dossier's
    timeline records it."""

    campaign = models.ForeignKey(
        "core.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the programme manager wrote, in both languages: content, not interface words.
    subject_fr = models.CharField(_("subject in French"), max_length=200)
    body_fr = models.TextField(_("message in French"), max_length=10_000)
    subject_en = models.CharField(_("subject in English"), max_length=200)
    body_en = models.TextField(_("message in English"), max_length=10_000)
    filters = models.JSONField(_("recipients chosen by"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, editable=False)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0, editable=False)

    class Meta:
        verbose_name = _("message to candidates")
        verbose_name_plural = _("messages to candidates")
        ordering = ["-created_at", "-id"]
        permissions = [("send_groupmessage", "Can send a message to a group of candidates")]

    def __str__(self) -> str:
        return self.subject_en or self.subject_fr
