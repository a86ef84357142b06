"""Staff screens for the application fee: payments, bank lines and bank statement imports.

Read-only by design: staff never type an amount or a status. Every write is a service call:
- on payments, three actions (`payments.verify_payment`): verify the matched ones
  (`payments_verify_matched`), reject with a reason (`payment_reject`), mark as refunded
  (`payment_refund`);
- on an unmatched bank line, "assign to a dossier" (`bank_line_assign`,
  `payments.import_statement`), typed as staff say the number (`ca27 00042`, `00042`);
- the "add" page of statement imports is the CSV upload (`statement_import`,
  `payments.import_statement`), with a dry run that changes nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from payments import matching
from payments.choices import LineOutcome, PaymentStatus, RejectionReason
from payments.messages import column_names
from payments.models import BankLine, Payment, StatementImport
from payments.services import (
    bank_line_assign,
    payment_refund,
    payment_reject,
    payment_verifiable,
    payment_verify,
    statement_import,
)
from tapif.core.admin_actions import Confirmation, action_data, admin_action
from tapif.core.admin_display import ReadOnlyAdmin, ReasonForm, html_table, short_date
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.selectors import campaign_current

VERIFY_PERMISSION = "payments.verify_payment"
IMPORT_PERMISSION = "payments.import_statement"
MAX_STATEMENT_SIZE = 5 * 1024 * 1024


# --- small helpers (every value goes through format_html, so it is escaped) --------------------


def _money(amount, currency: str) -> str:
    return f"{formats.number_format(amount, 2)} {currency}"


def explanation(line: BankLine) -> str:
    """Why the line went where it did, in the staff member's language."""
    return explain_message(line.explanation) or "—"


def statement_error_message(error: matching.StatementError) -> str:
    """A file the reader refused, named by line and column, in the staff member's language."""
    detail = explain_message(error.message)
    column = error.column and column_names(name.strip() for name in error.column.split(","))
    if column:
        return gettext("Line %(line)d, column %(column)s: %(message)s") % {
            "line": error.line_number,
            "column": column,
            "message": detail,
        }
    return gettext("Line %(line)d: %(message)s") % {
        "line": error.line_number,
        "message": detail,
    }


def _sender(line: BankLine) -> str:
    if line.sender_email:
        return format_html("{} ({})", line.sender_name or "—", line.sender_email)
    return line.sender_name or "—"


def _dossier_link(application: Application | None) -> str:
    if application is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:candidates_application_change", args=[application.pk]),
        application.number,
    )


def _line_link(line: BankLine, text: Any) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:payments_bankline_change", args=[line.pk]), text
    )


