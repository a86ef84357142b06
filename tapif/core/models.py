from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tapif.core.choices import Language, SchoolLevel, UserKind
from tapif.core.schedule import deadline_passed

TIME_ZONE_CHOICES = sorted(
    (name, name) for name in available_timezones() if name.startswith(("America/", "Europe/"))
)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, kind=UserKind.STAFF)
        return self._create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their e-mail address; `kind` decides what they see."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    kind = models.CharField(
        _("account type"), max_length=20, choices=UserKind.choices, default=UserKind.CANDIDATE
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=2,
        choices=Language.choices,
        default=Language.FRENCH,
        help_text=_("Used for the pages after sign-in and for every e-mail and letter."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can log into the admin site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="core_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


def default_participating_countries() -> list[str]:
    """Countries taking part in France's language-assistant programme (editable per campaign)."""
    return list(PARTICIPATING_COUNTRIES)


PARTICIPATING_COUNTRIES = (
    "AR",
    "AT",
    "AU",
    "BE",
    "BR",
    "CH",
    "CL",
    "CN",
    "CO",
    "CR",
    "DE",
    "EC",
    "EG",
    "ES",
    "GB",
    "GH",
    "IE",
    "IN",
    "IT",
    "JM",
    "JP",
    "KR",
    "MT",
    "MX",
    "NG",
    "NL",
    "NZ",
    "PA",
    "PE",
    "PT",
    "RU",
    "TT",
    "US",
    "UY",
    "VE",
    "ZA",
)


def parse_day_list(value: str) -> list[int]:
    """ "14, 7,2" → [14, 7, 2] (descending, without repeats); ValueError on anything else."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    days = {int(part) for part in parts if part.isdigit()}
    if len(days) != len(set(parts)) or any(not part.isdigit() for part in parts):
        raise ValueError(value)
    return sorted(days, reverse=True)


def validate_day_list(value: str) -> None:
    try:
        days = parse_day_list(value)
    except ValueError:
        raise ValidationError(
            _("Write whole numbers of days separated by commas, for example 14,7,2."),
            code="day_list",
        ) from None
    if any(day > 365 for day in days):
        raise ValidationError(_("A reminder cannot be more than 365 days ahead."), code="far")


#: Addresses anyone can open: never an institution's proof that it knows a professor.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.ca",
        "outlook.com",
        "live.com",
        "live.ca",
        "msn.com",
        "yahoo.com",
        "yahoo.ca",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "mail.com",
        "videotron.ca",
        "sympatico.ca",
        "bell.net",
        "rogers.com",
        "shaw.ca",
        "telus.net",
    }
)
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def email_domains_parse(value: str) -> list[str]:
    """ "UOttawa.ca\n@uottawa.ca, mail.mcgill.ca" → ["uottawa.ca", "mail.mcgill.ca"] (in order,
    without repeats); ValueError naming the first entry that is not a domain."""
    domains: list[str] = []
    for part in re.split(r"[\s,;]+", value or ""):
        domain = part.strip().lower().lstrip("@").rstrip(".")
        if not domain:
            continue
        if not _DOMAIN.match(domain):
            raise ValueError(part)
        if domain not in domains:
            domains.append(domain)
    return domains


def validate_email_domains(value: str) -> None:
    try:
        domains = email_domains_parse(value)
    except ValueError as error:
        raise ValidationError(
            _("“%(entry)s” is not an e-mail domain: write one per line, for example uottawa.ca."),
            code="domain",
            params={"entry": str(error)},
        ) from None
    public = [domain for domain in domains if domain in PUBLIC_MAIL_DOMAINS]
    if public:
        raise ValidationError(
            _("%(domain)s gives addresses to anyone: it cannot vouch for a professor."),
            code="public_domain",
            params={"domain": public[0]},
        )


class Campaign(models.Model):
    """One recruitment year and every rule that may change from one year to the next.

    Exactly one campaign is current at a time (a partial unique constraint); the programme's
    dates are stored as aware datetimes and shown in the campaign's own time zone.
    """

    school_year = models.CharField(
        _("school year"), max_length=9, unique=True, help_text=_("For example 2026-2027.")
    )
    code = models.CharField(
        _("candidate number prefix"),
        max_length=8,
        unique=True,
        help_text=_("Starts every candidate number, for example CA27 for 2026-2027."),
    )
    is_current = models.BooleanField(_("current campaign"), default=False, editable=False)
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="America/Toronto"
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(
        _("applications close"),
        help_text=_("After this moment candidates can no longer submit or change anything."),
    )
    language_test_deadline = models.DateField(
        _("official French test results due by"),
    )
    contract_start = models.DateField(_("contract start"))
    contract_end = models.DateField(_("contract end"))
    passport_valid_until = models.DateField(
        _("passport valid until at least"),
        help_text=_("30 October of the year the contract ends."),
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age on the contract start"), default=20)
    max_age = models.PositiveSmallIntegerField(_("maximum age on the contract start"), default=35)
    max_participations = models.PositiveSmallIntegerField(
        _("maximum participations in a lifetime"), default=3
    )
    weekly_hours = models.PositiveSmallIntegerField(_("teaching hours per week"), default=12)
    max_schools = models.PositiveSmallIntegerField(_("maximum number of schools"), default=3)
    max_academie_choices = models.PositiveSmallIntegerField(
        _("académie preferences per candidate"), default=3
    )
    # Merit scoring by staff reviewers (selection app): how reviewers' scores combine.
    score_aggregation = models.CharField(
        _("combine reviewers' scores by"),
        max_length=10,
        choices=[("mean", _("Mean")), ("median", _("Median"))],
        default="mean",
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement that calls for a second look (points out of 100)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        help_text=_(
            "When two reviewers' scores of a dossier differ by more than this, it is flagged."
        ),
    )
    reviewers_per_dossier = models.PositiveSmallIntegerField(_("reviewers per dossier"), default=2)
    correction_window_days = models.PositiveSmallIntegerField(
        _("days to replace a rejected document"),
        default=14,
        help_text=_(
            "After staff reject a document, the candidate may replace that document only, "
            "even after the deadline, for this many days."
        ),
    )
    motivation_letter_words = models.PositiveSmallIntegerField(
        _("motivation letter length (words)"), default=500
    )
    fee_amount = models.DecimalField(
        _("application fee"), max_digits=7, decimal_places=2, default=Decimal("80.00")
    )
    fee_currency = models.CharField(_("fee currency"), max_length=3, default="CAD")
    etransfer_recipient = models.EmailField(
        _("e-Transfer recipient"), default="administration@institutfrancais.ca"
    )
    etransfer_memo = models.CharField(
        _("e-Transfer memo text"),
        max_length=100,
        default="TAPIF application fee",
        help_text=_("The candidate adds their candidate number after this text."),
    )
    monthly_gross_salary = models.DecimalField(
        _("gross monthly salary"), max_digits=8, decimal_places=2, default=Decimal("1036.21")
    )
    salary_currency = models.CharField(_("salary currency"), max_length=3, default="EUR")
    overseas_supplement_min_percent = models.PositiveSmallIntegerField(
        _("overseas supplement, minimum (%)"),
        default=30,
        validators=[MaxValueValidator(100)],
    )
    overseas_supplement_max_percent = models.PositiveSmallIntegerField(
        _("overseas supplement, maximum (%)"),
        default=35,
        validators=[MaxValueValidator(100)],
    )
    total_positions = models.PositiveIntegerField(
        _("positions offered"), default=100, validators=[MinValueValidator(1)]
    )
    results_release_date = models.DateField(_("results released on"))
    offer_response_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"), default=14, validators=[MinValueValidator(1)]
    )
    # Scheduled e-mails (the Celery beat schedule is static; what is sent, and when, is read here).
    deadline_reminder_days = models.CharField(
        _("deadline reminders (days before applications close)"),
        max_length=40,
        default="14,7,2,0",
        validators=[validate_day_list],
        blank=True,
        help_text=_(
            "Days before the close, separated by commas, for example 14,7,2,0 (0: the morning "
            "of the last day). Candidates whose dossier is not submitted are told what is "
            "missing. Leave empty to send none."
        ),
    )
    language_test_reminder_days = models.CharField(
        _("French test reminders (days before results are due)"),
        max_length=40,
        default="14,3",
        validators=[validate_day_list],
        blank=True,
        help_text=_(
            "Sent to candidates proving their French by an official test whose result is not "
            "verified yet. Leave empty to send none."
        ),
    )
    evaluator_reminder_after_days = models.PositiveSmallIntegerField(
        _("first evaluator reminder (days after the invitation)"),
        default=7,
        validators=[MinValueValidator(1)],
    )
    evaluator_reminder_every_days = models.PositiveSmallIntegerField(
        _("then an evaluator reminder every (days)"), default=7, validators=[MinValueValidator(1)]
    )
    evaluator_reminder_max = models.PositiveSmallIntegerField(
        _("evaluator reminders at most"),
        default=3,
        validators=[MaxValueValidator(10)],
        help_text=_(
            "With the last one, the candidate is advised to replace the evaluator. 0 sends none."
        ),
    )
    unopened_invitation_days = models.PositiveSmallIntegerField(
        _("invitation not opened: tell the candidate after (days)"),
        default=4,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "Calendar days after the invitation was delivered, in the campaign's time zone."
        ),
    )
    correction_reminder_days = models.CharField(
        _("correction reminders (days before the window to replace a document closes)"),
        max_length=40,
        default="3",
        validators=[validate_day_list],
        blank=True,
        help_text=_(
            "Sent to candidates whose dossier is incomplete because a document was rejected "
            "and not replaced yet. Leave empty to send none."
        ),
    )
    offer_reminder_days = models.CharField(
        _("offer reminders (days before the answer is due)"),
        max_length=40,
        default="3",
        validators=[validate_day_list],
        blank=True,
        help_text=_("Sent while the offer is not answered. Leave empty to send none."),
    )
    results_messages_per_minute = models.PositiveIntegerField(
        _("result e-mails per minute"),
        default=120,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
        help_text=_("The results release sends at most this many e-mails a minute."),
    )
    contact_email = models.EmailField(_("programme contact"), default="tapif@institutfrancais.ca")
    participating_countries = models.JSONField(
        _("participating countries"),
        default=default_participating_countries,
        blank=True,
        help_text=_(
            "ISO 3166 two-letter codes. A permanent resident of Canada must be a citizen of one "
            "of these countries."
        ),
    )
    # Fair merit (selection.calibration): whether reviewers' scores are calibrated per reviewer.
    merit_calibration = models.CharField(
        _("calibrate reviewers' scores"),
        max_length=12,
        choices=[
            ("none", _("No: the scores as the reviewers gave them")),
            ("standardise", _("Per reviewer: standardised onto the common scale")),
        ],
        default="none",
        help_text=_(
            "Standardised: each score becomes how far it sits above the reviewer's own average, "
            "in their own spread, put back on the mean and spread of all reviews, so a harsh or "
            "a lenient reviewer weighs like the others. The committee's preview shows both."
        ),
    )
    calibration_min_reviews = models.PositiveSmallIntegerField(
        _("reviews needed to calibrate a reviewer"),
        default=5,
        validators=[MinValueValidator(2)],
        help_text=_("A reviewer with fewer submitted reviews keeps their scores as given."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Retention policy (docs/privacy.md): how long the candidates' data is kept; applied every
    # day by the retention job (tapif.core.privacy) and printed on the privacy page.
    retention_not_selected_months = models.PositiveSmallIntegerField(
        _("documents of dossiers not selected, kept (months after the results)"),
        default=6,
        validators=[MaxValueValidator(120)],
        help_text=_(
            "The files of every submitted dossier that did not lead to a contract (not "
            "selected, ineligible, withdrawn, declined) are deleted this long after the results."
        ),
    )
    retention_assistant_months = models.PositiveSmallIntegerField(
        _("documents of assistants, kept (months after the contract ends)"),
        default=12,
        validators=[MaxValueValidator(120)],
    )
    retention_draft_days = models.PositiveSmallIntegerField(
        _("dossiers never submitted, kept (days after applications close)"),
        default=30,
        validators=[MinValueValidator(15), MaxValueValidator(730)],
        help_text=_(
            "A draft never submitted is then deleted with its files; its candidate is told by "
            "e-mail two weeks before."
        ),
    )
    retention_identity_years = models.PositiveSmallIntegerField(
        _("identity kept (years after the contract ends)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_(
            "Then the dossier is anonymised: only a keyed fingerprint of the identity, the "
            "school year and the outcome stay, so that the lifetime limit on participations "
            "still applies."
        ),
    )

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-opens_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="core_campaign_single_current",
                violation_error_message=_("Only one campaign can be current."),
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="core_campaign_closes_after_opening",
                violation_error_message=_("Applications must close after they open."),
            ),
            models.CheckConstraint(
                condition=models.Q(contract_end__gt=models.F("contract_start")),
                name="core_campaign_contract_ends_after_start",
                violation_error_message=_("The contract must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(max_age__gt=models.F("min_age")),
                name="core_campaign_age_bounds_ordered",
                violation_error_message=_("The maximum age must be above the minimum age."),
            ),
            models.CheckConstraint(
                condition=models.Q(fee_amount__gt=0),
                name="core_campaign_fee_positive",
                violation_error_message=_("The application fee must be positive."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    overseas_supplement_max_percent__gte=models.F("overseas_supplement_min_percent")
                ),
                name="core_campaign_supplement_bounds_ordered",
                violation_error_message=_(
                    "The maximum overseas supplement cannot be below the minimum."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.school_year

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def age_reference_date(self) -> dt.date:
        """Age limits apply on the first day of the contract (1 October)."""
        return self.contract_start

    @property
    def contract_months(self) -> int:
        start, end = self.contract_start, self.contract_end
        return (end.year - start.year) * 12 + end.month - start.month + (end.day >= start.day)

    def is_open(self, at: dt.datetime | None = None) -> bool:
        moment = at or timezone.now()
        return self.opens_at <= moment and not self.has_closed(moment)

    def has_closed(self, at: dt.datetime | None = None) -> bool:
        """Once the minute of the close is over (`tapif.core.schedule.deadline_passed`)."""
        return deadline_passed(self.closes_at, at or timezone.now())

    def local(self, moment: dt.datetime) -> dt.datetime:
        """A moment in the campaign's own time zone, for display."""
        return moment.astimezone(self.zone)

    @property
    def deadline_reminder_day_list(self) -> list[int]:
        return parse_day_list(self.deadline_reminder_days)

    @property
    def language_test_reminder_day_list(self) -> list[int]:
        return parse_day_list(self.language_test_reminder_days)

    @property
    def correction_reminder_day_list(self) -> list[int]:
        return parse_day_list(self.correction_reminder_days)

    @property
    def offer_reminder_day_list(self) -> list[int]:
        return parse_day_list(self.offer_reminder_days)

    def etransfer_memo_for(self, candidate_number: str) -> str:
        return f"{self.etransfer_memo} {candidate_number}"


class Academie(models.Model):
    """A French regional education authority that receives assistants."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_overseas = models.BooleanField(_("overseas"), default=False)
    has_salary_supplement = models.BooleanField(
        _("overseas salary supplement"),
        default=False,
        help_text=_("Assistants placed here receive the campaign's overseas supplement."),
    )
    is_active = models.BooleanField(
        _("receives assistants"),
        default=True,
        help_text=_("Inactive académies cannot be chosen by candidates."),
    )

    class Meta:
        verbose_name = _("académie")
        verbose_name_plural = _("académies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AuditEntry(models.Model):
    """Who did what to which record, and when: one row per action, never edited."""

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("record type"), max_length=80)
    target_id = models.CharField(_("record"), max_length=40)
    target_repr = models.CharField(_("record name"), max_length=200, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # The candidate number of the dossier the record belongs to, so a dossier's whole history
    # (its documents, payments, reviews…) reads in one query.
    dossier = models.CharField(_("dossier"), max_length=16, blank=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}#{self.target_id}"


class Institution(models.Model):
    """A university or college that candidates and professors choose from.

    Candidates, professors and institution contacts may ask for a missing one; staff approve it
    before it appears in the list.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        COLLEGE = "college", _("College")

    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(
        _("province or territory"),
        max_length=2,
        choices=[
            ("AB", "Alberta"),
            ("BC", "British Columbia / Colombie-Britannique"),
            ("MB", "Manitoba"),
            ("NB", "New Brunswick / Nouveau-Brunswick"),
            ("NL", "Newfoundland and Labrador / Terre-Neuve-et-Labrador"),
            ("NS", "Nova Scotia / Nouvelle-Écosse"),
            ("NT", "Northwest Territories / Territoires du Nord-Ouest"),
            ("NU", "Nunavut"),
            ("ON", "Ontario"),
            ("PE", "Prince Edward Island / Île-du-Prince-Édouard"),
            ("QC", "Québec"),
            ("SK", "Saskatchewan"),
            ("YT", "Yukon"),
            ("XX", _("Outside Canada")),
        ],
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.UNIVERSITY)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The chain of trust of evaluations: a professor whose verified address is on one of these
    # domains is vouched for by the institution. Only staff holding `approve_email_domains`
    # write it (through `institution_set_email_domains`), so the list is approved as written.
    email_domains = models.TextField(
        _("approved e-mail domains"),
        blank=True,
        validators=[validate_email_domains],
        help_text=_(
            "One domain per line, for example uottawa.ca. Only the staff's own domains: never "
            "a domain students also receive addresses on."
        ),
    )
    domains_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("domains approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    domains_approved_at = models.DateTimeField(
        _("domains approved"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name"]
        permissions = [
            ("approve_email_domains", _("Can approve an institution's e-mail domains")),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "city", name="core_institution_unique_name_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def approved_domains(self) -> list[str]:
        """The domains staff approved (empty unless an approver is recorded)."""
        if self.domains_approved_at is None or self.status != self.Status.APPROVED:
            return []
        return email_domains_parse(self.email_domains)


class AcademieCutoff(models.Model):
    """How competitive an académie was at one school level in a campaign's frozen round.

    Reference data that candidates read when they choose their académies the next year: the
    places, the requests (first choice, any choice) and the rank of the last candidate placed
    there. Written only by `tapif.core.services.cutoffs_record`, which the committee's freeze
    calls; a later frozen round of the same campaign replaces the campaign's rows.
    """

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="cutoffs"
    )
    academie = models.ForeignKey(
        Academie, verbose_name=_("académie"), on_delete=models.PROTECT, related_name="cutoffs"
    )
    level = models.CharField(_("school level"), max_length=10, choices=SchoolLevel.choices)
    places = models.PositiveIntegerField(_("places"))
    last_rank_placed = models.PositiveIntegerField(
        _("rank of the last candidate placed"), null=True, blank=True
    )
    first_choice_requests = models.PositiveIntegerField(_("first-choice requests"), default=0)
    any_choice_requests = models.PositiveIntegerField(_("requests (any choice)"), default=0)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("académie cut-off")
        verbose_name_plural = _("académie cut-offs")
        ordering = ["campaign", "academie__name", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "academie", "level"], name="core_one_cutoff_per_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.academie} · {self.get_level_display()}"


class OutboundMessage(models.Model):
    """An e-mail the system sends, written in the same transaction as the change causing it.

    A Celery task delivers it after commit; a beat job re-queues what stays pending, so a broker
    outage or a crashed worker delays mail but loses none. `dedup_key` makes a message unique:
    a retried job, a re-run or a double click never writes it twice. The context holds values
    and references to records (re-read at delivery); keys listed in `secret_keys` (a link with
    a token, say) are erased once the message is sent or has failed for good.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    created_at = models.DateTimeField(_("written"), default=timezone.now, db_index=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    to_email = models.EmailField(_("to"))
    reply_to = models.EmailField(_("reply to"), blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    template = models.CharField(_("message"), max_length=120, db_index=True)
    context = models.JSONField(default=dict, blank=True)
    secret_keys = models.JSONField(default=list, blank=True)
    dedup_key = models.CharField(
        _("unique key"), max_length=200, null=True, blank=True, unique=True
    )
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dossier = models.CharField(_("dossier"), max_length=16, blank=True, db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mail outbox")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        permissions = [("resend_outboundmessage", _("Can send a failed e-mail again"))]

    def __str__(self) -> str:
        return f"{self.template} → {self.to_email}"


class JobRun(models.Model):
    """One run of a scheduled job: when it ran and what it did, for staff to check."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.CharField(_("job"), max_length=60, db_index=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    summary = models.JSONField(_("what it did"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    # Runs with nothing to do in a row are one row (the frequent jobs would fill the table).
    repeats = models.PositiveIntegerField(_("runs"), default=1)

    class Meta:
        verbose_name = _("scheduled job run")
        verbose_name_plural = _("scheduled job runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"


def letter_upload_to(instance: IssuedLetter, filename: str) -> str:
    # A generated name under the private prefix: nothing a person typed reaches the path.
    day = instance.issued_at or timezone.now()
    return f"letters/{instance.kind}/{day:%Y}/{instance.code}.pdf"


class IssuedLetter(models.Model):
    """An official PDF the programme issued: a dossier summary, an acceptance letter, an
    attestation, a committee's ranked list.

    Written only by `tapif.core.letters.letter_issue`, cached by content: the same content for
    the same kind, owner and language is the same letter (one file, one verification code).
    The code and its address are printed on the letter; `facts` holds what the letter states
    (name, académie, dates, amounts) so that staff can check a letter shown to them against the
    record. The file is private: served only by views that check permission first.
    """

    class Kind(models.TextChoices):
        DOSSIER_SUMMARY = "dossier_summary", _("Dossier summary")
        ACCEPTANCE = "acceptance", _("Acceptance letter")
        ATTESTATION = "attestation", _("Attestation for a student-loan organisation")
        RANKED_LIST = "ranked_list", _("Committee's ranked list")

    kind = models.CharField(_("letter"), max_length=20, choices=Kind.choices, db_index=True)
    code = models.CharField(_("verification code"), max_length=10, unique=True, editable=False)
    content_sha256 = models.CharField(_("content (SHA-256)"), max_length=64, editable=False)
    file = models.FileField(_("file"), upload_to=letter_upload_to, max_length=300, editable=False)
    file_sha256 = models.CharField(_("file (SHA-256)"), max_length=64, editable=False)
    size = models.PositiveIntegerField(_("size (bytes)"), editable=False)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    template = models.CharField(_("template"), max_length=120, editable=False)
    number = models.CharField(_("candidate number"), max_length=16, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
        help_text=_("Empty for staff documents (the committee's ranked list)."),
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now, db_index=True)
    facts = models.JSONField(_("what it states"), default=dict, blank=True, editable=False)
    # Retention: the file deleted and the facts forgotten with the dossier's identity.
    erased_at = models.DateTimeField(_("file deleted"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("issued letter")
        verbose_name_plural = _("issued letters")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "owner", "language", "content_sha256"],
                condition=models.Q(owner__isnull=False),
                name="core_letter_one_per_content",
            ),
            models.UniqueConstraint(
                fields=["kind", "language", "content_sha256"],
                condition=models.Q(owner__isnull=True),
                name="core_staff_letter_one_per_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number or ''} {self.display_code}".strip()

    @property
    def display_code(self) -> str:
        """The code as printed: two groups of five (ABCDE-FGHJK)."""
        return f"{self.code[:5]}-{self.code[5:]}"


class StaffInvitation(models.Model):
    """A staff member's set-up link: set a password and the second factor, once.

    Whoever makes an account staff sends one (`tapif.core.services.staff_invite`); the e-mail
    carries a random token of which only the hash is kept. A link works once, until
    `expires_at`; sending a new one revokes the previous (at most one open link per account,
    which the database enforces).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="staff_invitations",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff set-up link")
        verbose_name_plural = _("staff set-up links")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(used_at__isnull=True, revoked_at__isnull=True),
                name="core_staffinvitation_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.created_at:%Y-%m-%d %H:%M})"

    def is_usable(self, now: dt.datetime) -> bool:
        """Neither used nor replaced, and not expired at `now`."""
        return (
            self.used_at is None
            and self.revoked_at is None
            and not deadline_passed(self.expires_at, now)
        )
