"""Staff screens for dossiers: read-only by design.

Staff never edit a candidate's answers or documents here. The change page shows the whole
dossier (five sections, every document version, completeness, eligibility rule by rule, the
timeline, the latest eligibility decision and the history of every staff action); the only
writes are actions: "reopen", which calls `application_reopen` and needs the
`candidates.reopen_application` permission; "verify the official French test", which calls
`french_test_verify` and needs `candidates.verify_french_test`; and "decide eligibility", which
shows each rule's result beside the facts it read, lets staff holding
`candidates.override_eligibility` overrule rules with a justification, and calls
`eligibility_decide` (needs `candidates.decide_eligibility`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from candidates.choices import (
    ELIGIBILITY_RULE_LABELS,
    ApplicationStatus,
    Citizenship,
    DocumentRejection,
    DocumentReview,
    EligibilityOutcome,
    EnrolmentStatus,
    PreviousEvaluation,
)
from candidates.eligibility import RULE_FACTS, Facts, Status, Verdict
from candidates.messages import failure_text
from candidates.models import (
    Application,
    Couple,
    DeletionRequest,
    Document,
    EligibilityDecision,
    FrenchProfile,
)
from candidates.permissions import dossier_scope
from candidates.retention import deletion_request_settle
from candidates.returning import earlier_participations, previous_participations_confirm
from candidates.selectors import (
    HistoryItem,
    application_facts,
    country_name,
    couple_for,
    document_versions,
    dossier_facts,
    dossier_history,
    dossier_load,
    dossier_status,
    eligibility_decision_latest,
)
from candidates.services import (
    application_record_previous_evaluation,
    application_reopen,
    document_accept,
    document_reject,
    eligibility_decide,
    eligibility_decision_refusal,
    eligibility_may_override,
    french_test_verify,
    previous_evaluations_import,
)
from tapif.core.admin_actions import Confirmation, action_data, admin_action
from tapif.core.admin_display import (
    ReadOnlyAdmin,
    ReasonForm,
    html_list,
    html_table,
    short_date,
)
from tapif.core.messages import explain_message
from tapif.core.models import Campaign

ELIGIBILITY_LABELS = {
    True: _("Eligible"),
    False: _("Ineligible"),
    None: _("Not known yet"),
}

RULE_STATUS_LABELS = {
    Status.PASS: _("Met"),
    Status.FAIL: _("Not met"),
    Status.UNKNOWN: _("Not known yet"),
}

# --- small HTML helpers (every value goes through format_html, so it is escaped) ---------------


def _yes_no(value: bool | None) -> Any:
    if value is None:
        return _("Not answered")
    return _("Yes") if value else _("No")


def _rule_message(rule: Any) -> str:
    return explain_message(rule.message)


# --- eligibility decision and history -----------------------------------------------------------

FACT_LABELS = {
    "date_of_birth": _("date of birth"),
    "citizenship": _("citizenship"),
    "country_of_citizenship": _("country of citizenship"),
    "resides_in_canada": _("lives in Canada"),
    "exchange_student_abroad": _("on an exchange programme abroad"),
    "enrolment_status": _("current situation"),
    "university_years_completed": _("university years completed"),
    "has_teaching_experience": _("teaching experience"),
    "has_education_degree": _("degree in education"),
    "studies_mostly_in_canada": _("studies mostly in Canada"),
    "french_level": _("French level"),
    "passport_expiry": _("passport expiry"),
    "previous_participations": _("previous participations"),
    "available_from_contract_start": _("available on 1 October"),
}

OVERRIDE_LABELS = {
    Status.PASS: _("Overrule to “met”"),
    Status.FAIL: _("Overrule to “not met”"),
}

OUTCOME_LABELS = dict(EligibilityDecision._meta.get_field("outcome").choices)


def _fact_value(dossier: Application, name: str, value: Any) -> Any:
    """One fact as the rules read it, in words ("Not known yet" when the rule lacks it)."""
    if value is None:
        return _("Not known yet")
    if name == "citizenship":
        return Citizenship(value).label
    if name == "enrolment_status":
        return EnrolmentStatus(value).label
    if name == "country_of_citizenship":
        return country_name(value)
    if name == "french_level":
        if dossier.french_level:
            return gettext("%(level)s, verified (%(source)s)") % {
                "level": value,
                "source": dossier.french_level_source or "—",
            }
        return gettext("%(level)s, declared, not verified yet") % {"level": value}
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, dt.date):
        return short_date(value)
    return str(value)


def _facts_of_rule(dossier: Application, facts: Facts, rule: str) -> str:
    return html_list(
        (
            format_html(
                "{}: {}", FACT_LABELS[name], _fact_value(dossier, name, getattr(facts, name))
            )
            for name in RULE_FACTS.get(rule, [])
        ),
        empty="—",
    )


class EligibilityDecisionForm(forms.Form):
    """One dossier's decision: for each rule, an optional overrule and its justification.

    Without `candidates.override_eligibility` the overrule fields are disabled (what is posted
    for them is ignored): staff then confirm the engine's result.
    """

    def __init__(self, *args, verdict: Verdict, may_override: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.verdict = verdict
        for result in verdict.rules:
            label = ELIGIBILITY_RULE_LABELS.get(result.rule, result.rule)
            self.fields[f"{result.rule}-override"] = forms.ChoiceField(
                label=label,
                choices=[("", _("Keep the engine's result")), *OVERRIDE_LABELS.items()],
                required=False,
                disabled=not may_override,
                widget=forms.Select(attrs={"aria-label": label}),
            )
            self.fields[f"{result.rule}-justification"] = forms.CharField(
                label=format_html("{} — {}", label, _("justification")),
                required=False,
                max_length=2000,
                disabled=not may_override,
                widget=forms.Textarea(
                    attrs={"rows": 2, "cols": 40, "aria-label": gettext("justification")}
                ),
            )

    def clean(self):
        cleaned = super().clean()
        for result in self.verdict.rules:
            justification = cleaned.get(f"{result.rule}-justification", "").strip()
            cleaned[f"{result.rule}-justification"] = justification
            if cleaned.get(f"{result.rule}-override") and not justification:
                self.add_error(
                    f"{result.rule}-justification",
                    gettext(
                        "Justify overruling this rule: the justification is kept in the "
                        "dossier's history."
                    ),
                )
        return cleaned

    def overrides(self) -> dict[str, tuple[str, str]]:
        return {
            result.rule: (
                self.cleaned_data[f"{result.rule}-override"],
                self.cleaned_data[f"{result.rule}-justification"],
            )
            for result in self.verdict.rules
            if self.cleaned_data.get(f"{result.rule}-override")
        }

    def rule_rows(self, dossier: Application, facts: Facts) -> list[dict[str, Any]]:
        return [
            {
                "label": ELIGIBILITY_RULE_LABELS.get(result.rule, result.rule),
                "facts": _facts_of_rule(dossier, facts, result.rule),
                "status": RULE_STATUS_LABELS[Status(result.status)],
                "status_code": str(result.status),
                "message": _rule_message(result),
                "override": self[f"{result.rule}-override"],
                "justification": self[f"{result.rule}-justification"],
            }
            for result in self.verdict.rules
        ]


def _audit_value(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return str(_yes_no(value))
    if isinstance(value, list):
        return ", ".join(_audit_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_audit_value(item)}" for key, item in value.items())
    return str(value)


def _audit_details(item: HistoryItem) -> str:
    """An audit row's details, readably: "before → after" first, overruled rules, then the rest."""
    data = dict(item.details)
    statuses = (
        dict(ApplicationStatus.choices) if item.target_type == "candidates.application" else {}
    )

    def value(item: Any) -> str:
        return (
            str(statuses.get(item, _audit_value(item)))
            if isinstance(item, str)
            else _audit_value(item)
        )

    lines = []
    for old, new in (("before", "after"), ("from", "to")):
        if old in data or new in data:
            lines.append(f"{value(data.pop(old, None))} → {value(data.pop(new, None))}")
    for override in data.pop("overrides", None) or []:
        lines.append(
            gettext("%(rule)s overruled to “%(status)s”: %(justification)s")
            % {
                "rule": ELIGIBILITY_RULE_LABELS.get(override.get("rule"), override.get("rule")),
                "status": RULE_STATUS_LABELS.get(override.get("status"), override.get("status")),
                "justification": override.get("justification", ""),
            }
        )
    failures = [
        str(ELIGIBILITY_RULE_LABELS.get(rule, rule)) for rule in data.pop("failures", None) or []
    ]
    if failures:
        lines.append(gettext("rules not met: %(rules)s") % {"rules": ", ".join(failures)})
    lines.extend(
        # In key order: PostgreSQL's jsonb does not keep the order the keys were written in.
        f"{key}: {_audit_value(item)}"
        for key, item in sorted(data.items())
        if _audit_value(item) != "—"
    )
    if not lines:
        return "—"
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))