def _changelist_url(model_name: str, **filters: Any) -> str:
    url = reverse(f"admin:payments_{model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


# --- Payment ------------------------------------------------------------------------------------


class DeclaredFilter(admin.SimpleListFilter):
    """Declared by the candidate, or only reported by the bank (no declaration yet)."""

    title = _("declared by the candidate")
    parameter_name = "declared"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(declared_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(declared_at__isnull=True)
        return queryset


class RejectForm(ReasonForm):
    reasons = RejectionReason
    reason_help = _("The candidate reads this reason in an e-mail and on their dossier.")


class RefundForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the candidate"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_(
            "Optional: how and when the money was sent back. The candidate reads it in an e-mail."
        ),
    )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "dossier_number",
        "candidate_name",
        "candidate_email",
        "amount_display",
        "sent_on",
        "reference_number",
        "status",
        "duplicate",
        "bank_line_outcome",
        "declared_at",
    ]
    list_filter = ["status", "duplicate", DeclaredFilter, "application__campaign"]
    search_fields = [
        "application__number",
        "application__candidate__first_name",
        "application__candidate__last_name",
        "application__candidate__email",
        "reference_number",
        "sender_name",
    ]
    list_select_related = ["application__candidate", "bank_line"]
    date_hierarchy = "created_at"
    actions = ["verify_matched", "reject", "mark_refunded"]
    readonly_fields = [
        "dossier_display",
        "candidate_display",
        "status",
        "duplicate",
        "amount_display",
        "sent_on",
        "sender_name",
        "reference_number",
        "memo",
        "receipt_display",
        "declared_at",
        "created_at",
        "updated_at",
        "rejection_reason",
        "rejection_note",
        "decided_by",
        "decided_at",
        "bank_line_display",
        "dossier_lines_display",
    ]
    fieldsets = [
        (
            _("Payment"),
            {
                "fields": [
                    "dossier_display",
                    "candidate_display",
                    ("status", "duplicate"),
                    ("amount_display", "sent_on"),
                    ("sender_name", "reference_number"),
                    "memo",
                    "receipt_display",
                    ("declared_at", "created_at", "updated_at"),
                ]
            },
        ),
        (
            _("Decision"),
            {"fields": [("rejection_reason", "decided_by", "decided_at"), "rejection_note"]},
        ),
        (_("Bank"), {"fields": ["bank_line_display", "dossier_lines_display"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related, "receipt", "decided_by")
        )

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm(VERIFY_PERMISSION)

    # --- list columns ---------------------------------------------------------------------------

    @admin.display(description=_("candidate number"), ordering="application__number")
    def dossier_number(self, obj: Payment) -> str:
        return obj.application.number

    @admin.display(description=_("candidate"), ordering="application__candidate__last_name")
    def candidate_name(self, obj: Payment) -> str:
        return obj.application.candidate.get_full_name()

    @admin.display(description=_("e-mail address"), ordering="application__candidate__email")
    def candidate_email(self, obj: Payment) -> str:
        return obj.application.candidate.email

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return _money(obj.amount, obj.currency)

    @admin.display(description=_("bank line"), ordering="bank_line__outcome")
    def bank_line_outcome(self, obj: Payment) -> str:
        return obj.bank_line.get_outcome_display() if obj.bank_line_id else "—"

    # --- change page ----------------------------------------------------------------------------

    @admin.display(description=_("dossier"))
    def dossier_display(self, obj: Payment) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:candidates_application_change", args=[obj.application_id]),
            gettext("Dossier %(number)s and its timeline") % {"number": obj.application.number},
        )

    @admin.display(description=_("candidate"))
    def candidate_display(self, obj: Payment) -> str:
        candidate = obj.application.candidate
        return format_html(
            '{} &lt;<a href="mailto:{}">{}</a>&gt;',
            candidate.get_full_name(),
            candidate.email,
            candidate.email,
        )

    @admin.display(description=_("receipt"))
    def receipt_display(self, obj: Payment) -> str:
        if obj.receipt is None:
            return gettext("No receipt: the bank reported this payment, the candidate did not.")
        return format_html(
            '<a href="{}">{}</a> ({}, {})',
            reverse("candidates:document_download", args=[obj.receipt_id]),
            obj.receipt.original_name,
            filesizeformat(obj.receipt.size),
            short_date(obj.receipt.uploaded_at),
        )

    @admin.display(description=_("bank line"))
    def bank_line_display(self, obj: Payment) -> str:
        line = obj.bank_line
        if line is None:
            return gettext("No bank line yet: the e-Transfer is not in an imported statement.")
        return html_table(
            [
                _("date"),
                _("amount"),
                _("sender"),
                _("reference number"),
                _("message"),
                _("outcome"),
                _("explanation"),
            ],
            [
                (
                    _line_link(line, short_date(line.received_on)),
                    _money(line.amount, line.currency),
                    _sender(line),
                    line.reference_number,
                    line.message or "—",
                    line.get_outcome_display(),
                    explanation(line),
                )
            ],
            empty="",
        )

    @admin.display(description=_("every bank line of the dossier"))
    def dossier_lines_display(self, obj: Payment) -> str:
        lines = BankLine.objects.filter(application_id=obj.application_id).order_by(
            "received_on", "pk"
        )
        rows = [
            (
                _line_link(line, short_date(line.received_on)),
                _money(line.amount, line.currency),
                line.reference_number,
                line.get_outcome_display(),
                line.get_matched_by_display() or "—",
                explanation(line),
                gettext("this payment") if line.pk == obj.bank_line_id else "—",
            )
            for line in lines
        ]
        return html_table(
            [
                _("date"),
                _("amount"),
                _("reference number"),
                _("outcome"),
                _("found by"),
                _("explanation"),
                _("payment"),
            ],
            rows,
            empty=_("No bank line is assigned to this dossier."),
        )

    # --- actions --------------------------------------------------------------------------------

    def _selected(self, queryset) -> list[Payment]:
        return list(
            queryset.select_related("application__candidate", "application__campaign").order_by(
                "application__number", "pk"
            )
        )

    def _confirmation(self, *, title, intro, submit) -> Confirmation:
        return Confirmation(
            title=title,
            intro=intro,
            submit=submit,
            headers=[
                _("Candidate number"),
                _("Candidate"),
                _("Amount"),
                _("Reference number"),
                _("Status"),
            ],
            cells=lambda payment: [
                payment.application.number,
                payment.application.candidate.get_full_name(),
                _money(payment.amount, payment.currency),
                payment.reference_number or "—",
                payment.get_status_display()
                + (f" ({gettext('duplicate: to refund')})" if payment.duplicate else ""),
            ],
            heading=ngettext_lazy(
                "The selected payment", "The %(counter)s selected payments", "counter"
            ),
        )

    @admin.action(
        description=_("Verify the selected matched payments"),
        permissions=["verify"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def verify_matched(self, request, queryset):
        """`payment_verify` for each matched payment; the others are skipped."""
        return admin_action(
            self,
            request,
            self._selected(queryset),
            skip=lambda payment: not payment_verifiable(payment),
            call=lambda payment: payment_verify(payment=payment, actor=request.user),
            refused=_("%(number)s: the payment was not verified: %(reason)s"),
            names=lambda payment: {"number": payment.application.number},
            done=ngettext_lazy(
                "%(count)d payment verified: its candidate is told by e-mail.",
                "%(count)d payments verified: each candidate is told by e-mail.",
                "count",
            ),
            skipped=ngettext_lazy(
                "%(count)d payment skipped: only a matched payment that is not a duplicate "
                "can be verified.",
                "%(count)d payments skipped: only a matched payment that is not a duplicate "
                "can be verified.",
                "count",
            ),
            skipped_level=messages.WARNING,
        )

    @admin.action(
        description=_("Reject the selected payments (with a reason)"),
        permissions=["verify"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def reject(self, request, queryset):
        """Ask for the reason (and a note for "other"), then call `payment_reject` for each."""
        form = RejectForm(action_data(request))
        return admin_action(
            self,
            request,
            self._selected(queryset),
            form=form,
            confirm=self._confirmation(
                title=gettext("Reject payments"),
                intro=gettext(
                    "The candidate is told by e-mail, with the reason and your note, and can "
                    "declare a payment again. A duplicate is refunded, not rejected."
                ),
                submit=gettext("Reject"),
            ),
            call=lambda payment: payment_reject(
                payment=payment,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            refused=_("%(number)s: the payment was not rejected: %(reason)s"),
            names=lambda payment: {"number": payment.application.number},
            done=ngettext_lazy(
                "%(count)d payment rejected: its candidate is told why by e-mail.",
                "%(count)d payments rejected: each candidate is told why by e-mail.",
                "count",
            ),
        )

    @admin.action(
        description=_("Mark the selected payments as refunded"),
        permissions=["verify"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def mark_refunded(self, request, queryset):
        """Record that the money was sent back (optional note), with `payment_refund` for each."""
        form = RefundForm(action_data(request))
        return admin_action(
            self,
            request,
            self._selected(queryset),
            form=form,
            confirm=self._confirmation(
                title=gettext("Mark payments as refunded"),
                intro=gettext(
                    "Do this once the money has been sent back. Only a duplicate, or a rejected "
                    "payment that was received, can be refunded. The candidate is told by e-mail."
                ),
                submit=gettext("Mark as refunded"),
            ),
            call=lambda payment: payment_refund(
                payment=payment, actor=request.user, note=form.cleaned_data["note"]
            ),
            refused=_("%(number)s: the payment was not marked as refunded: %(reason)s"),
            names=lambda payment: {"number": payment.application.number},
            done=ngettext_lazy(
                "%(count)d payment marked as refunded.",
                "%(count)d payments marked as refunded.",
                "count",
            ),
        )


# --- BankLine -----------------------------------------------------------------------------------


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to a dossier")
    parameter_name = "assigned"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(application__isnull=False)
        if self.value() == "no":
            return queryset.filter(application__isnull=True)
        return queryset


class AssignForm(forms.Form):
    """A candidate number as staff type it, read against the line's campaign."""

    number = forms.CharField(
        label=_("Candidate number"),
        max_length=40,
        help_text=_("For example CA27-00042, ca27 00042 or just 00042."),
    )

    def __init__(self, *args, line: BankLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line

    def clean_number(self) -> Application:
        typed = self.cleaned_data["number"]
        campaign = self.line.campaign
        number = matching.normalise_candidate_number(typed, campaign.code)
        if number is None:
            raise forms.ValidationError(
                gettext("“%(typed)s” is not a candidate number: type %(example)s or %(short)s.")
                % {
                    "typed": typed,
                    "example": matching.canonical_number(campaign.code, 42),
                    "short": "00042",
                }
            )
        application = (
            Application.objects.select_related("candidate", "campaign")
            .filter(campaign=campaign, number=number)
            .first()
        )
        if application is None:
            raise forms.ValidationError(
                gettext("There is no dossier %(number)s in the campaign %(campaign)s.")
                % {"number": number, "campaign": campaign}
            )
        return application


@admin.register(BankLine)
class BankLineAdmin(ReadOnlyAdmin):
    list_display = [
        "received_on",
        "amount_display",
        "currency",
        "sender_name",
        "sender_email",
        "reference_number",
        "message",
        "outcome",
        "matched_by",
        "dossier_number",
        "statement",
    ]
    list_filter = ["outcome", "matched_by", "campaign", AssignedFilter]
    search_fields = [
        "reference_number",
        "sender_name",
        "sender_email",
        "message",
        "application__number",
    ]
    list_select_related = ["application", "statement"]
    date_hierarchy = "received_on"
    readonly_fields = [
        "received_on",
        "amount_display",
        "sender_name",
        "sender_email",
        "reference_number",
        "message",
        "outcome",
        "matched_by",
        "explanation_display",
        "dossier_display",
        "payment_display",
        "assigned_by",
        "assigned_at",
        "statement_display",
        "line_number",
        "campaign",
    ]
    fieldsets = [
        (
            _("What the bank reported"),
            {
                "fields": [
                    ("received_on", "amount_display"),
                    ("sender_name", "sender_email"),
                    "reference_number",
                    "message",
                ]
            },
        ),
        (
            _("Outcome"),
            {
                "fields": [
                    ("outcome", "matched_by"),
                    "explanation_display",
                    "dossier_display",
                    "payment_display",
                    ("assigned_by", "assigned_at"),
                ]
            },
        ),
        (
            pgettext_lazy("section heading", "Import"),
            {"fields": [("statement_display", "line_number"), "campaign"]},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related, "campaign", "assigned_by")
        )

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)

    def get_urls(self):
        assign = path(
            "<int:object_id>/assign/",
            self.admin_site.admin_view(self.assign_view),
            name="payments_bankline_assign",
        )
        return [assign, *super().get_urls()]

    # --- columns and fields ---------------------------------------------------------------------

    @admin.display(description=_("amount"), ordering="amount")
    def amount_display(self, obj: BankLine) -> str:
        return _money(obj.amount, obj.currency)

    @admin.display(description=_("candidate number"), ordering="application__number")
    def dossier_number(self, obj: BankLine) -> str:
        return obj.application.number if obj.application_id else "—"

    @admin.display(description=_("explanation"))
    def explanation_display(self, obj: BankLine) -> str:
        return explanation(obj)

    @admin.display(description=_("dossier"))
    def dossier_display(self, obj: BankLine) -> str:
        if obj.application is None:
            return gettext("No dossier")
        return _dossier_link(obj.application)

    @admin.display(description=_("payment"))
    def payment_display(self, obj: BankLine) -> str:
        payment = Payment.objects.filter(bank_line=obj).first()
        if payment is None:
            return "—"
        label = payment.get_status_display()
        if payment.duplicate:
            label = gettext("%(status)s, duplicate: to refund") % {"status": label}
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:payments_payment_change", args=[payment.pk]),
            label,
        )

    @admin.display(description=_("import"))
    def statement_display(self, obj: BankLine) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:payments_statementimport_change", args=[obj.statement_id]),
            obj.statement,
        )

    # --- assigning an unmatched line ------------------------------------------------------------

    def _can_assign(self, request, line: BankLine) -> bool:
        return line.outcome == LineOutcome.UNMATCHED and self.has_import_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        line = self.get_object(request, object_id)
        if line is not None and self._can_assign(request, line):
            extra_context["assign_form"] = AssignForm(line=line)
            extra_context["assign_url"] = reverse("admin:payments_bankline_assign", args=[line.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def assign_view(self, request, object_id: int):
        """GET shows the form; POST gives the unmatched line its dossier (`bank_line_assign`)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        line = get_object_or_404(self.get_queryset(request), pk=object_id)
        change_url = reverse("admin:payments_bankline_change", args=[line.pk])
        if line.outcome != LineOutcome.UNMATCHED:
            self.message_user(
                request, gettext("Only an unmatched line can be assigned."), messages.ERROR
            )
            return redirect(change_url)
        form = AssignForm(request.POST if request.method == "POST" else None, line=line)
        if form.is_valid():
            application = form.cleaned_data["number"]
            try:
                line = bank_line_assign(line=line, application=application, actor=request.user)
            except DomainError as error:
                form.add_error("number", error.message)
            else:
                self.message_user(
                    request,
                    gettext("Line assigned to dossier %(number)s: %(outcome)s. %(explanation)s")
                    % {
                        "number": application.number,
                        "outcome": line.get_outcome_display(),
                        "explanation": explanation(line),
                    },
                    messages.SUCCESS,
                )
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Assign a bank line to a dossier"),
            "opts": self.opts,
            "original": line,
            "line_amount": _money(line.amount, line.currency),
            "form": form,
            "change_url": change_url,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/payments/bankline/assign.html", context)


# --- StatementImport ----------------------------------------------------------------------------


class StatementUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bank export (CSV)"),
        help_text=_("UTF-8 CSV, at most 5 MB: the columns are described below."),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run (show what would happen, change nothing)"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STATEMENT_SIZE:
            raise forms.ValidationError(
                gettext("The file is %(size)s: a bank export must be at most %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(MAX_STATEMENT_SIZE)}
            )
        try:
            self.cleaned_data["text"] = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                gettext(
                    "The file is not UTF-8 text: save it again as “CSV UTF-8” from your "
                    "spreadsheet and upload it again."
                )
            ) from None
        return upload


COUNT_LABELS = [
    (LineOutcome.MATCHED, _("Matched")),
    (LineOutcome.AMOUNT_MISMATCH, _("Amount mismatch")),
    (LineOutcome.DUPLICATE, _("Duplicates: to refund")),
    (LineOutcome.UNMATCHED, _("Unmatched")),
]


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdmin):
    list_display = [
        "file_name",
        "imported_at",
        "imported_by",
        "matched",
        "amount_mismatch",
        "duplicate",
        "unmatched",
        "already_imported",
        "lines_read",
        "campaign",
        "lines_link",
    ]
    list_filter = ["campaign"]
    search_fields = ["file_name", "imported_by__email"]
    list_select_related = ["imported_by", "campaign"]
    date_hierarchy = "imported_at"
    readonly_fields = [
        "file_name",
        "imported_at",
        "imported_by",
        "campaign",
        "sha256",
        "lines_read",
        "already_imported",
        "matched",
        "amount_mismatch",
        "duplicate",
        "unmatched",
        "lines_display",
    ]
    fieldsets = [
        (
            pgettext_lazy("section heading", "Import"),
            {"fields": ["file_name", ("imported_at", "imported_by"), "campaign", "sha256"]},
        ),
        (
            _("Counts"),
            {
                "fields": [
                    ("lines_read", "already_imported"),
                    ("matched", "amount_mismatch", "duplicate", "unmatched"),
                ]
            },
        ),
        (_("Lines"), {"fields": ["lines_display"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request, obj=None):
        """Adding an import is uploading a bank export."""
        return request.user.has_perm(IMPORT_PERMISSION)

    @admin.display(description=_("lines"))
    def lines_link(self, obj: StatementImport) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            _changelist_url("bankline", statement__id__exact=obj.pk),
            gettext("See its lines"),
        )

    @admin.display(description=_("new lines"))
    def lines_display(self, obj: StatementImport) -> str:
        lines = obj.lines.select_related("application").order_by("line_number", "pk")
        rows = [
            (
                _line_link(line, line.line_number),
                short_date(line.received_on),
                _money(line.amount, line.currency),
                line.sender_name or "—",
                line.reference_number,
                line.get_outcome_display(),
                _dossier_link(line.application),
                explanation(line),
            )
            for line in lines
        ]
        table = html_table(
            [
                _("line"),
                _("date"),
                _("amount"),
                _("sender"),
                _("reference number"),
                _("outcome"),
                _("dossier"),
                _("explanation"),
            ],
            rows,
            empty=_("No new line: every line of the file had been imported before."),
        )
        link = format_html(
            '<p><a href="{}">{}</a></p>',
            _changelist_url("bankline", statement__id__exact=obj.pk),
            gettext("These lines in the bank line list"),
        )
        return format_html("{}{}", table, link)

    # --- the upload ------------------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        """The upload page: read the CSV, import it (or not, for a dry run), show the report."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        campaign = campaign_current()
        if request.method == "POST":
            form = StatementUploadForm(request.POST, request.FILES)
            if form.is_valid() and campaign is None:
                form.add_error(
                    None, gettext("There is no current campaign: set one up before importing.")
                )
            if form.is_valid():
                upload = form.cleaned_data["file"]
                dry_run = form.cleaned_data["dry_run"]
                try:
                    report = statement_import(
                        campaign=campaign,
                        text=form.cleaned_data["text"],
                        file_name=upload.name,
                        actor=request.user,
                        dry_run=dry_run,
                    )
                except matching.StatementError as error:
                    form.add_error("file", statement_error_message(error))
                else:
                    return self._report(request, report, campaign)
        else:
            form = StatementUploadForm()
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import a bank statement"),
            "opts": self.opts,
            "form": form,
            "campaign": campaign,
            "english_columns": ",".join(matching.COLUMNS),
            "french_columns": ",".join(matching.FRENCH_COLUMNS),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/payments/statementimport/upload.html", context)

    def _report(self, request, report, campaign):
        counts = report.counts
        rows = [
            {
                "line": result.line,
                "outcome": LineOutcome(result.outcome.value).label,
                "outcome_code": result.outcome.value,
                "dossier_number": result.dossier_number or "—",
                "explanation": explain_message(result.explanation),
            }
            for result in report.results
        ]
        if report.dry_run:
            self.message_user(
                request,
                gettext("Dry run of %(file)s: nothing was saved.") % {"file": report.file_name},
                messages.WARNING,
            )
        else:
            new_lines = len(report.results)
            self.message_user(
                request,
                ngettext(
                    "%(file)s imported: %(count)d new line.",
                    "%(file)s imported: %(count)d new lines.",
                    new_lines,
                )
                % {"file": report.file_name, "count": new_lines},
                messages.SUCCESS,
            )
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Bank statement: dry run")
            if report.dry_run
            else gettext("Bank statement imported"),
            "opts": self.opts,
            "report": report,
            "campaign": campaign,
            "counts": [(label, counts[outcome.value]) for outcome, label in COUNT_LABELS],
            "rows": rows,
            "unmatched_url": _changelist_url("bankline", outcome__exact=LineOutcome.UNMATCHED),
            "matched_url": _changelist_url("payment", status__exact=PaymentStatus.MATCHED),
            "lines_url": report.statement
            and _changelist_url("bankline", statement__id__exact=report.statement.pk),
            "statement_url": report.statement
            and reverse("admin:payments_statementimport_change", args=[report.statement.pk]),
        }
        return TemplateResponse(request, "admin/payments/statementimport/report.html", context)
