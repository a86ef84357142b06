from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from tapif.core.admin_actions import admin_action
from tapif.core.admin_display import AuditedAdmin, ReadOnlyAdmin, html_table, short_date
from tapif.core.exceptions import DomainError
from tapif.core.jobs import JOB_LABELS, job_last_runs, summary_text
from tapif.core.letters import (
    can_download_letter,
    code_display,
    code_normalize,
    letter_by_code,
    letter_filename,
    letter_log_staff_download,
    letter_response,
    letter_verification,
)
from tapif.core.messages import explain
from tapif.core.models import (
    Academie,
    AcademieCutoff,
    AuditEntry,
    Campaign,
    Institution,
    IssuedLetter,
    JobRun,
    OutboundMessage,
    StaffInvitation,
    User,
)
from tapif.core.outbox import message_resend
from tapif.core.permissions import can_check_letter
from tapif.core.privacy import retention_run
from tapif.core.roles import role_label
from tapif.core.rollover import campaign_rollover
from tapif.core.selectors import staff_without_second_factor, users_with_second_factor
from tapif.core.services import (
    campaign_make_current,
    campaign_update,
    institution_set_email_domains,
    institution_set_status,
    staff_enrol,
    staff_invite,
)


class UserAddForm(AdminUserCreationForm):
    """A staff account gets no password here: its owner chooses one from the e-mailed set-up
    link (a password typed by whoever creates the account would be known to two people)."""

    def validate_passwords(self, *args, **kwargs):
        if self.cleaned_data.get("is_staff"):
            self.cleaned_data["usable_password"] = "false"  # noqa: S105 (a choice, not a password)
        super().validate_passwords(*args, **kwargs)


class SecondFactorFilter(admin.SimpleListFilter):
    title = _("second factor")
    parameter_name = "second_factor"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(has_second_factor=self.value() == "yes")
        return queryset


class StaffInvitationInline(admin.TabularInline):
    model = StaffInvitation
    fk_name = "user"
    extra = 0
    can_delete = False
    fields = readonly_fields = ["created_at", "created_by", "expires_at", "used_at", "revoked_at"]
    verbose_name_plural = _("set-up links sent")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoleFilter(admin.SimpleListFilter):
    """The staff roles (groups), named in the reader's language."""

    title = _("role")
    parameter_name = "groups__id__exact"

    def lookups(self, request, model_admin):
        return [(group.pk, role_label(group.name)) for group in Group.objects.order_by("name")]

    def queryset(self, request, queryset):
        return queryset.filter(groups__id=self.value()) if self.value() else queryset


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Group) -> str:
        return role_label(obj.name)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = UserAddForm
    ordering = ["email"]
    list_display = [
        "email",
        "first_name",
        "last_name",
        "kind",
        "preferred_language",
        "is_staff",
        "second_factor",
        "is_active",
        "date_joined",
    ]
    list_filter = [
        "kind",
        "is_staff",
        SecondFactorFilter,
        "is_active",
        "preferred_language",
        RoleFilter,
    ]
    search_fields = ["email", "first_name", "last_name"]
    readonly_fields = ["last_login", "date_joined"]
    inlines = [StaffInvitationInline]
    actions = ["send_setup_link"]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("first_name", "last_name", "kind", "preferred_language")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "kind", "preferred_language"),
            },
        ),
        (
            _("Staff"),
            {
                "classes": ("wide",),
                "description": _(
                    "A staff account is e-mailed a single-use link to choose its password and "
                    "set up its second factor: leave the password empty."
                ),
                "fields": ("is_staff", "is_superuser", "groups"),
            },
        ),
        (
            _("Password"),
            {"classes": ("wide",), "fields": ("usable_password", "password1", "password2")},
        ),
    )

    def get_queryset(self, request):
        return users_with_second_factor(super().get_queryset(request))

    @admin.display(description=_("second factor"), boolean=True, ordering="has_second_factor")
    def second_factor(self, obj):
        return obj.has_second_factor

    def save_model(self, request, obj, form, change):
        """Whoever makes an account staff sends it its set-up link (`staff_enrol`)."""
        became_staff = obj.is_staff and (not change or "is_staff" in form.changed_data)
        super().save_model(request, obj, form, change)
        if became_staff:
            invitation = staff_enrol(user=obj, actor=request.user)
            self.message_user(
                request,
                _("A set-up link was e-mailed to %(email)s, valid until %(until)s.")
                % {"email": obj.email, "until": short_date(invitation.expires_at)},
                messages.SUCCESS,
            )

    def changelist_view(self, request, extra_context=None):
        missing = staff_without_second_factor().count()
        if missing and request.method == "GET":
            self.message_user(
                request,
                ngettext(
                    "%(count)d active staff account has no second factor yet: it cannot open "
                    "the administration until its set-up link is used.",
                    "%(count)d active staff accounts have no second factor yet: they cannot "
                    "open the administration until their set-up link is used.",
                    missing,
                )
                % {"count": missing},
                messages.WARNING,
            )
        return super().changelist_view(request, extra_context)

    def has_setup_link_permission(self, request):
        return request.user.has_perm("core.change_user")

    @admin.action(description=_("Send a new set-up link"), permissions=["setup_link"])
    def send_setup_link(self, request, queryset):
        """`staff_invite` for each staff account; the previous link of each stops working."""
        return admin_action(
            self,
            request,
            queryset.order_by("email"),
            skip=lambda user: not user.is_staff,
            call=lambda user: staff_invite(user=user, actor=request.user),
            refused=_("%(email)s: %(reason)s"),
            names=lambda user: {"email": user.email},
            done=ngettext_lazy(
                "%(count)d set-up link was e-mailed.",
                "%(count)d set-up links were e-mailed.",
                "count",
            ),
            skipped=ngettext_lazy(
                "%(count)d account is not staff and was left as it is.",
                "%(count)d accounts are not staff and were left as they are.",
                "count",
            ),
            skipped_level=messages.WARNING,
        )


