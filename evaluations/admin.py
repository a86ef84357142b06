"""Staff screens for evaluators, institution contacts, evaluation requests and evaluations.

Everything here is read-only: services write these rows (the candidate's invitation, the
professor's link and evaluation, the institution's professors). Staff see every field of every
request and evaluation; nobody adds, changes or deletes one here, so a submitted evaluation stays
as the professor sent it. The only writes are actions calling services: approve / reject
institution contacts, and confirm / reject the evaluator of an evaluation waiting in the queue
"evaluator to confirm" (filter the requests by evaluator check).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from candidates.permissions import dossier_scope
from evaluations.choices import ContactStatus, EvaluatorCheck
from evaluations.models import Evaluation, EvaluationRequest, InstitutionContact, Professor
from evaluations.services import (
    EVALUATION_FIELDS,
    evaluation_request_confirm_evaluator,
    evaluation_request_reject_evaluator,
    institution_contact_decide,
)
from evaluations.trust import vouched_by
from tapif.core.admin_actions import admin_action

#: Why an invited address is vouched for (evaluations.trust.vouched_by), as staff read it.
VOUCHED_WORDS = {
    "listed": _("Listed by an approved contact of its institution"),
    "domain": _("On an e-mail domain staff approved"),
}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services write: staff look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _dossier_link(application) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:candidates_application_change", args=[application.pk]),
        application.number,
    )


# --- Professor ----------------------------------------------------------------------------------


@admin.register(Professor)
class ProfessorAdmin(ReadOnlyAdmin):
    list_display = ["full_name", "email", "institution", "is_active", "has_account", "created_at"]
    list_filter = ["institution", "is_active"]
    search_fields = ["full_name", "email", "institution__name"]
    list_select_related = ["institution"]
    fields = ["full_name", "email", "institution", "is_active", "user", "added_by", "created_at"]
    readonly_fields = fields

    @admin.display(description=_("Professeur account"), boolean=True, ordering="user")
    def has_account(self, obj: Professor) -> bool:
        return obj.user_id is not None


# --- InstitutionContact -------------------------------------------------------------------------


@admin.register(InstitutionContact)
class InstitutionContactAdmin(ReadOnlyAdmin):
    list_display = [
        "user_email",
        "user_name",
        "institution",
        "institution_status",
        "role",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]
    list_filter = ["status", "institution__status"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "institution__name"]
    list_select_related = ["user", "institution", "decided_by"]
    fields = ["user", "institution", "role", "status", "created_at", "decided_at", "decided_by"]
    readonly_fields = fields
    actions = ["approve", "reject"]

    def has_decide_permission(self, request) -> bool:
        codename = get_permission_codename("change", self.opts)
        return request.user.has_perm(f"{self.opts.app_label}.{codename}")

    @admin.display(description=_("e-mail address"), ordering="user__email")
    def user_email(self, obj: InstitutionContact) -> str:
        return obj.user.email

    @admin.display(description=_("name"), ordering="user__last_name")
    def user_name(self, obj: InstitutionContact) -> str:
        return obj.user.get_full_name()

    @admin.display(description=_("institution listed"), ordering="institution__status")
    def institution_status(self, obj: InstitutionContact) -> str:
        return obj.institution.get_status_display()

    def _decide(self, request, queryset, *, approve: bool, done):
        """`institution_contact_decide` for each contact not already in the wanted status."""
        wanted = ContactStatus.APPROVED if approve else ContactStatus.REJECTED
        return admin_action(
            self,
            request,
            queryset.select_related("user", "institution").order_by("pk"),
            skip=lambda contact: contact.status == wanted,
            call=lambda contact: institution_contact_decide(
                contact=contact, approve=approve, actor=request.user
            ),
            refused=_("%(contact)s: nothing changed: %(reason)s"),
            names=lambda contact: {"contact": contact.user.email},
            done=done,
            skipped=ngettext_lazy(
                "%(count)d contact already had this status: nothing changed.",
                "%(count)d contacts already had this status: nothing changed.",
                "count",
            ),
        )

    @admin.action(description=_("Approve the selected contacts"), permissions=["decide"])
    def approve(self, request, queryset):
        return self._decide(
            request,
            queryset,
            approve=True,
            done=ngettext_lazy(
                "%(count)d contact approved: they now see their institution's page "
                "(and a requested institution is now listed).",
                "%(count)d contacts approved: they now see their institution's page "
                "(and a requested institution is now listed).",
                "count",
            ),
        )

    @admin.action(description=_("Reject the selected contacts"), permissions=["decide"])
    def reject(self, request, queryset):
        return self._decide(
            request,
            queryset,
            approve=False,
            done=ngettext_lazy(
                "%(count)d contact rejected.", "%(count)d contacts rejected.", "count"
            ),
        )


# --- EvaluationRequest --------------------------------------------------------------------------


@admin.register(EvaluationRequest)
class EvaluationRequestAdmin(ReadOnlyAdmin):
    list_display = [
        "dossier_number",
        "evaluator_name",
        "evaluator_email",
        "status",
        "evaluator_check",
        "relationship",
        "sent_at",
        "opened_at",
        "submitted_at",
        "reminders_sent",
        "last_reminded_at",
    ]
    # "Evaluator check: Evaluator to confirm" is the staff queue of evaluations that wait.
    list_filter = ["evaluator_check", "status", "relationship", "language", "application__campaign"]
    actions = ["confirm_evaluator", "reject_evaluator"]
    search_fields = [
        "application__number",
        "evaluator_name",
        "evaluator_email",
        "application__candidate__email",
        "application__candidate__last_name",
    ]
    list_select_related = ["application"]
    date_hierarchy = "created_at"
    # Every field but `token_hash`: a hash is of no use to staff, and the link itself is never
    # stored.
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "dossier",
                    ("evaluator_name", "evaluator_email"),
                    ("institution", "relationship", "language"),
                    "status",
                    "professor",
                    "evaluation_link",
                ]
            },
        ),
        (
            _("Chain of trust"),
            {
                "fields": [
                    "evaluator_check",
                    "vouched_by",
                    ("evaluator_checked_by", "evaluator_checked_at"),
                    "pending_professor",
                    ("address_confirm_sent_at", "address_confirmed_at"),
                ]
            },
        ),
        (
            _("Dates"),
            {
                "fields": [
                    "created_at",
                    "sent_at",
                    "delivery_failed_at",
                    "opened_at",
                    "submitted_at",
                    ("declined_at", "decline_reason"),
                    "replaced_at",
                    "token_expires_at",
                ]
            },
        ),
        (
            _("Reminders"),
            {
                "fields": [
                    "resent_count",
                    "reminders_sent",
                    "last_reminded_at",
                    "unopened_notice_at",
                ]
            },
        ),
    ]
    readonly_fields = [
        "dossier",
        "evaluator_name",
        "evaluator_email",
        "institution",
        "relationship",
        "language",
        "status",
        "professor",
        "evaluation_link",
        "created_at",
        "sent_at",
        "delivery_failed_at",
        "opened_at",
        "submitted_at",
        "declined_at",
        "decline_reason",
        "replaced_at",
        "token_expires_at",
        "resent_count",
        "reminders_sent",
        "last_reminded_at",
        "unopened_notice_at",
        "evaluator_check",
        "vouched_by",
        "evaluator_checked_by",
        "evaluator_checked_at",
        "pending_professor",
        "address_confirm_sent_at",
        "address_confirmed_at",
    ]

    def get_queryset(self, request):
        # A reviewer sees the requests of the dossiers assigned to them.
        return (
            super().get_queryset(request).filter(dossier_scope(request.user, path="application__"))
        )

    @admin.display(description=_("candidate number"), ordering="application__number")
    def dossier_number(self, obj: EvaluationRequest) -> str:
        return obj.application.number

    @admin.display(description=_("vouched for by"))
    def vouched_by(self, obj: EvaluationRequest) -> str:
        reason = vouched_by(obj.evaluator_email)
        return str(VOUCHED_WORDS.get(reason, _("Nobody: staff must confirm")))

    def has_confirm_permission(self, request) -> bool:
        return request.user.has_perm("evaluations.confirm_evaluator")

    def _check(self, request, queryset, *, service, done):
        return admin_action(
            self,
            request,
            queryset.select_related("application").order_by("pk"),
            skip=lambda item: item.evaluator_check != EvaluatorCheck.PENDING,
            call=lambda item: service(request=item, actor=request.user),
            refused=_("%(request)s: nothing changed: %(reason)s"),
            names=lambda item: {"request": item.application.number},
            done=done,
            skipped=ngettext_lazy(
                "%(count)d request was not waiting for its evaluator to be confirmed: "
                "nothing changed.",
                "%(count)d requests were not waiting for their evaluator to be confirmed: "
                "nothing changed.",
                "count",
            ),
        )

    @admin.action(description=_("Confirm the evaluator"), permissions=["confirm"])
    def confirm_evaluator(self, request, queryset):
        return self._check(
            request,
            queryset,
            service=evaluation_request_confirm_evaluator,
            done=ngettext_lazy(
                "%(count)d evaluator confirmed: the evaluation counts and its level is on the "
                "dossier.",
                "%(count)d evaluators confirmed: the evaluations count and their levels are on "
                "the dossiers.",
                "count",
            ),
        )

    @admin.action(description=_("Reject the evaluator"), permissions=["confirm"])
    def reject_evaluator(self, request, queryset):
        return self._check(
            request,
            queryset,
            service=evaluation_request_reject_evaluator,
            done=ngettext_lazy(
                "%(count)d evaluator rejected: the evaluation does not count and the candidate "
                "is asked to invite someone else.",
                "%(count)d evaluators rejected: the evaluations do not count and the candidates "
                "are asked to invite someone else.",
                "count",
            ),
        )

    @admin.display(description=_("dossier"))
    def dossier(self, obj: EvaluationRequest) -> str:
        return _dossier_link(obj.application)

    @admin.display(description=_("evaluation"))
    def evaluation_link(self, obj: EvaluationRequest) -> str:
        evaluation = Evaluation.objects.filter(request=obj).only("pk", "status").first()
        if evaluation is None:
            return _("Not started")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:evaluations_evaluation_change", args=[evaluation.pk]),
            evaluation.get_status_display(),
        )


# --- Evaluation ---------------------------------------------------------------------------------


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = [
        "dossier_number",
        "professor",
        "overall_level",
        "recommendation",
        "status",
        "submitted_at",
    ]
    list_filter = ["status", "overall_level", "recommendation"]
    search_fields = [
        "request__application__number",
        "request__evaluator_name",
        "request__evaluator_email",
        "request__professor__full_name",
        "request__professor__email",
    ]
    list_select_related = ["request__application", "request__professor"]
    fieldsets = [
        (None, {"fields": ["dossier", "professor", "request", "status", "submitted_at"]}),
        (
            _("French level"),
            {
                "fields": [
                    ("oral_comprehension", "oral_expression"),
                    ("written_comprehension", "written_expression"),
                    "overall_level",
                ]
            },
        ),
        (
            _("Motivation and aptitude"),
            {"fields": ["motivation", "aptitude"]},
        ),
        (
            _("How the professor knows the candidate"),
            {"fields": ["known_for", "known_context", "known_context_details"]},
        ),
        (_("Comment and recommendation"), {"fields": ["comment", "recommendation"]}),
        (_("History"), {"fields": ["updated_at"]}),
    ]
    readonly_fields = [
        "dossier",
        "professor",
        "request",
        "status",
        "submitted_at",
        *EVALUATION_FIELDS,
        "updated_at",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(dossier_scope(request.user, path="request__application__"))
            .select_related("request__application", "request__professor")
        )

    @admin.display(description=_("candidate number"), ordering="request__application__number")
    def dossier_number(self, obj: Evaluation) -> str:
        return obj.request.application.number

    @admin.display(description=_("dossier"))
    def dossier(self, obj: Evaluation) -> str:
        return _dossier_link(obj.request.application)

    @admin.display(description=_("professor"), ordering="request__professor__full_name")
    def professor(self, obj: Evaluation) -> str:
        request = obj.request
        if request.professor is not None:
            return str(request.professor)
        return f"{request.evaluator_name} <{request.evaluator_email}>"
