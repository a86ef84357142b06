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

import base64
import csv
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
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
from payments import bankfile, matching
from payments.bankfile import FIELDS, UnknownLayout
from payments.choices import (
    PAID_OUTCOMES,
    TO_REFUND_OUTCOMES,
    UNSETTLED_OUTCOMES,
    DateOrder,
    DecimalSeparator,
    FileEncoding,
    LineOutcome,
    PaymentStatus,
    RejectionReason,
    ThousandsSeparator,
)
from payments.messages import column_names
from payments.models import BankLine, ImportProfile, Payment, StatementImport
from payments.selectors import bank_lines_unsettled, reconciliation
from payments.services import (
    StatementProblems,
    bank_line_allows,
    bank_line_assign,
    bank_line_confirm,
    bank_line_dismiss,
    bank_line_not_fee,
    bank_line_refund,
    bank_line_return,
    bank_line_tell_mismatch,
    import_profile_save,
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
from tapif.core.models import Campaign
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


class SettlementFilter(admin.SimpleListFilter):
    """What staff have to do with a line: the duplicates to refund apart from the payments to
    verify, the suggestions apart from the lines nothing recognised."""

    title = _("to do")
    parameter_name = "todo"

    def lookups(self, request, model_admin):
        return [
            ("unsettled", _("Still to settle")),
            ("suggested", _("Suggestions to confirm")),
            ("unmatched", _("Unmatched")),
            ("mismatch", _("Wrong amount: tell the candidate")),
            ("verify", _("Payments to verify")),
            ("refund", _("To refund (duplicates, wrong amounts)")),
            ("settled", _("Settled")),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unsettled":
            return queryset.filter(outcome__in=sorted(UNSETTLED_OUTCOMES))
        if value == "suggested":
            return queryset.filter(outcome=LineOutcome.SUGGESTED)
        if value == "unmatched":
            return queryset.filter(outcome=LineOutcome.UNMATCHED)
        if value == "mismatch":
            return queryset.filter(outcome=LineOutcome.AMOUNT_MISMATCH)
        if value == "verify":
            return queryset.filter(
                outcome__in=sorted(PAID_OUTCOMES), payment__status=PaymentStatus.MATCHED
            )
        if value == "refund":
            return queryset.filter(outcome__in=sorted(TO_REFUND_OUTCOMES))
        if value == "settled":
            return queryset.exclude(outcome__in=sorted(UNSETTLED_OUTCOMES))
        return queryset


class LineNoteForm(forms.Form):
    """The note of a "returned to sender" or "refunded" action (optional)."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Optional: how and when the money was sent back."),
    )


class NotFeeForm(forms.Form):
    note = forms.CharField(
        label=_("What is this payment?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Required: kept on the line and in the reconciliation report."),
    )


#: Each bank line action, the outcome it moves a line to (it is offered only for the lines
#: whose outcome allows that move: `services.bank_line_allows`).
LINE_ACTION_TARGETS = {
    "confirm_suggestions": LineOutcome.CONFIRMED,
    "dismiss_suggestions": LineOutcome.UNMATCHED,
    "tell_mismatch": LineOutcome.MISMATCH_TOLD,
    "mark_lines_refunded": LineOutcome.REFUNDED,
    "mark_returned": LineOutcome.RETURNED,
    "mark_not_fee": LineOutcome.NOT_FEE,
}


def _line_action_applies(name: str, line: BankLine) -> bool:
    target = LINE_ACTION_TARGETS[name]
    if name == "dismiss_suggestions":
        return line.outcome == LineOutcome.SUGGESTED
    return bank_line_allows(line, target)


def _index_notice(request):
    """The admin's home: how many bank lines are still to settle (for who may see them)."""
    if not request.user.has_perm("payments.view_bankline"):
        return []
    count = bank_lines_unsettled().count()
    if not count:
        return []
    text = ngettext(
        "%(count)d bank line still to settle",
        "%(count)d bank lines still to settle",
        count,
    ) % {"count": count}
    return [(text, _changelist_url("bankline", todo="unsettled"))]


admin.site.register_index_notice(_index_notice)


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
    list_filter = [SettlementFilter, "outcome", "matched_by", "campaign", AssignedFilter]
    search_fields = [
        "reference_number",
        "sender_name",
        "sender_email",
        "message",
        "application__number",
    ]
    list_select_related = ["application", "statement"]
    date_hierarchy = "received_on"
    actions = list(LINE_ACTION_TARGETS)
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
        "note",
        "settled_by",
        "settled_at",
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
                    "note",
                    ("settled_by", "settled_at"),
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
            .select_related(*self.list_select_related, "campaign", "assigned_by", "settled_by")
        )

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm(VERIFY_PERMISSION)

    def get_urls(self):
        assign = path(
            "<int:object_id>/assign/",
            self.admin_site.admin_view(self.assign_view),
            name="payments_bankline_assign",
        )
        return [assign, *super().get_urls()]

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        """Only the actions that apply: to the line shown (its change page), or to the lines
        of the outcome the list is filtered on."""
        actions = super().get_actions(request, action_location=action_location)
        line = getattr(request, "_bank_line", None)
        if action_location == ActionLocation.CHANGE_FORM and line is not None:
            return {n: a for n, a in actions.items() if _line_action_applies(n, line)}
        outcome = request.GET.get("outcome__exact")
        if outcome in LineOutcome.values:
            probe = BankLine(outcome=outcome)
            return {
                name: action
                for name, action in actions.items()
                if name not in LINE_ACTION_TARGETS
                or _line_action_applies(name, probe)
                or (LINE_ACTION_TARGETS[name] == LineOutcome.REFUNDED and outcome in PAID_OUTCOMES)
            }
        return actions

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

    # --- actions: one service per line, offered where they apply -------------------------------

    def _lines(self, request, queryset, name: str) -> list[BankLine]:
        return list(
            queryset.select_related("application__candidate", "campaign").order_by(
                "received_on", "pk"
            )
        )

    def _line_confirmation(self, *, title, intro, submit) -> Confirmation:
        return Confirmation(
            title=title,
            intro=intro,
            submit=submit,
            headers=[_("Date"), _("Amount"), _("Sender"), _("Outcome"), _("Dossier")],
            cells=lambda line: [
                short_date(line.received_on),
                _money(line.amount, line.currency),
                line.sender_name or "—",
                line.get_outcome_display(),
                line.application.number if line.application_id else "—",
            ],
            heading=ngettext_lazy(
                "The selected bank line", "The %(counter)s selected bank lines", "counter"
            ),
        )

    def _run(self, request, queryset, name: str, *, call, done, form=None, confirm=None):
        lines = self._lines(request, queryset, name)
        applicable = [line for line in lines if _line_action_applies(name, line)]
        if not applicable:
            self.message_user(
                request,
                gettext("This action does not apply to any of the selected lines."),
                messages.WARNING,
            )
            return None
        return admin_action(
            self,
            request,
            lines,
            skip=lambda line: not _line_action_applies(name, line),
            skipped=ngettext_lazy(
                "%(count)d line skipped: the action does not apply to it.",
                "%(count)d lines skipped: the action does not apply to them.",
                "count",
            ),
            skipped_level=messages.WARNING,
            call=call,
            refused=_("Line %(line)s: %(reason)s"),
            names=lambda line: {"line": str(line)},
            done=done,
            form=form,
            confirm=confirm,
        )

    @admin.action(
        description=_("Confirm the suggested dossiers"),
        permissions=["import"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def confirm_suggestions(self, request, queryset):
        """`bank_line_confirm`: the suggested dossier's fee, with the usual checks."""
        return self._run(
            request,
            queryset,
            "confirm_suggestions",
            call=lambda line: bank_line_confirm(line=line, actor=request.user),
            done=ngettext_lazy(
                "%(count)d suggestion confirmed.", "%(count)d suggestions confirmed.", "count"
            ),
        )

    @admin.action(
        description=_("Turn down the suggestions (unmatched again)"),
        permissions=["import"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def dismiss_suggestions(self, request, queryset):
        return self._run(
            request,
            queryset,
            "dismiss_suggestions",
            call=lambda line: bank_line_dismiss(line=line, actor=request.user),
            done=ngettext_lazy(
                "%(count)d suggestion turned down.", "%(count)d suggestions turned down.", "count"
            ),
        )

    @admin.action(
        description=_("E-mail the candidates about the wrong amount"),
        permissions=["verify"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def tell_mismatch(self, request, queryset):
        """`bank_line_tell_mismatch`: the candidate reads what to do (difference or refund)."""
        return self._run(
            request,
            queryset,
            "tell_mismatch",
            call=lambda line: bank_line_tell_mismatch(line=line, actor=request.user),
            done=ngettext_lazy(
                "%(count)d candidate told what to do about the amount.",
                "%(count)d candidates told what to do about the amount.",
                "count",
            ),
        )

    @admin.action(
        description=_("Mark the selected lines as refunded"),
        permissions=["verify"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def mark_lines_refunded(self, request, queryset):
        form = LineNoteForm(action_data(request))
        return self._run(
            request,
            queryset,
            "mark_lines_refunded",
            form=form,
            confirm=self._line_confirmation(
                title=gettext("Mark bank lines as refunded"),
                intro=gettext(
                    "Do this once the money has been sent back: a duplicate, a wrong amount, or "
                    "the line of a rejected payment. The candidate is told by e-mail."
                ),
                submit=gettext("Mark as refunded"),
            ),
            call=lambda line: bank_line_refund(
                line=line, actor=request.user, note=form.cleaned_data["note"]
            ),
            done=ngettext_lazy(
                "%(count)d line marked as refunded.", "%(count)d lines marked as refunded.", "count"
            ),
        )

    @admin.action(
        description=_("Mark the selected lines as returned to sender"),
        permissions=["import"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def mark_returned(self, request, queryset):
        form = LineNoteForm(action_data(request))
        return self._run(
            request,
            queryset,
            "mark_returned",
            form=form,
            confirm=self._line_confirmation(
                title=gettext("Mark bank lines as returned to sender"),
                intro=gettext(
                    "For an e-Transfer declined or sent back to someone who pays no fee. No "
                    "candidate is told."
                ),
                submit=gettext("Mark as returned"),
            ),
            call=lambda line: bank_line_return(
                line=line, actor=request.user, note=form.cleaned_data["note"]
            ),
            done=ngettext_lazy(
                "%(count)d line marked as returned to sender.",
                "%(count)d lines marked as returned to sender.",
                "count",
            ),
        )

    @admin.action(
        description=_("Mark the selected lines as not a fee (with a note)"),
        permissions=["import"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def mark_not_fee(self, request, queryset):
        form = NotFeeForm(action_data(request))
        return self._run(
            request,
            queryset,
            "mark_not_fee",
            form=form,
            confirm=self._line_confirmation(
                title=gettext("Mark bank lines as not a fee"),
                intro=gettext("Money received on the account that is no TAPIF fee."),
                submit=gettext("Mark as not a fee"),
            ),
            call=lambda line: bank_line_not_fee(
                line=line, actor=request.user, note=form.cleaned_data["note"]
            ),
            done=ngettext_lazy(
                "%(count)d line marked as not a fee.",
                "%(count)d lines marked as not a fee.",
                "count",
            ),
        )

    # --- assigning an unmatched line ------------------------------------------------------------

    def _can_assign(self, request, line: BankLine) -> bool:
        return bank_line_allows(line, LineOutcome.MATCHED) and self.has_import_permission(request)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        line = self.get_object(request, object_id)
        request._bank_line = line  # the actions offered on its page are those that apply
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
        if not bank_line_allows(line, LineOutcome.MATCHED):
            self.message_user(
                request,
                gettext("Only an unmatched line, or a suggestion, can be assigned."),
                messages.ERROR,
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
    """The upload: a file (or, sent again from the problems page, its content), the profile to
    read it with (else recognised by its header), and whether to import only its readable
    lines."""

    file = forms.FileField(
        label=_("Bank export (CSV)"),
        required=False,
        help_text=_(
            "CSV from your bank, at most 5 MB (UTF-8 or Windows-1252): the shipped profiles "
            "are described below."
        ),
    )
    profile = forms.ModelChoiceField(
        label=_("Import profile"),
        queryset=ImportProfile.objects.all(),
        required=False,
        empty_label=_("Recognise it from the file's header"),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run (show what would happen, change nothing)"), required=False
    )
    partial = forms.BooleanField(
        label=_("Import the readable lines even if others cannot be read"), required=False
    )
    content = forms.CharField(required=False, widget=forms.HiddenInput)
    file_name = forms.CharField(required=False, widget=forms.HiddenInput, max_length=255)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_STATEMENT_SIZE:
                self.add_error(
                    "file",
                    gettext("The file is %(size)s: a bank export must be at most %(max)s.")
                    % {
                        "size": filesizeformat(upload.size),
                        "max": filesizeformat(MAX_STATEMENT_SIZE),
                    },
                )
                return data
            data["bytes"], data["name"] = upload.read(), upload.name
        elif data.get("content"):
            data["bytes"], data["name"] = _unpack(data["content"]), data.get("file_name") or "?"
        else:
            self.add_error("file", gettext("Choose the bank export to import."))
        return data


def _pack(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unpack(content: str) -> bytes:
    try:
        return base64.b64decode(content.encode(), validate=True)
    except ValueError:
        raise forms.ValidationError(gettext("The file sent again is damaged.")) from None


class MappingForm(forms.Form):
    """The first import of a file no profile fits: which of its columns holds which fact."""

    name = forms.CharField(label=_("Name of the profile"), max_length=100)
    date_order = forms.ChoiceField(label=_("Date order"), choices=DateOrder.choices, required=False)
    decimal_separator = forms.ChoiceField(
        label=_("Decimal separator"), choices=DecimalSeparator.choices, required=False
    )
    thousands_separator = forms.ChoiceField(
        label=_("Thousands separator"), choices=ThousandsSeparator.choices, required=False
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=FileEncoding.choices, required=False)
    currency = forms.CharField(
        label=_("Currency of a file without a currency column"), max_length=3, initial="CAD"
    )
    dry_run = forms.BooleanField(
        label=_("Dry run (save the profile, show what the import would do)"), required=False
    )
    partial = forms.BooleanField(
        label=_("Import the readable lines even if others cannot be read"), required=False
    )
    content = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(widget=forms.HiddenInput, max_length=255)

    FACT_LABELS = {
        "date": _("Date"),
        "amount": _("Amount (one signed column)"),
        "credit": _("Credit (money received)"),
        "debit": _("Debit (money paid out)"),
        "currency": _("Currency"),
        "sender_name": _("Sender's name"),
        "sender_email": _("Sender's e-mail"),
        "reference_number": _("Interac reference number"),
        "message": _("Message (memo)"),
        "description": _("Description (searched for the sender, reference and number)"),
    }

    def __init__(self, *args, header: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.header = header
        choices = [(cell, cell) for cell in header if cell.strip()]
        for fact in FIELDS:
            if fact == "description":
                self.fields[f"col_{fact}"] = forms.MultipleChoiceField(
                    label=self.FACT_LABELS[fact],
                    choices=choices,
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                )
            else:
                self.fields[f"col_{fact}"] = forms.ChoiceField(
                    label=self.FACT_LABELS[fact],
                    choices=[("", "—"), *choices],
                    required=False,
                )

    @property
    def column_fields(self):
        return [self[f"col_{fact}"] for fact in FIELDS]

    def columns(self) -> dict[str, list[str]]:
        columns = {}
        for fact in FIELDS:
            value = self.cleaned_data.get(f"col_{fact}")
            if value:
                columns[fact] = list(value) if isinstance(value, list) else [value]
        return columns


COUNT_LABELS = [
    (LineOutcome.MATCHED, _("Matched")),
    (LineOutcome.SUGGESTED, _("Suggestions to confirm")),
    (LineOutcome.AMOUNT_MISMATCH, _("Amount mismatch")),
    (LineOutcome.DUPLICATE, _("Duplicates: to refund")),
    (LineOutcome.UNMATCHED, _("Unmatched")),
]

#: The reconciliation report's rows: a group of `selectors.RECONCILIATION_GROUPS` and its name.
RECONCILIATION_LABELS = [
    ("received", _("Received")),
    ("matched", _("Matched (fees)")),
    ("to_refund", _("To refund")),
    ("refunded", _("Refunded")),
    ("returned", _("Returned to sender")),
    ("not_fee", _("Not a fee")),
    ("unsettled", _("Unsettled")),
]


def reconciliation_csv(lines, *, title: str, file_name: str) -> HttpResponse:
    """The reconciliation of `lines` as CSV: the totals per group, then every line."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    writer = csv.writer(response)
    totals = reconciliation(lines)
    writer.writerow([title])
    writer.writerow([gettext("Group"), gettext("Lines"), gettext("Amount")])
    for group, label in RECONCILIATION_LABELS:
        writer.writerow([str(label), totals[group].lines, f"{totals[group].amount:.2f}"])
    writer.writerow([])
    writer.writerow(
        [
            gettext("Line"),
            gettext("Date"),
            gettext("Amount"),
            gettext("Currency"),
            gettext("Sender"),
            gettext("Reference number"),
            gettext("Outcome"),
            gettext("Dossier"),
            gettext("Payment"),
            gettext("Note"),
            gettext("Import"),
        ]
    )
    rows = lines.select_related("application", "statement", "payment").order_by(
        "received_on", "statement_id", "line_number"
    )
    for line in rows:
        payment = getattr(line, "payment", None)
        writer.writerow(
            [
                line.line_number,
                line.received_on.isoformat(),
                f"{line.amount:.2f}",
                line.currency,
                line.sender_name,
                line.reference_number,
                line.get_outcome_display(),
                line.application.number if line.application_id else "",
                payment.get_status_display() if payment else "",
                line.note,
                line.statement.file_name,
            ]
        )
    return response


@admin.register(StatementImport)
class StatementImportAdmin(ReadOnlyAdmin):
    list_display = [
        "file_name",
        "imported_at",
        "imported_by",
        "profile",
        "matched",
        "suggested",
        "amount_mismatch",
        "duplicate",
        "unmatched",
        "already_imported",
        "lines_read",
        "campaign",
        "lines_link",
        "report_link",
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
        "profile",
        "debits",
        "unreadable",
        "suggested",
        "reconciliation_display",
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
            {
                "fields": [
                    "file_name",
                    ("imported_at", "imported_by"),
                    ("campaign", "profile"),
                    "sha256",
                ]
            },
        ),
        (
            _("Counts"),
            {
                "fields": [
                    ("lines_read", "already_imported", "debits", "unreadable"),
                    ("matched", "suggested", "amount_mismatch", "duplicate", "unmatched"),
                ]
            },
        ),
        (_("Reconciliation"), {"fields": ["reconciliation_display"]}),
        (_("Lines"), {"fields": ["lines_display"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related, "profile")

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/reconciliation.csv",
                self.admin_site.admin_view(self.report_view),
                name="payments_statementimport_report",
            ),
            path(
                "campaign/<int:campaign_id>/reconciliation.csv",
                self.admin_site.admin_view(self.campaign_report_view),
                name="payments_statementimport_campaign_report",
            ),
        ]
        return [*own, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        campaign = campaign_current()
        extra_context = dict(extra_context or {})
        if campaign is not None:
            extra_context["campaign_report_url"] = reverse(
                "admin:payments_statementimport_campaign_report", args=[campaign.pk]
            )
            extra_context["campaign"] = campaign
        return super().changelist_view(request, extra_context)

    # --- reconciliation (CSV) -------------------------------------------------------------------

    def report_view(self, request, object_id: int):
        """An import's lines: what became of their money (permission to view imports)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        statement = get_object_or_404(self.get_queryset(request), pk=object_id)
        return reconciliation_csv(
            statement.lines.all(),
            title=gettext("Reconciliation of %(import)s") % {"import": statement},
            file_name=f"reconciliation-import-{statement.pk}.csv",
        )

    def campaign_report_view(self, request, campaign_id: int):
        """Every line of a campaign: what became of their money."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        campaign = get_object_or_404(Campaign, pk=campaign_id)
        return reconciliation_csv(
            BankLine.objects.filter(campaign=campaign),
            title=gettext("Reconciliation of the campaign %(campaign)s") % {"campaign": campaign},
            file_name=f"reconciliation-{campaign.code}.csv",
        )

    @admin.display(description=_("reconciliation"))
    def report_link(self, obj: StatementImport) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:payments_statementimport_report", args=[obj.pk]),
            gettext("CSV"),
        )

    @admin.display(description=_("what became of the money"))
    def reconciliation_display(self, obj: StatementImport) -> str:
        totals = reconciliation(obj.lines.all())
        rows = [
            (label, totals[group].lines, formats.number_format(totals[group].amount, 2))
            for group, label in RECONCILIATION_LABELS
        ]
        table = html_table([_("group"), _("lines"), _("amount")], rows, empty="")
        link = format_html(
            '<p><a href="{}">{}</a></p>',
            reverse("admin:payments_statementimport_report", args=[obj.pk]),
            gettext("Download the reconciliation (CSV)"),
        )
        return format_html("{}{}", table, link)

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
        """The upload page: read the file with its profile (or map an unknown file's columns),
        import it (or not, for a dry run), show the report or every problem of the file."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        campaign = campaign_current()
        problems = None
        if request.method == "POST" and "mapping" in request.POST:
            return self._mapping(request, campaign)
        if request.method == "POST":
            form = StatementUploadForm(request.POST, request.FILES)
            if form.is_valid() and campaign is None:
                form.add_error(
                    None, gettext("There is no current campaign: set one up before importing.")
                )
            if form.is_valid():
                data = form.cleaned_data
                try:
                    report = statement_import(
                        campaign=campaign,
                        data=data["bytes"],
                        file_name=data["name"],
                        profile=data["profile"],
                        actor=request.user,
                        dry_run=data["dry_run"],
                        partial=data["partial"],
                    )
                except UnknownLayout as unknown:
                    mapping = MappingForm(
                        header=unknown.rows.header,
                        initial={
                            "content": _pack(data["bytes"]),
                            "file_name": data["name"],
                            "name": _profile_name_for(data["name"]),
                            "currency": campaign.fee_currency,
                            "dry_run": data["dry_run"],
                        },
                    )
                    return self._mapping_page(request, mapping, unknown.rows, unknown)
                except StatementProblems as refused:
                    problems = refused
                    form = StatementUploadForm(
                        initial={
                            "content": _pack(data["bytes"]),
                            "file_name": data["name"],
                            "profile": data["profile"],
                            "dry_run": data["dry_run"],
                            "partial": True,
                        }
                    )
                except matching.StatementError as error:
                    form.add_error("file", statement_error_message(error))
                else:
                    return self._report(request, report, campaign)
        else:
            form = StatementUploadForm()
        return self._upload_page(request, form, campaign, problems)

    def _upload_page(self, request, form, campaign, problems=None):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import a bank statement"),
            "opts": self.opts,
            "form": form,
            "campaign": campaign,
            "problems": problems and [statement_error_message(p) for p in problems.problems],
            "readable": problems and len(problems.reading.lines),
            "english_columns": ",".join(matching.COLUMNS),
            "french_columns": ",".join(matching.FRENCH_COLUMNS),
            "activity_header": ACTIVITY_HEADER,
            "profiles": ImportProfile.objects.all(),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/payments/statementimport/upload.html", context)

    def _mapping(self, request, campaign):
        """The mapping form posted: save the profile (`import_profile_save`), then import."""
        try:
            data = _unpack(request.POST.get("content", ""))
            rows = bankfile.read_rows(data, request.POST.get("encoding", ""))
        except (forms.ValidationError, matching.StatementError):
            self.message_user(request, gettext("Upload the file again."), messages.ERROR)
            return redirect(reverse("admin:payments_statementimport_add"))
        form = MappingForm(request.POST, header=rows.header)
        if not form.is_valid() or campaign is None:
            return self._mapping_page(request, form, rows)
        try:
            profile = import_profile_save(
                actor=request.user,
                name=form.cleaned_data["name"],
                columns=form.columns(),
                header=rows.header,
                date_order=form.cleaned_data["date_order"],
                decimal_separator=form.cleaned_data["decimal_separator"],
                thousands_separator=form.cleaned_data["thousands_separator"],
                encoding=form.cleaned_data["encoding"],
                currency=form.cleaned_data["currency"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
            return self._mapping_page(request, form, rows)
        self.message_user(
            request,
            gettext("Import profile “%(name)s” saved: files with this header use it.")
            % {"name": profile.name},
            messages.SUCCESS,
        )
        try:
            report = statement_import(
                campaign=campaign,
                data=data,
                file_name=form.cleaned_data["file_name"],
                profile=profile,
                actor=request.user,
                dry_run=form.cleaned_data["dry_run"],
                partial=form.cleaned_data["partial"],
            )
        except StatementProblems as refused:
            upload = StatementUploadForm(
                initial={
                    "content": form.cleaned_data["content"],
                    "file_name": form.cleaned_data["file_name"],
                    "profile": profile,
                    "partial": True,
                }
            )
            return self._upload_page(request, upload, campaign, refused)
        except matching.StatementError as error:
            form.add_error(None, statement_error_message(error))
            return self._mapping_page(request, form, rows)
        return self._report(request, report, campaign)

    def _mapping_page(self, request, form, rows, unknown=None):
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("A file no profile knows: map its columns"),
            "opts": self.opts,
            "form": form,
            "header": rows.header,
            "preview": [cells for _line, cells in rows.rows[: bankfile.PREVIEW_ROWS]],
            "encoding": rows.encoding,
            "delimiter": {"\t": "tab"}.get(rows.delimiter, rows.delimiter),
            "refusal": unknown and statement_error_message(unknown),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/payments/statementimport/mapping.html", context)

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
            "profile_name": report.reading.layout.name if report.reading else "",
            "counts": [(label, counts[outcome]) for outcome, label in COUNT_LABELS],
            "problems": [statement_error_message(p) for p in report.problems],
            "rows": rows,
            "unsettled_url": _changelist_url("bankline", todo="unsettled"),
            "unmatched_url": _changelist_url("bankline", outcome__exact=LineOutcome.UNMATCHED),
            "matched_url": _changelist_url("payment", status__exact=PaymentStatus.MATCHED),
            "lines_url": report.statement
            and _changelist_url("bankline", statement__id__exact=report.statement.pk),
            "statement_url": report.statement
            and reverse("admin:payments_statementimport_change", args=[report.statement.pk]),
        }
        return TemplateResponse(request, "admin/payments/statementimport/report.html", context)


#: The header the shipped account-activity profile expects (docs/payments.md).
ACTIVITY_HEADER = (
    '"Account Type","Account Number","Transaction Date","Cheque Number",'
    '"Description 1","Description 2","CAD$","USD$"'
)


def _profile_name_for(file_name: str) -> str:
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return stem[:100] or "Bank export"


# --- ImportProfile ------------------------------------------------------------------------------


class ImportProfileForm(forms.ModelForm):
    """A profile edited in the admin: one line per fact, its header names separated by `|`
    (any one of them; for the description, all of them)."""

    class Meta:
        model = ImportProfile
        fields = [
            "name",
            "date_order",
            "decimal_separator",
            "thousands_separator",
            "encoding",
            "currency",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        columns = self.instance.columns or {}
        for fact in FIELDS:
            self.initial.setdefault(f"col_{fact}", " | ".join(columns.get(fact, [])))

    def columns(self) -> dict[str, list[str]]:
        return {
            fact: [name.strip() for name in self.cleaned_data[f"col_{fact}"].split("|")]
            for fact in FIELDS
            if self.cleaned_data.get(f"col_{fact}", "").strip()
        }


for _fact in FIELDS:
    ImportProfileForm.base_fields[f"col_{_fact}"] = ImportProfileForm.declared_fields[
        f"col_{_fact}"
    ] = forms.CharField(
        label=MappingForm.FACT_LABELS[_fact],
        required=False,
        max_length=400,
        help_text=_("Header names, separated by “|”."),
    )


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):
    form = ImportProfileForm
    list_display = ["name", "date_order", "decimal_separator", "encoding", "created_at"]
    search_fields = ["name"]
    list_select_related = ["created_by"]
    readonly_fields = ["header_signature", "created_by", "created_at"]

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["name"]}),
            (_("Columns"), {"fields": [f"col_{fact}" for fact in FIELDS]}),
            (
                _("Reading"),
                {
                    "fields": [
                        "date_order",
                        ("decimal_separator", "thousands_separator"),
                        "encoding",
                        "currency",
                    ]
                },
            ),
            (_("Recognition"), {"fields": ["header_signature", ("created_by", "created_at")]}),
        ]

    def save_model(self, request, obj, form, change):
        """Through `import_profile_save`: the same checks as a profile made at import."""
        try:
            saved = import_profile_save(
                actor=request.user,
                profile=obj if change else None,
                name=form.cleaned_data["name"],
                columns=form.columns(),
                date_order=form.cleaned_data["date_order"],
                decimal_separator=form.cleaned_data["decimal_separator"],
                thousands_separator=form.cleaned_data["thousands_separator"],
                encoding=form.cleaned_data["encoding"],
                currency=form.cleaned_data["currency"],
            )
        except DomainError as error:
            raise ValidationError(error.message) from None
        obj.pk = saved.pk