# --- Application --------------------------------------------------------------------------------


def _review_display(document: Document) -> str:
    """The staff check of a document version: state, and the reason when rejected."""
    if document.review_status != DocumentReview.REJECTED:
        return document.get_review_status_display()
    reason = document.get_rejection_reason_display()
    note = f" — {document.rejection_note}" if document.rejection_note else ""
    return f"{document.get_review_status_display()}: {reason}{note}"


class SubmittedFilter(admin.SimpleListFilter):
    """Submitted = handed in and not given back as a draft (withdrawn after submission counts)."""

    title = _("submitted")
    parameter_name = "submitted"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        submitted = Q(submitted_at__isnull=False) & ~Q(status=ApplicationStatus.DRAFT)
        if self.value() == "yes":
            return queryset.filter(submitted)
        if self.value() == "no":
            return queryset.exclude(submitted)
        return queryset


class ApplicationChangeList(ChangeList):
    """The list page loads what the eligibility column reads, in a fixed number of queries."""

    def get_queryset(self, request, exclude_parameters=None):
        return (
            super()
            .get_queryset(request, exclude_parameters)
            .prefetch_related(
                "experiences",
                "previous_participations",
                Prefetch(
                    "documents",
                    queryset=Document.objects.filter(is_current=True),
                    to_attr="current_documents",
                ),
            )
        )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        max_length=2000,
        help_text=_("The candidate reads it in the e-mail telling them the dossier is reopened."),
    )


