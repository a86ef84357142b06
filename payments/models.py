"""The application fee: what candidates declare, what the bank says, and how they meet.

A `Payment` is one e-Transfer for a dossier. The candidate declares it (details and receipt);
a `BankLine` imported from the programme's bank export confirms it (`matched`); staff then
verify it, or reject it with a reason the candidate reads. A second e-Transfer for a dossier
already paid becomes a payment of its own flagged `duplicate`, to refund. At most one payment
counts for a dossier at a time (a partial unique constraint), and a bank line is imported once
(a unique fingerprint), however many staff import the same file at the same moment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from payments.bankfile import FIELDS, Layout, header_key
from payments.choices import (
    LIVE_PAYMENT_STATUSES,
    DateOrder,
    DecimalSeparator,
    FileEncoding,
    LineOutcome,
    PaymentStatus,
    RejectionReason,
    Source,
    ThousandsSeparator,
)


class ImportProfile(models.Model):
    """How one bank lays out its export: which column holds which fact, the date order, the
    separators and the encoding (read by `payments.bankfile` as a `Layout`). A file is read
    with the profile whose saved header it has, else the one whose columns it has."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    #: A fact of `bankfile.FIELDS` -> the header names it may have (any one of them; for the
    #: description, all of them, joined).
    columns = models.JSONField(_("columns"), default=dict)
    date_order = models.CharField(
        _("date order"), max_length=3, choices=DateOrder.choices, blank=True
    )
    decimal_separator = models.CharField(
        _("decimal separator"), max_length=1, choices=DecimalSeparator.choices, blank=True
    )
    thousands_separator = models.CharField(
        _("thousands separator"), max_length=1, choices=ThousandsSeparator.choices, blank=True
    )
    encoding = models.CharField(
        _("encoding"), max_length=20, choices=FileEncoding.choices, blank=True
    )
    currency = models.CharField(
        _("currency of a file without a currency column"), max_length=3, default="CAD"
    )
    header_signature = models.TextField(
        _("header it was made from"),
        blank=True,
        help_text=_("A file with exactly this header is read with this profile."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("import profile")
        verbose_name_plural = _("import profiles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def signature_of(header: list[str]) -> str:
        return "|".join(header_key(cell) for cell in header)

    def layout(self) -> Layout:
        return Layout(
            name=self.name,
            columns={
                fact: tuple(names)
                for fact, names in (self.columns or {}).items()
                if fact in FIELDS and names
            },
            date_order=self.date_order,
            decimal_separator=self.decimal_separator,
            thousands_separator=self.thousands_separator,
            encoding=self.encoding,
            currency=self.currency,
            signature=self.header_signature,
        )


class StatementImport(models.Model):
    """One upload of a bank export, with what its lines became."""

    campaign = models.ForeignKey(
        "core.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="statement_imports",
    )
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    profile = models.ForeignKey(
        ImportProfile,
        verbose_name=_("import profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="imports",
    )
    lines_read = models.PositiveIntegerField(_("lines read"), default=0)
    already_imported = models.PositiveIntegerField(_("already imported"), default=0)
    matched = models.PositiveIntegerField(_("matched"), default=0)
    amount_mismatch = models.PositiveIntegerField(_("amount mismatch"), default=0)
    duplicate = models.PositiveIntegerField(_("duplicates"), default=0)
    unmatched = models.PositiveIntegerField(_("unmatched"), default=0)
    suggested = models.PositiveIntegerField(_("suggestions"), default=0)
    debits = models.PositiveIntegerField(_("debits skipped"), default=0)
    unreadable = models.PositiveIntegerField(_("unreadable lines left out"), default=0)

    class Meta:
        verbose_name = _("bank statement import")
        verbose_name_plural = _("bank statement imports")
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({timezone.localtime(self.imported_at):%Y-%m-%d %H:%M})"


class BankLine(models.Model):
    """A received e-Transfer as the bank reported it. Never edited, only assigned."""

    statement = models.ForeignKey(
        StatementImport,
        verbose_name=_("import"),
        on_delete=models.PROTECT,
        related_name="lines",
    )
    campaign = models.ForeignKey(
        "core.Campaign", verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+"
    )
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    line_number = models.PositiveIntegerField(_("line in the file"))
    received_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    sender_name = models.CharField(_("sender"), max_length=200, blank=True)
    sender_email = models.CharField(_("sender's e-mail"), max_length=254, blank=True)
    reference_number = models.CharField(_("reference number"), max_length=64, blank=True)
    message = models.TextField(_("message"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=LineOutcome.choices)
    note = models.TextField(_("staff note"), blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("settled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)
    matched_by = models.CharField(_("found by"), max_length=20, choices=Source.choices, blank=True)
    # Why the line went where it did: a message of `payments.matching`, worded where shown.
    explanation = models.JSONField(_("explanation"), default=dict, blank=True)
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bank_lines",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned"), null=True, blank=True)

    class Meta:
        verbose_name = _("bank line")
        verbose_name_plural = _("bank lines")
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["campaign", "outcome"])]

    def __str__(self) -> str:
        label = self.reference_number or self.sender_name or f"#{self.line_number}"
        return f"{self.received_on} · {self.amount} {self.currency} · {label}"


class Payment(models.Model):
    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("dossier"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PaymentStatus.choices,
        default=PaymentStatus.DECLARED,
        db_index=True,
    )
    duplicate = models.BooleanField(
        _("duplicate, to refund"),
        default=False,
        help_text=_("A second payment for a dossier already paid."),
    )
    # What the candidate declared (or, for a payment the bank reported first, what it said).
    amount = models.DecimalField(_("amount"), max_digits=9, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CAD")
    sent_on = models.DateField(_("date sent"))
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    reference_number = models.CharField(_("Interac reference number"), max_length=64, blank=True)
    memo = models.CharField(_("message as typed"), max_length=400, blank=True)
    receipt = models.ForeignKey(
        "candidates.Document",
        verbose_name=_("receipt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    bank_line = models.OneToOneField(
        BankLine,
        verbose_name=_("bank line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment",
    )
    rejection_reason = models.CharField(
        _("reason for rejection"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    rejection_note = models.TextField(_("note to the candidate"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-id"]
        permissions = [
            ("verify_payment", "Can verify, reject and refund payments"),
            ("import_statement", "Can import bank statements and assign bank lines"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=sorted(LIVE_PAYMENT_STATUSES), duplicate=False),
                name="payments_one_live_payment_per_dossier",
                violation_error_message=_("This dossier already has a payment."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status=PaymentStatus.REJECTED) | ~Q(rejection_reason=""),
                name="payments_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.amount} {self.currency} · {self.get_status_display()}"