@admin.register(Campaign)
class CampaignAdmin(AuditedAdmin):
    list_display = [
        "school_year",
        "code",
        "is_current",
        "opens_at",
        "closes_at",
        "total_positions",
        "fee_amount",
        "fee_currency",
    ]
    list_filter = ["is_current"]
    search_fields = ["school_year", "code"]
    readonly_fields = ["is_current", "created_at", "updated_at", "scheduled_jobs"]
    actions = ["make_current", "prepare_next_year"]
    fieldsets = (
        (None, {"fields": ("school_year", "code", "is_current", "time_zone")}),
        (
            _("Application window"),
            {
                "fields": (
                    "opens_at",
                    "closes_at",
                    "language_test_deadline",
                    "results_release_date",
                    "offer_response_days",
                )
            },
        ),
        (
            _("Contract"),
            {
                "fields": (
                    "contract_start",
                    "contract_end",
                    "weekly_hours",
                    "max_schools",
                    "monthly_gross_salary",
                    "salary_currency",
                    "overseas_supplement_min_percent",
                    "overseas_supplement_max_percent",
                    "total_positions",
                )
            },
        ),
        (
            _("Eligibility"),
            {
                "fields": (
                    "min_age",
                    "max_age",
                    "passport_valid_until",
                    "max_participations",
                    "max_academie_choices",
                    "motivation_letter_words",
                )
            },
        ),
        (
            _("Application fee"),
            {"fields": ("fee_amount", "fee_currency", "etransfer_recipient", "etransfer_memo")},
        ),
        (
            _("Reminders and results e-mails"),
            {
                "fields": (
                    "deadline_reminder_days",
                    "language_test_reminder_days",
                    "evaluator_reminder_after_days",
                    "evaluator_reminder_every_days",
                    "evaluator_reminder_max",
                    "unopened_invitation_days",
                    "correction_reminder_days",
                    "offer_reminder_days",
                    "results_messages_per_minute",
                    "scheduled_jobs",
                )
            },
        ),
        (
            _("Merit review"),
            {
                "fields": (
                    "score_aggregation",
                    "disagreement_threshold",
                    "reviewers_per_dossier",
                    "merit_calibration",
                    "calibration_min_reviews",
                )
            },
        ),
        (_("Contact"), {"fields": ("contact_email",)}),
        (
            _("Retention of the candidates' data"),
            {
                "fields": (
                    "retention_not_selected_months",
                    "retention_assistant_months",
                    "retention_draft_days",
                    "retention_identity_years",
                ),
                "description": _(
                    "Replaced document versions are deleted once the dossier is decided. "
                    "docs/privacy.md explains each rule; the privacy page prints them."
                ),
            },
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("scheduled jobs"))
    def scheduled_jobs(self, obj):
        return job_runs_table()

    def save_model(self, request, obj, form, change):
        """A change goes through `campaign_update` (audited; a moved deadline is announced)."""
        if not change:
            return super().save_model(request, obj, form, change)
        campaign_update(
            campaign=obj,
            values={name: form.cleaned_data[name] for name in form.changed_data},
            actor=request.user,
        )

    @admin.action(
        description=_("Make the selected campaign the current one"), permissions=["change"]
    )
    def make_current(self, request, queryset):
        return admin_action(
            self,
            request,
            queryset[:2],
            exactly_one=_("Select exactly one campaign."),
            call=lambda campaign: campaign_make_current(campaign=campaign, actor=request.user),
            refused_level=messages.ERROR,
            done=lambda campaign: (
                _("%(year)s is now the current campaign.") % {"year": campaign.school_year}
            ),
        )

    @admin.action(description=_("Prepare next year"), permissions=["add"])
    def prepare_next_year(self, request, queryset):
        return admin_action(
            self,
            request,
            queryset[:2],
            exactly_one=_("Select exactly one campaign."),
            call=lambda campaign: campaign_rollover(campaign=campaign, actor=request.user),
            refused_level=messages.ERROR,
            done=lambda campaign: format_html(
                '<a href="{}">{}</a>',
                reverse("admin:core_campaign_change", args=[campaign.pk]),
                _(
                    "The %(year)s campaign is prepared: check its dates and settings, then "
                    "make it current."
                )
                % {"year": campaign.school_year},
            ),
        )


@admin.register(Academie)
class AcademieAdmin(AuditedAdmin):
    list_display = ["name", "code", "is_overseas", "has_salary_supplement", "is_active"]
    list_filter = ["is_overseas", "has_salary_supplement", "is_active"]
    search_fields = ["name", "code"]
    actions = ["deactivate"]

    @admin.action(description=_("Stop receiving assistants"), permissions=["change"])
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(
            request,
            ngettext("%(count)d académie deactivated.", "%(count)d académies deactivated.", count)
            % {"count": count},
        )


@admin.register(Institution)
class InstitutionAdmin(AuditedAdmin):
    """Staff correct a name or a city here; the status changes only through the two actions."""

    list_display = [
        "name",
        "city",
        "province",
        "kind",
        "status",
        "has_approved_domains",
        "requested_by",
        "created_at",
    ]
    list_filter = ["status", "kind", "province"]
    search_fields = ["name", "city", "requested_by__email", "email_domains"]
    list_select_related = ["requested_by"]
    fields = [
        "name",
        "city",
        "province",
        "kind",
        "status",
        "requested_by",
        "created_at",
        "email_domains",
        "domains_approved_by",
        "domains_approved_at",
    ]
    actions = ["approve", "reject"]

    def get_readonly_fields(self, request, obj=None):
        """The e-mail domains vouch for professors: only staff allowed to approve them edit them
        (and saving them is approving them, through `institution_set_email_domains`)."""
        readonly = ["status", "requested_by", "created_at", "domains_approved_by"]
        readonly.append("domains_approved_at")
        if not request.user.has_perm("core.approve_email_domains"):
            readonly.append("email_domains")
        return readonly

    @admin.display(description=_("approved e-mail domains"), boolean=True)
    def has_approved_domains(self, obj: Institution) -> bool:
        return bool(obj.approved_domains)

    def save_model(self, request, obj, form, change):
        domains_changed = "email_domains" in form.changed_data
        if domains_changed:
            # The service writes the domains with their approval; the rest is saved as usual.
            obj.email_domains = form.initial.get("email_domains", "") if change else ""
            form.changed_data.remove("email_domains")  # audited by the service instead
        super().save_model(request, obj, form, change)
        if domains_changed:
            try:
                institution_set_email_domains(
                    institution=obj,
                    domains=form.cleaned_data["email_domains"],
                    actor=request.user,
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)

    def _set_status(self, request, queryset, status: str, *, done):
        """`institution_set_status` for each selected institution not already in `status`."""
        return admin_action(
            self,
            request,
            queryset.order_by("pk"),
            skip=lambda institution: institution.status == status,
            call=lambda institution: institution_set_status(
                institution=institution, status=status, actor=request.user
            ),
            refused=_("%(institution)s: nothing changed: %(reason)s"),
            names=lambda institution: {"institution": institution},
            done=done,
            skipped=ngettext_lazy(
                "%(count)d institution already had this status: nothing changed.",
                "%(count)d institutions already had this status: nothing changed.",
                "count",
            ),
        )

    @admin.action(description=_("Approve (list it)"), permissions=["change"])
    def approve(self, request, queryset):
        return self._set_status(
            request,
            queryset,
            Institution.Status.APPROVED,
            done=ngettext_lazy(
                "%(count)d institution listed: candidates and professors can now choose it.",
                "%(count)d institutions listed: candidates and professors can now choose them.",
                "count",
            ),
        )

    @admin.action(description=_("Reject"), permissions=["change"])
    def reject(self, request, queryset):
        return self._set_status(
            request,
            queryset,
            Institution.Status.REJECTED,
            done=ngettext_lazy(
                "%(count)d institution rejected: it is not offered in the list.",
                "%(count)d institutions rejected: they are not offered in the list.",
                "count",
            ),
        )


@admin.register(AcademieCutoff)
class AcademieCutoffAdmin(ReadOnlyAdmin):
    """Read-only: the cut-offs are written by the committee's freeze, never by hand."""

    list_display = [
        "campaign",
        "academie",
        "level",
        "places",
        "first_choice_requests",
        "any_choice_requests",
        "last_rank_placed",
        "recorded_at",
    ]
    list_filter = ["campaign", "level"]
    search_fields = ["academie__name", "academie__code"]
    list_select_related = ["campaign", "academie"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action_display", "target_type", "target_repr"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_repr", "target_id", "actor__email", "action", "dossier"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, obj: AuditEntry) -> str:
        """The action in the reader's words (each app declares its own), its code beside."""
        return format_html("{} <code>{}</code>", explain(obj.action), obj.action)


def job_runs_table() -> str:
    """Each scheduled job with its last run: when, how it ended and what it did."""
    last = job_last_runs()
    rows = []
    for job, label in JOB_LABELS.items():
        run = last.get(job)
        rows.append(
            (
                label,
                short_date(run.finished_at or run.started_at) if run else _("never"),
                run.get_status_display() if run else "",
                job_summary(run) if run else "",
            )
        )
    return html_table(
        [_("Job"), _("Last run"), _("Outcome"), _("What it did")], rows, empty=_("No job.")
    )


def job_summary(run: JobRun) -> str:
    if run.status == JobRun.Status.FAILED:
        return run.error
    return summary_text(run.summary) or "—"


class JobFilter(admin.SimpleListFilter):
    title = _("job")
    parameter_name = "job"

    def lookups(self, request, model_admin):
        return list(JOB_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(job=self.value()) if self.value() else queryset


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyAdmin):
    list_display = ["job_label", "started_at", "duration", "status", "what_it_did", "repeats"]
    list_filter = [JobFilter, "status"]
    date_hierarchy = "started_at"
    fields = ["job_label", "started_at", "finished_at", "status", "what_it_did", "repeats"]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "last_runs": job_runs_table()}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "retention-plan/",
                self.admin_site.admin_view(self.retention_plan_view),
                name="core_jobrun_retention_plan",
            ),
            *super().get_urls(),
        ]

    def retention_plan_view(self, request):
        """The retention job's next run, as a dry run sees it: each step due, by dossier, then
        those to come with their day (staff who read the scheduled jobs)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        report = retention_run(dry_run=True)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Retention: the next run's plan"),
            "opts": self.opts,
            "report": report,
            "due": [step for steps in report.done.values() for step in steps],
        }
        return TemplateResponse(request, "admin/core/jobrun/retention_plan.html", context)

    @admin.display(description=_("job"), ordering="job")
    def job_label(self, obj):
        return JOB_LABELS.get(obj.job, obj.job)

    @admin.display(description=_("duration"))
    def duration(self, obj):
        if obj.finished_at is None or obj.repeats > 1:
            return "—"
        seconds = (obj.finished_at - obj.started_at).total_seconds()
        return _("%(seconds)s s") % {"seconds": f"{seconds:.1f}"}

    @admin.display(description=_("what it did"))
    def what_it_did(self, obj):
        return job_summary(obj)


@admin.register(OutboundMessage)
class OutboundMessageAdmin(ReadOnlyAdmin):
    """The outbox: what was sent to whom, what waits, what failed and why. The context (which
    may hold a personal link) is never shown."""

    list_display = [
        "created_at",
        "to_email",
        "template",
        "dossier",
        "status",
        "attempts",
        "sent_at",
        "short_error",
    ]
    list_filter = ["status", "template", "language", "campaign"]
    search_fields = ["to_email", "dossier", "dedup_key", "subject"]
    date_hierarchy = "created_at"
    list_select_related = ["campaign"]
    fields = [
        "created_at",
        "to_email",
        "reply_to",
        "recipient",
        "language",
        "template",
        "subject",
        "dedup_key",
        "campaign",
        "dossier",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "error",
    ]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.error if len(obj.error) <= 80 else f"{obj.error[:79]}…"

    def has_resend_permission(self, request):
        return request.user.has_perm("core.resend_outboundmessage")

    @admin.action(description=_("Send the selected failed e-mails again"), permissions=["resend"])
    def resend(self, request, queryset):
        """`message_resend` for each failed e-mail; the others are left as they are."""
        return admin_action(
            self,
            request,
            queryset.order_by("pk"),
            skip=lambda message: message.status != OutboundMessage.Status.FAILED,
            call=lambda message: message_resend(message=message, actor=request.user),
            refused=_("%(email)s: %(reason)s"),
            names=lambda message: {"email": message.to_email},
            done=ngettext_lazy(
                "%(count)d e-mail will be sent again.",
                "%(count)d e-mails will be sent again.",
                "count",
            ),
            skipped=ngettext_lazy(
                "%(count)d e-mail was not failed and was left as it is.",
                "%(count)d e-mails were not failed and were left as they are.",
                "count",
            ),
            skipped_level=messages.WARNING,
        )


class LetterCheckForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=30,
        help_text=_("As printed at the foot of the letter, for example ABCDE-FGHJK."),
    )


@admin.register(IssuedLetter)
class IssuedLetterAdmin(ReadOnlyAdmin):
    """The letters the programme issued (written only by `tapif.core.letters.letter_issue`),
    and the "Check a letter" page: a code printed on a letter → what it stated, when and to
    whom it was issued, and its file for staff who may see it."""

    list_display = ["issued_at", "kind", "code_display", "number", "owner", "language"]
    list_filter = ["kind", "language"]
    search_fields = ["number", "owner__email", "owner__last_name"]
    list_select_related = ["owner"]
    date_hierarchy = "issued_at"
    fields = [
        "kind",
        "code_display",
        "number",
        "owner",
        "language",
        "issued_at",
        "stated_facts",
        "content_sha256",
        "file_sha256",
        "size",
        "template",
        "check_link",
    ]
    readonly_fields = fields

    def get_urls(self):
        return [
            path(
                "check/",
                self.admin_site.admin_view(self.check_view),
                name="core_issuedletter_check",
            ),
            path(
                "<int:pk>/download/",
                self.admin_site.admin_view(self.download_view),
                name="core_issuedletter_download",
            ),
            *super().get_urls(),
        ]

    def get_search_results(self, request, queryset, search_term):
        """A verification code, typed in any form, finds its letter."""
        code = code_normalize(search_term)
        if code:
            return queryset.filter(code=code), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("verification code"), ordering="code")
    def code_display(self, obj):
        return code_display(obj.code)

    @admin.display(description=_("what it states"))
    def stated_facts(self, obj):
        facts = letter_verification(obj, full=True).facts
        return html_table(
            [_("Fact"), _("Value")],
            [(fact.label, fact.text) for fact in facts],
            empty=_("Nothing recorded."),
        )

    @admin.display(description=_("check"))
    def check_link(self, obj):
        url = reverse("admin:core_issuedletter_check")
        return format_html(
            '<a href="{}?code={}">{}</a>', url, code_display(obj.code), _("Check this letter")
        )

    def check_view(self, request):
        """Staff who read the letters' register check a code they were shown (`can_check_letter`,
        403 otherwise); the file is offered only to those who may download a letter of its kind."""
        if not can_check_letter(request.user)[0]:
            raise PermissionDenied
        typed = request.GET.get("code", "")
        form = LetterCheckForm(request.GET if typed else None)
        letter = None
        searched = False
        if form.is_valid():
            searched = True
            letter = letter_by_code(form.cleaned_data["code"])
        verification = letter_verification(letter, full=True) if letter else None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Check a letter"),
            "opts": self.opts,
            "form": form,
            "searched": searched,
            "letter": letter,
            "verification": verification,
            "facts": verification.facts if verification else [],
            "may_download": letter is not None and can_download_letter(request.user, letter)[0],
        }
        return TemplateResponse(request, "letters/check.html", context)

    def download_view(self, request, pk: int):
        letter = IssuedLetter.objects.filter(pk=pk).first()
        if letter is None:
            raise Http404
        if not can_download_letter(request.user, letter)[0]:
            raise PermissionDenied
        letter_log_staff_download(letter=letter, actor=request.user)
        return letter_response(letter, filename=letter_filename(letter, letter.kind))