class PreviousEvaluationForm(forms.Form):
    evaluation = forms.ChoiceField(
        label=_("previous académie's evaluation"), choices=PreviousEvaluation.choices
    )


class PreviousEvaluationsImportForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("campaign"), queryset=Campaign.objects.all())
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "One dossier per line: its number, then positive, negative or unknown (in English "
            "or French), separated by ; or ,. A header line is skipped."
        ),
    )


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    """Dossiers are created by candidates and never added, edited or deleted here."""

    change_list_template = "admin/candidates/application/change_list.html"

    list_display = [
        "number",
        "candidate_name",
        "candidate_email",
        "status",
        "payment_status",
        "eligibility",
        "current_documents_count",
        "submitted_at",
        "campaign",
    ]
    list_filter = ["campaign", "status", "payment_status", SubmittedFilter, "previous_evaluation"]
    search_fields = [
        "number",
        "candidate__email",
        "candidate__first_name",
        "candidate__last_name",
        "identity__legal_first_names",
        "identity__legal_last_name",
    ]
    # What the columns and the eligibility column read. The changelist applies it only because
    # get_queryset() below does not call select_related() itself.
    list_select_related = ["campaign", "candidate", "identity", "studies", "french", "assets"]
    date_hierarchy = "created_at"
    actions = [
        "reopen_for_candidate",
        "verify_french_test",
        "decide_eligibility",
        "record_previous_evaluation",
        "confirm_earlier_participations",
    ]
    readonly_fields = [
        "number",
        "candidate_display",
        "campaign",
        "status",
        "french_level",
        "previous_evaluation",
        "created_at",
        "submitted_at",
        "updated_at",
        "couple_display",
        "earlier_participations_display",
        "facts_display",
        "documents_display",
        "completeness_display",
        "eligibility_display",
        "eligibility_decision_display",
        "timeline_display",
        "history_display",
    ]
    fieldsets = [
        (
            _("Dossier"),
            {
                "fields": [
                    ("number", "status"),
                    "candidate_display",
                    "campaign",
                    ("created_at", "submitted_at", "updated_at"),
                    ("french_level", "previous_evaluation"),
                    "couple_display",
                    "earlier_participations_display",
                ]
            },
        ),
        (_("Answers"), {"fields": ["facts_display"], "classes": ["dossier-answers"]}),
        (_("Documents"), {"fields": ["documents_display"]}),
        (
            _("Completeness and eligibility"),
            {"fields": ["completeness_display", "eligibility_display"]},
        ),
        (_("Eligibility decision"), {"fields": ["eligibility_decision_display"]}),
        (_("Timeline"), {"fields": ["timeline_display"]}),
        (_("History"), {"fields": ["history_display"]}),
    ]

    def has_reopen_permission(self, request) -> bool:
        codename = get_permission_codename("reopen", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    def has_record_previous_evaluation_permission(self, request) -> bool:
        return request.user.has_perm("candidates.record_previous_evaluation")

    def get_urls(self):
        return [
            path(
                "previous-evaluations/import/",
                self.admin_site.admin_view(self.previous_evaluations_import_view),
                name="candidates_application_previous_evaluations_import",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {
            "previous_evaluations_import_url": (
                reverse("admin:candidates_application_previous_evaluations_import")
                if self.has_record_previous_evaluation_permission(request)
                else None
            )
        }
        return super().changelist_view(request, extra_context={**extra, **(extra_context or {})})

    def previous_evaluations_import_view(self, request):
        """A CSV of returning assistants' previous evaluations, recorded through
        `previous_evaluations_import`; the lines refused are shown with the reason."""
        if not self.has_record_previous_evaluation_permission(request):
            raise PermissionDenied
        report = None
        if request.method == "POST":
            form = PreviousEvaluationsImportForm(request.POST, request.FILES)
            if form.is_valid():
                raw = form.cleaned_data["file"].read()
                try:
                    text = raw.decode("utf-8-sig")
                except UnicodeDecodeError:
                    text = raw.decode("cp1252")
                report = previous_evaluations_import(
                    campaign=form.cleaned_data["campaign"], text=text, actor=request.user
                )
                self.message_user(
                    request,
                    gettext("%(changed)s recorded, %(unchanged)s unchanged, %(refused)s refused.")
                    % {
                        "changed": report.changed,
                        "unchanged": report.unchanged,
                        "refused": len(report.refused),
                    },
                    messages.WARNING if report.refused else messages.SUCCESS,
                )
                if not report.refused:
                    return HttpResponseRedirect(reverse("admin:candidates_application_changelist"))
        else:
            current = Campaign.objects.order_by("-opens_at").first()
            form = PreviousEvaluationsImportForm(initial={"campaign": current})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Import previous académies' evaluations"),
            "opts": self.opts,
            "form": form,
            "report": report,
        }
        return TemplateResponse(
            request, "admin/candidates/application/previous_evaluations_import.html", context
        )

    def has_verify_french_test_permission(self, request) -> bool:
        # Declared on FrenchProfile (the section that holds the test), not on Application.
        return request.user.has_perm(f"{FrenchProfile._meta.app_label}.verify_french_test")

    def has_decide_eligibility_permission(self, request) -> bool:
        # Declared on EligibilityDecision (the record the decision writes).
        return request.user.has_perm(f"{EligibilityDecision._meta.app_label}.decide_eligibility")

    def has_override_eligibility_permission(self, request) -> bool:
        # Earlier participations count against the lifetime limit: the programme manager's call.
        return eligibility_may_override(request.user)

    def get_queryset(self, request):
        current_documents = (
            Document.objects.filter(application=OuterRef("pk"), is_current=True)
            .order_by()
            .values("application")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .filter(dossier_scope(request.user))
            .annotate(
                current_documents_count=Coalesce(
                    Subquery(current_documents, output_field=IntegerField()), 0
                )
            )
        )

    def get_changelist(self, request, **kwargs):
        return ApplicationChangeList

    # --- list columns ---------------------------------------------------------------------------

    @admin.display(description=_("candidate"), ordering="candidate__last_name")
    def candidate_name(self, obj: Application) -> str:
        return obj.candidate.get_full_name()

    @admin.display(description=_("e-mail address"), ordering="candidate__email")
    def candidate_email(self, obj: Application) -> str:
        return obj.candidate.email

    @admin.display(description=_("eligibility"))
    def eligibility(self, obj: Application) -> Any:
        return ELIGIBILITY_LABELS[self._status(obj).verdict.eligible]

    @admin.display(description=_("current documents"), ordering="current_documents_count")
    def current_documents_count(self, obj: Application) -> int:
        return obj.current_documents_count

    # --- change page ----------------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._admin_viewer = request.user  # whose view of the history the page shows
        return obj

    def _dossier(self, obj: Application) -> Application:
        """The fully loaded dossier, once per request (the change page reads it many times)."""
        if not hasattr(obj, "_admin_dossier"):
            obj._admin_dossier = dossier_load(obj.pk)
        return obj._admin_dossier

    def _status(self, obj: Application):
        if not hasattr(obj, "_admin_status"):
            source = obj if hasattr(obj, "current_documents") else self._dossier(obj)
            obj._admin_status = dossier_status(source)
        return obj._admin_status

    @admin.display(description=_("candidate"))
    def candidate_display(self, obj: Application) -> str:
        candidate = self._dossier(obj).candidate
        return format_html(
            '{} &lt;<a href="mailto:{}">{}</a>&gt;',
            candidate.get_full_name(),
            candidate.email,
            candidate.email,
        )

    @admin.display(description=_("couple application"))
    def couple_display(self, obj: Application) -> str:
        couple = couple_for(obj)
        if couple is None:
            return _("No couple application")
        partner = couple.partner if couple.proposer_id == obj.pk else couple.proposer
        who = (
            format_html("{} ({})", partner.number, partner.candidate.email)
            if partner is not None
            else couple.partner_email
        )
        return format_html(
            "{} — {} — {}", who, couple.get_status_display(), couple.get_preference_display()
        )

    @admin.display(description=_("earlier participations"))
    def earlier_participations_display(self, obj: Application) -> str:
        """Recognised by e-mail, or by names and date of birth; staff confirm them with the
        action "Confirm earlier participations" (candidates.returning)."""
        return html_table(
            [_("school year"), _("candidate number"), _("status"), _("académie"), _("found by")],
            (
                [
                    item.school_year,
                    item.number or "—",
                    item.status_label,
                    item.academie_name or "—",
                    item.matched_by_label,
                ]
                for item in earlier_participations(obj)
            ),
            empty=_("None found: a first application."),
        )

    @admin.display(description=_("the candidate's sections"))
    def facts_display(self, obj: Application) -> str:
        return render_to_string(
            "candidates/staff/dossier_facts.html", {"facts": dossier_facts(self._dossier(obj))}
        )

    @admin.display(description=_("every version"))
    def documents_display(self, obj: Application) -> str:
        rows = [
            (
                d.get_kind_display(),
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("candidates:document_download", kwargs={"pk": d.pk}),
                    d.original_name,
                ),
                filesizeformat(d.size),
                short_date(d.uploaded_at),
                d.uploaded_by.email if d.uploaded_by else "—",
                _("current") if d.is_current else _("replaced"),
                short_date(d.expires_on),
                _review_display(d),
            )
            for d in document_versions(obj)
        ]
        return html_table(
            [
                _("document"),
                _("original file name"),
                _("size"),
                _("uploaded"),
                _("by"),
                _("version"),
                _("expiry date"),
                _("check"),
            ],
            rows,
            empty=_("No document uploaded."),
        )

    @admin.display(description=_("what is missing"))
    def completeness_display(self, obj: Application) -> str:
        status = self._status(obj)
        if status.complete:
            return format_html("<p>{}</p>", _("Complete: nothing is missing."))
        rows = [
            (section.title, html_list(section.missing, empty=""))
            for section in status.sections
            if section.missing
        ]
        if status.documents_missing:
            rows.append((_("Documents"), html_list(status.documents_missing, empty="")))
        return html_table([_("section"), _("missing")], rows, empty="")

    @admin.display(description=_("eligibility"))
    def eligibility_display(self, obj: Application) -> str:
        verdict = self._status(obj).verdict
        rows = [
            (
                ELIGIBILITY_RULE_LABELS.get(rule.rule, rule.rule),
                RULE_STATUS_LABELS[Status(rule.status)],
                _rule_message(rule),
            )
            for rule in verdict.rules
        ]
        return format_html(
            "<p><strong>{}</strong></p>{}",
            ELIGIBILITY_LABELS[verdict.eligible],
            html_table([_("rule"), _("status"), _("message")], rows, empty=""),
        )

    def _history(self, obj: Application):
        """The dossier's history as the request's user may read it (`dossier_history`), once
        per request: the timeline and the history sections both read it."""
        if not hasattr(obj, "_admin_history"):
            viewer = getattr(obj, "_admin_viewer", None)  # set by get_object
            obj._admin_history = (
                dossier_history(application=obj, viewer=viewer) if viewer is not None else []
            )
        return obj._admin_history

    @admin.display(description=_("status changes and events"))
    def timeline_display(self, obj: Application) -> str:
        """Status changes (staff labels, from and to) and recorded events (the fee…), in order."""
        rows = [
            (
                short_date(item.created_at),
                item.before or "—",
                item.label,
                item.actor.email if item.actor else "—",
                linebreaksbr(item.reason) if item.reason else "—",
            )
            for item in self._history(obj)
            if not item.is_audit
        ]
        return html_table(
            [_("when"), _("from"), _("to, or event"), _("by"), _("reason or note")],
            rows,
            empty=_("No status change yet."),
        )

    @admin.display(description=_("latest decision"))
    def eligibility_decision_display(self, obj: Application) -> str:
        """Who decided, when, the outcome, the rules overruled (with why) and the reasons."""
        decision = eligibility_decision_latest(obj)
        if decision is None:
            return format_html("<p>{}</p>", _("No decision yet."))
        summary = format_html(
            "<p><strong>{}</strong> — {}</p>",
            OUTCOME_LABELS.get(decision.outcome, decision.outcome),
            gettext("decided on %(when)s by %(who)s")
            % {
                "when": short_date(decision.decided_at),
                "who": decision.decided_by.email if decision.decided_by else "—",
            },
        )
        overrides = html_table(
            [_("rule"), _("overruled to"), _("justification")],
            (
                (
                    ELIGIBILITY_RULE_LABELS.get(o.get("rule"), o.get("rule")),
                    RULE_STATUS_LABELS.get(o.get("status"), o.get("status")),
                    linebreaksbr(o.get("justification", "")),
                )
                for o in decision.overrides
            ),
            empty=_("No rule overruled: the engine's result was confirmed."),
        )
        failures = html_list(
            (
                format_html(
                    "{}: {}",
                    ELIGIBILITY_RULE_LABELS.get(f.get("rule"), f.get("rule")),
                    failure_text(f),
                )
                for f in decision.failures
            ),
            empty="",
        )
        return format_html(
            "{}{}{}",
            summary,
            overrides,
            format_html("<h3>{}</h3>{}", _("Reasons given to the candidate"), failures)
            if decision.failures
            else "",
        )

    @admin.display(description=_("every staff action on the dossier, newest first"))
    def history_display(self, obj: Application) -> str:
        rows = [
            (
                short_date(item.created_at),
                item.actor.email if item.actor else "—",
                item.label,
                item.record or "—",
                _audit_details(item),
            )
            for item in reversed(self._history(obj))
            if item.is_audit
        ]
        return html_table(
            [_("when"), _("who"), _("action"), _("record"), _("details")],
            rows,
            empty=_("Nothing recorded yet."),
        )

    # --- action ---------------------------------------------------------------------------------

    @admin.action(
        description=_("Reopen for the candidate (with a reason)"),
        permissions=["reopen"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def reopen_for_candidate(self, request, queryset):
        """Ask for the reason, then call `application_reopen` for each selected dossier."""
        form = ReopenForm(action_data(request))
        return admin_action(
            self,
            request,
            queryset.prefetch_related(None).select_related("candidate").order_by("number"),
            form=form,
            confirm=Confirmation(
                title=gettext("Reopen for the candidate"),
                intro=ngettext_lazy(
                    "This dossier goes back to the candidate as a draft: they can change it and "
                    "must submit it again. They receive an e-mail with your reason.",
                    "These %(counter)s dossiers go back to their candidates as drafts: they can "
                    "change them and must submit them again. Each receives an e-mail with your "
                    "reason.",
                    "counter",
                ),
                submit=gettext("Reopen"),
                headers=[_("candidate number"), _("candidate"), _("status")],
                cells=lambda application: [
                    application.number,
                    application.candidate.get_full_name(),
                    application.get_status_display(),
                ],
            ),
            call=lambda application: application_reopen(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            refused=_("%(number)s was not reopened: %(reason)s"),
            names=lambda application: {"number": application.number},
            done=ngettext_lazy(
                "%(count)d dossier reopened for its candidate.",
                "%(count)d dossiers reopened for their candidates.",
                "count",
            ),
        )

    @admin.action(
        description=_("Record the previous académie's evaluation…"),
        permissions=["record_previous_evaluation"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def record_previous_evaluation(self, request, queryset):
        """Ask for the evaluation, then record it on each selected returning assistant."""
        form = PreviousEvaluationForm(action_data(request))
        return admin_action(
            self,
            request,
            queryset.prefetch_related(None).select_related("candidate").order_by("number"),
            form=form,
            confirm=Confirmation(
                title=gettext("Record the previous académie's evaluation"),
                intro=gettext(
                    "Only a returning assistant with a positive evaluation may be offered a "
                    "second year; while it is not yet known, the selection round cannot be "
                    "frozen without a programme manager's reason."
                ),
                submit=gettext("Record"),
                headers=[
                    _("candidate number"),
                    _("candidate"),
                    _("previous académie's evaluation"),
                ],
                cells=lambda application: [
                    application.number,
                    application.candidate.get_full_name(),
                    application.get_previous_evaluation_display(),
                ],
            ),
            call=lambda application: application_record_previous_evaluation(
                application=application,
                evaluation=form.cleaned_data["evaluation"],
                actor=request.user,
            ),
            done=ngettext_lazy(
                "%(count)d dossier's previous evaluation recorded.",
                "%(count)d dossiers' previous evaluations recorded.",
                "count",
            ),
        )

    @admin.action(
        description=_("Confirm earlier participations"),
        permissions=["override_eligibility"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def confirm_earlier_participations(self, request, queryset):
        """Record each dossier's recognised earlier years as an assistant
        (`previous_participations_confirm`), for the lifetime limit and the waitlist."""
        return admin_action(
            self,
            request,
            queryset.prefetch_related(None).order_by("number"),
            call=lambda application: (
                application.number,
                previous_participations_confirm(application=application, actor=request.user),
            ),
            done=lambda result: (
                ngettext(
                    "%(number)s: %(count)d earlier participation recorded.",
                    "%(number)s: %(count)d earlier participations recorded.",
                    result[1],
                )
                % {"number": result[0], "count": result[1]}
            ),
        )

    @admin.action(
        description=_("Verify the official French test"),
        permissions=["verify_french_test"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def verify_french_test(self, request, queryset):
        """Call `french_test_verify` for each selected dossier; its level becomes the French level.

        Reports how many were verified and, for each refusal, the dossier and the reason.
        """
        return admin_action(
            self,
            request,
            queryset.prefetch_related(None).order_by("number"),
            call=lambda application: french_test_verify(
                application=application, actor=request.user
            ),
            refused=_("%(number)s: the French test was not verified: %(reason)s"),
            names=lambda application: {"number": application.number},
            done=ngettext_lazy(
                "%(count)d official French test verified: its level is now the dossier's "
                "French level.",
                "%(count)d official French tests verified: each level is now its dossier's "
                "French level.",
                "count",
            ),
        )

    def _decision_entry(self, request, application, *, may_override: bool) -> dict[str, Any]:
        """One dossier of the eligibility decision: its form, and what the page shows of it."""
        dossier = dossier_load(application.pk)
        verdict = self._status(dossier).verdict
        form = EligibilityDecisionForm(
            action_data(request),
            prefix=f"dossier-{application.pk}",
            verdict=verdict,
            may_override=may_override,
        )
        return {
            "pk": application.pk,
            "application": dossier,
            "verdict_label": ELIGIBILITY_LABELS[verdict.eligible],
            "refusal": eligibility_decision_refusal(application=dossier, actor=request.user),
            "form": form,
            "rows": form.rule_rows(dossier, application_facts(dossier)),
        }

    @admin.action(
        description=_("Decide eligibility"),
        permissions=["decide_eligibility"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def decide_eligibility(self, request, queryset):
        """Show each rule's result beside the facts it read, with an optional overrule per rule
        (staff holding `candidates.override_eligibility`), then call `eligibility_decide` for
        each selected dossier and report the outcomes and refusals."""
        may_override = eligibility_may_override(request.user)
        entries = [
            self._decision_entry(request, application, may_override=may_override)
            for application in queryset.prefetch_related(None).order_by("number")
        ]
        return admin_action(
            self,
            request,
            entries,
            row_form=lambda entry: entry["form"],
            confirm=Confirmation(
                title=gettext("Eligibility decision"),
                intro="",
                submit=gettext("Record the decision"),
                template="admin/candidates/application/eligibility_decision.html",
                context={"may_override": may_override},
            ),
            call=lambda entry: eligibility_decide(
                application=entry["application"],
                actor=request.user,
                overrides=entry["form"].overrides(),
            ),
            refused=_("%(number)s: no decision recorded: %(reason)s"),
            names=lambda entry: {"number": entry["application"].number},
            tally=lambda decision: decision.outcome,
            done={
                EligibilityOutcome.ELIGIBLE: ngettext_lazy(
                    "%(count)d dossier found eligible: it joins the review queue.",
                    "%(count)d dossiers found eligible: they join the review queue.",
                    "count",
                ),
                EligibilityOutcome.INELIGIBLE: ngettext_lazy(
                    "%(count)d dossier found ineligible: its candidate is told why by e-mail.",
                    "%(count)d dossiers found ineligible: each candidate is told why by e-mail.",
                    "count",
                ),
            },
        )


# --- Document and Couple ------------------------------------------------------------------------


class DocumentRejectForm(ReasonForm):
    reasons = DocumentRejection
    reason_help = _("The candidate reads this reason in an e-mail and on their documents page.")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Every document version, read-only; staff with `candidates.review_document` accept or
    reject current versions (`document_accept`, `document_reject`)."""

    list_display = [
        "application_number",
        "kind",
        "original_name",
        "is_current",
        "review_status",
        "uploaded_at",
        "size_display",
        "download",
    ]
    list_filter = ["review_status", "kind", "is_current", "application__status"]
    search_fields = ["application__number", "original_name"]
    list_select_related = ["application"]
    date_hierarchy = "uploaded_at"
    actions = ["accept_documents", "reject_documents"]
    # `file` is left out on purpose: its storage URL is private; staff use the download link.
    fields = [
        "application",
        "kind",
        "original_name",
        "download",
        "content_type",
        "size_display",
        "sha256",
        "expires_on",
        "is_current",
        "uploaded_by",
        "uploaded_at",
        "review_status",
        "rejection_reason",
        "rejection_note",
        "replaceable_until",
        "reviewed_by",
        "reviewed_at",
    ]
    readonly_fields = fields

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("candidates.review_document")

    def get_queryset(self, request):
        # A reviewer sees the documents of the dossiers assigned to them.
        return (
            super().get_queryset(request).filter(dossier_scope(request.user, path="application__"))
        )

    @admin.display(description=_("candidate number"), ordering="application__number")
    def application_number(self, obj: Document) -> str:
        return obj.application.number

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, obj: Document) -> str:
        return filesizeformat(obj.size)

    @admin.display(description=_("file"))
    def download(self, obj: Document) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("candidates:document_download", kwargs={"pk": obj.pk}),
            _("Download"),
        )

    @admin.action(
        description=_("Accept the selected documents"),
        permissions=["review"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def accept_documents(self, request, queryset):
        """`document_accept` for each; a dossier whose documents are all accepted is complete."""
        return admin_action(
            self,
            request,
            queryset.select_related("application").order_by("application__number"),
            call=lambda document: document_accept(document=document, actor=request.user),
            refused=_("%(document)s: not changed: %(reason)s"),
            names=lambda document: {"document": document},
            done=ngettext_lazy(
                "%(count)d document accepted.", "%(count)d documents accepted.", "count"
            ),
        )

    @admin.action(
        description=_("Reject the selected documents (with a reason)"),
        permissions=["review"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def reject_documents(self, request, queryset):
        """Ask for the reason, then `document_reject` for each: the candidate is told by e-mail
        and may replace that document only, within the campaign's correction window."""
        documents = list(
            queryset.select_related("application__candidate").order_by("application__number")
        )
        form = DocumentRejectForm(action_data(request))
        return admin_action(
            self,
            request,
            documents,
            form=form,
            confirm=Confirmation(
                title=gettext("Reject documents"),
                intro=gettext(
                    "The candidate receives the reason by e-mail and may replace these documents "
                    "only (the rest of the dossier stays locked) for %(days)s days."
                )
                % {"days": documents[0].application.campaign.correction_window_days}
                if documents
                else "",
                submit=gettext("Reject"),
                headers=[
                    _("candidate number"),
                    _("candidate"),
                    _("document"),
                    _("original file name"),
                    _("check"),
                ],
                cells=lambda d: [
                    d.application.number,
                    d.application.candidate.get_full_name(),
                    d.get_kind_display(),
                    d.original_name,
                    _review_display(d),
                ],
                heading=ngettext_lazy(
                    "The selected document", "The %(counter)s selected documents", "counter"
                ),
            ),
            call=lambda document: document_reject(
                document=document,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            ),
            refused=_("%(document)s: not changed: %(reason)s"),
            names=lambda document: {"document": document},
            done=ngettext_lazy(
                "%(count)d document rejected: its candidate is told by e-mail.",
                "%(count)d documents rejected: each candidate is told by e-mail.",
                "count",
            ),
        )


@admin.register(Couple)
class CoupleAdmin(ReadOnlyAdmin):
    list_display = [
        "proposer",
        "proposer_email",
        "partner_email",
        "partner",
        "preference",
        "status",
        "created_at",
        "confirmed_at",
    ]
    list_filter = ["status", "preference", "proposer__campaign"]
    search_fields = [
        "proposer__number",
        "proposer__candidate__email",
        "partner__number",
        "partner_email",
    ]
    list_select_related = ["proposer__candidate", "partner"]
    fields = [
        "proposer",
        "partner_email",
        "partner",
        "preference",
        "status",
        "created_at",
        "confirmed_at",
        "dissolved_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # A reviewer sees the couples one of whose dossiers is assigned to them (an empty Q,
        # every dossier, would vanish from an OR: so one scope at a time).
        queryset = super().get_queryset(request)
        proposer = dossier_scope(request.user, path="proposer__")
        if not proposer:
            return queryset
        return queryset.filter(proposer | dossier_scope(request.user, path="partner__"))

    @admin.display(
        description=_("proposer's e-mail address"), ordering="proposer__candidate__email"
    )
    def proposer_email(self, obj: Couple) -> str:
        return obj.proposer.candidate.email


@admin.register(DeletionRequest)
class DeletionRequestAdmin(ReadOnlyAdmin):
    """Candidates' requests to erase their data once a dossier was submitted; settled under the
    retention policy by `candidates.retention.deletion_request_settle`."""

    list_display = ["candidate", "requested_at", "status", "settled_at", "settled_by"]
    list_filter = ["status"]
    search_fields = ["candidate__email", "candidate__applications__number"]
    list_select_related = ["candidate", "settled_by"]
    date_hierarchy = "requested_at"
    fields = [
        "candidate",
        "requested_at",
        "reason",
        "status",
        "settled_at",
        "settled_by",
        "outcome_text",
    ]
    readonly_fields = fields
    actions = ["settle"]

    @admin.display(description=_("outcome"))
    def outcome_text(self, obj: DeletionRequest):
        return format_html_join("", "<p>{}</p>", ((explain_message(item),) for item in obj.outcome))

    def has_settle_permission(self, request) -> bool:
        return request.user.has_perm("candidates.settle_deletionrequest")

    @admin.action(
        description=_("Settle under the retention policy: delete the drafts, tell what is kept"),
        permissions=["settle"],
    )
    def settle(self, request, queryset):
        return admin_action(
            self,
            request,
            queryset.select_related("candidate"),
            skip=lambda item: item.status == DeletionRequest.Status.SETTLED,
            skipped=ngettext_lazy(
                "%(count)d request was already settled.",
                "%(count)d requests were already settled.",
                "count",
            ),
            call=lambda item: deletion_request_settle(request=item, actor=request.user),
            done=ngettext_lazy(
                "%(count)d request settled; the candidate is told what is kept.",
                "%(count)d requests settled; each candidate is told what is kept.",
                "count",
            ),
        )


from candidates import admin_messages  # noqa: E402, F401 (registers the group messages' admin)
