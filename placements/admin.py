"""The committee's screens for selection rounds (issue 7), in the admin.

Registered here, not in `selection/admin.py`: placements sits on top and may import selection.
- Selection rounds: a draft round's waitlist size and quotas are edited on its page (the quota
  rows only while it is a draft); actions, each calling a service and acting on one round:
  "Fill quotas from the académies" (`quotas_fill`), "Preview" (`round_preview`: the ranked list
  and the per-académie demand, nothing saved), "Freeze…" (`round_freeze`, after a confirmation
  showing the snapshot hash to be recorded and, while the window is open or dossiers would be
  left out, who and why, with a reason only a programme manager may give;
  `placements.freeze_round`, `placements.freeze_round_incomplete`) and "Supersede…"
  (`round_supersede`, with a reason; `placements.supersede_round`).
  A frozen round's page has a "Release results…" button for programme managers
  (`placements.release_results`): a confirmation page (how many candidates get which e-mail,
  who gets nothing, the rate and the estimated duration), then `results_release_start`. Once
  started, the round's page shows the release's progress (refreshed every few seconds while it
  runs), read from the release and the outbox.
- Rank entries, placements and results releases: read-only lists, filtered by round.
- Offers (issue 9): the list with status, source, académie, level and round filters and a search
  by number or name; an offer's page shows its facts read only, and staff holding "change
  offer" record the académie's town and schools there (saved by `offer_set_details`); the
  action "Verify the criminal record check" (`placements.verify_criminal_record`); and "Offer a
  place to a waitlisted candidate…" (`offer_manual`, `placements.offer_place`), a form with the
  round's vacant places and a required reason.
- Promotion log: read only, every candidate considered for a freed place and why.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from candidates.choices import ApplicationStatus
from candidates.models import Application
from placements.allocation import Decision, Level
from placements.choices import (
    FREED_OFFER_STATUSES,
    HOLDING_OFFER_STATUSES,
    ReleaseOutcome,
    ReleaseStatus,
    RoundStatus,
)
from placements.models import (
    Offer,
    OfferSchool,
    Placement,
    PromotionLog,
    Quota,
    RankEntry,
    ResultsRelease,
    SelectionRound,
)
from placements.offers import (
    manual_offer_candidates,
    may_offer_manually,
    offer_manual,
    offer_set_details,
    offer_verify_criminal_record,
    place_vacancies,
    schools_clean,
)
from placements.release import (
    dedup_prefix,
    release_is_early,
    release_plan,
    release_progress,
    results_release_start,
)
from placements.services import (
    FREEZE_INCOMPLETE_PERMISSION,
    FREEZE_PERMISSION,
    quotas_fill,
    round_assert_draft,
    round_assert_freezable,
    round_create,
    round_freeze,
    round_freeze_guard,
    round_preview,
    round_snapshot,
    round_supersede,
)
from tapif.core.admin_actions import Confirmation, action_data, admin_action
from tapif.core.admin_display import ReadOnlyAdmin, html_list, html_table, short_date
from tapif.core.choices import SchoolLevel
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_all
from tapif.core.models import Academie, OutboundMessage

SUPERSEDE_PERMISSION = "placements.supersede_round"
RELEASE_PERMISSION = "placements.release_results"
QUOTAS_ADDED = ngettext_lazy(
    "%(count)d académie added with 0 places: type its places on the round's page.",
    "%(count)d académies added with 0 places: type their places on the round's page.",
    "count",
)


def _decision_label(decision: str) -> str:
    return {
        Decision.ACCEPTED: gettext("Accepted"),
        Decision.WAITLISTED: gettext("Waitlisted"),
        Decision.NOT_SELECTED: gettext("Not selected"),
        Decision.INELIGIBLE: gettext("Ineligible"),
    }[decision]


def _level_label(level: str | None) -> str:
    if not level:
        return "—"
    return gettext("Primary") if level == Level.PRIMARY else gettext("Secondary")


class QuotaInline(admin.TabularInline):
    model = Quota
    extra = 0
    fields = ["academie", "primary", "secondary"]
    autocomplete_fields: list[str] = []
    ordering = ["academie__code"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("academie")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "academie":
            kwargs["queryset"] = Academie.objects.filter(is_active=True).order_by("code")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # The quotas of a frozen or superseded round are read only.
    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and (obj is None or obj.is_draft)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_draft)


class FreezeForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the preview: freeze this round"),
        help_text=_("A frozen round cannot be changed, only superseded by a new round."),
    )
    reason = forms.CharField(
        label=_("Why freeze it now (programme manager)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Only when the round cannot be frozen yet (listed above): the reason is kept on the "
            "round and in the audit log."
        ),
    )


class ReleaseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have checked the round: send every candidate listed their result"),
        help_text=_("Results cannot be taken back once a candidate has been told."),
    )

    def __init__(self, *args, results_date: dt.date | None = None, **kwargs) -> None:
        """`results_date`: the campaign's, when releasing now would be before it (a reason
        is then asked for)."""
        kwargs.setdefault("label_suffix", "")  # the label is a sentence beside its box
        super().__init__(*args, **kwargs)
        if results_date is not None:
            self.fields["reason"] = forms.CharField(
                label=_("Why release before the results date"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
                help_text=_(
                    "The results are due on %(date)s. Kept in the audit log with the release."
                )
                % {"date": formats.date_format(results_date)},
            )


class SupersedeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this round is superseded"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Kept with the round and in the audit log."),
    )


@admin.register(SelectionRound)
class SelectionRoundAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "campaign",
        "number",
        "status",
        "waitlist_size",
        "frozen_by",
        "frozen_at",
        "candidates_count",
        "accepted_count",
        "release_display",
    ]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "frozen_by", "results_release"]
    search_fields = ["campaign__school_year", "snapshot_sha256"]
    inlines = [QuotaInline]
    actions = ["fill_quotas", "preview", "freeze", "supersede"]
    change_form_template = "admin/placements/selectionround/change_form.html"
    readonly_fields = [
        "number",
        "status",
        "created_by",
        "created_at",
        "frozen_by",
        "frozen_at",
        "snapshot_sha256",
        "parameters",
        "superseded_by",
        "superseded_at",
        "superseded_reason",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                candidates=Count("entries", distinct=True),
                accepted=Count(
                    "entries", filter=Q(entries__decision=Decision.ACCEPTED), distinct=True
                ),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.readonly_fields)
        return ["campaign", *fields] if obj is not None else fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["campaign", "waitlist_size"]
        return ["campaign", "waitlist_size", *self.readonly_fields]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_draft)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_freeze_permission(self, request) -> bool:
        return request.user.has_perm(FREEZE_PERMISSION) or request.user.has_perm(
            FREEZE_INCOMPLETE_PERMISSION
        )

    def has_supersede_permission(self, request) -> bool:
        return request.user.has_perm(SUPERSEDE_PERMISSION)

    def has_release_permission(self, request) -> bool:
        return request.user.has_perm(RELEASE_PERMISSION)

    @admin.display(description=_("candidates"), ordering="candidates")
    def candidates_count(self, obj: SelectionRound) -> int:
        return obj.candidates

    @admin.display(description=_("accepted"), ordering="accepted")
    def accepted_count(self, obj: SelectionRound) -> int:
        return obj.accepted

    @admin.display(description=_("results"))
    def release_display(self, obj: SelectionRound) -> str:
        release = getattr(obj, "results_release", None)
        if release is None:
            return gettext("Not released") if obj.status == RoundStatus.FROZEN else "—"
        return _release_summary(release)

    # --- the results release ------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/release/",
                self.admin_site.admin_view(self.release_view),
                name="placements_selectionround_release",
            ),
            path(
                "<path:object_id>/release/progress/",
                self.admin_site.admin_view(self.release_progress_view),
                name="placements_selectionround_release_progress",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        selection_round = self.get_object(request, unquote(object_id))
        extra: dict[str, Any] = {}
        if selection_round is not None:
            release = ResultsRelease.objects.filter(round=selection_round).first()
            may_start = self.has_release_permission(request) and (
                release.status == ReleaseStatus.FAILED
                if release is not None
                else selection_round.status == RoundStatus.FROZEN
            )
            extra = {
                "release_url": _release_url(selection_round) if may_start else None,
                "release_failed": release is not None and release.status == ReleaseStatus.FAILED,
                "progress": release_progress(release) if release is not None else None,
                "progress_url": reverse(
                    "admin:placements_selectionround_release_progress", args=[selection_round.pk]
                ),
                "outbox_url": _outbox_url(request, selection_round) if release else None,
            }
        return super().change_view(
            request, object_id, form_url, extra_context={**extra, **(extra_context or {})}
        )

    def _round_or_404(self, request, object_id: str) -> SelectionRound:
        selection_round = self.get_object(request, unquote(object_id))
        if selection_round is None:
            raise Http404
        return selection_round

    def release_view(self, request, object_id: str):
        """GET: what releasing the round would do; POST (confirmed): `results_release_start`."""
        selection_round = self._round_or_404(request, object_id)
        if not self.has_release_permission(request):
            raise PermissionDenied
        change_url = reverse("admin:placements_selectionround_change", args=[selection_round.pk])
        release = ResultsRelease.objects.filter(round=selection_round).first()
        if release is not None and release.status != ReleaseStatus.FAILED:
            self.message_user(
                request,
                gettext("The results of %(round)s are already being released.")
                % {"round": selection_round}
                if release.is_running
                else gettext("The results of %(round)s are released.") % {"round": selection_round},
                messages.INFO,
            )
            return HttpResponseRedirect(change_url)
        early = release is None and release_is_early(selection_round.campaign)
        form = ReleaseForm(
            request.POST if request.method == "POST" else None,
            results_date=selection_round.campaign.results_release_date if early else None,
        )
        if form.is_valid():
            try:
                release = results_release_start(
                    selection_round=selection_round,
                    actor=request.user,
                    reason=form.cleaned_data.get("reason", ""),
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return HttpResponseRedirect(change_url)
            release.refresh_from_db()
            if release.status == ReleaseStatus.DONE:  # no broker: it ran at once
                self.message_user(
                    request,
                    ngettext(
                        "The results of %(round)s are released: %(count)d candidate told.",
                        "The results of %(round)s are released: %(count)d candidates told.",
                        release.processed,
                    )
                    % {"round": selection_round, "count": release.processed},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                ngettext(
                    "The release of %(round)s has started: %(count)d candidate is told, "
                    "in batches; follow the progress below.",
                    "The release of %(round)s has started: %(count)d candidates are told, "
                    "in batches; follow the progress below.",
                    release.total,
                )
                % {"round": selection_round, "count": release.total},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(change_url)
        if selection_round.status != RoundStatus.FROZEN:
            self.message_user(
                request,
                gettext("Only a frozen round's results can be released; %(round)s is %(status)s.")
                % {"round": selection_round, "status": selection_round.get_status_display()},
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        plan = release_plan(selection_round)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Release the results of %(round)s") % {"round": selection_round},
            "opts": self.opts,
            "original": selection_round,
            "change_url": change_url,
            "form": form,
            "resuming": release,
            "plan": plan,
            "duration": _duration(plan.duration),
            "outcomes_table": _outcomes_table(plan.by_outcome),
            "left_out_table": _left_out_table(plan.left_out),
            "media": self.media + form.media,
        }
        return TemplateResponse(
            request, "admin/placements/selectionround/release_confirm.html", context
        )

    def release_progress_view(self, request, object_id: str):
        """The progress fragment the round's page refreshes while the release runs."""
        selection_round = self._round_or_404(request, object_id)
        if not self.has_view_permission(request, selection_round):
            raise PermissionDenied
        release = ResultsRelease.objects.filter(round=selection_round).first()
        if release is None:
            raise Http404
        return TemplateResponse(
            request,
            "admin/placements/selectionround/release_progress.html",
            {"progress": release_progress(release)},
        )

    def save_model(self, request, obj, form, change):
        """A new round is numbered by `round_create`; a draft's waitlist size is saved under
        the round's lock (refused once it is frozen)."""
        if not change:
            created = round_create(
                campaign=obj.campaign, actor=request.user, waitlist_size=obj.waitlist_size
            )
            obj.pk, obj.number, obj.created_at = created.pk, created.number, created.created_at
            obj._state.adding = False
            return
        round_assert_draft(obj)
        obj.save(update_fields=["waitlist_size"])

    def save_formset(self, request, form, formset, change):
        round_assert_draft(form.instance)
        super().save_formset(request, form, formset, change)

    # --- actions --------------------------------------------------------------------------------

    def _rounds(self, queryset) -> list[SelectionRound]:
        return list(queryset.select_related("campaign")[:2])

    @admin.action(description=_("Fill quotas from the académies"), permissions=["change"])
    def fill_quotas(self, request, queryset):
        return admin_action(
            self,
            request,
            self._rounds(queryset),
            exactly_one=_("Select exactly one round."),
            call=lambda selection_round: quotas_fill(
                selection_round=selection_round, actor=request.user
            ),
            refused_level=messages.ERROR,
            done=lambda added: QUOTAS_ADDED % {"count": added},
        )

    @admin.action(description=_("Preview (nothing is saved)"), permissions=["view"])
    def preview(self, request, queryset):
        """The committee's ranked list of the round: a draft round is previewed there, live."""
        rounds = self._rounds(queryset)
        if len(rounds) != 1:
            self.message_user(request, gettext("Select exactly one round."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("committee:round", args=[rounds[0].pk]))

    def _freeze_confirmation(self, request, selection_round: SelectionRound) -> Confirmation:
        """What freezing records: the preview's counts and the input's hash, and what stands in
        the way (the window still open, the dossiers that would be left out and why). A round
        that cannot be frozen at all, or the preview's DomainError (a round without places
        say), is reported instead."""
        round_assert_freezable(selection_round)
        guard = round_freeze_guard(selection_round)
        allocation = round_preview(selection_round)
        _snapshot, digest = round_snapshot(selection_round)
        counts = Counter(o.decision for o in allocation.outcomes)
        return Confirmation(
            title=gettext("Freeze %(round)s") % {"round": selection_round},
            intro=gettext(
                "Freezing records every candidate's rank, decision and placement as shown "
                "in the preview, with the input's SHA-256 %(hash)s. Candidates see nothing "
                "until the results are released."
            )
            % {"hash": digest},
            submit=gettext("Freeze"),
            headers=[
                gettext("Round"),
                gettext("Accepted"),
                gettext("Waitlisted"),
                gettext("Not selected"),
                gettext("Not ranked yet"),
            ],
            cells=lambda selection_round: [
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("committee:round", args=[selection_round.pk]),
                    selection_round,
                ),
                counts[Decision.ACCEPTED],
                counts[Decision.WAITLISTED],
                counts[Decision.NOT_SELECTED],
                sum(1 for o in allocation.outcomes if o.rank is None),
            ],
            heading=gettext("The round to freeze"),
            template="admin/placements/selectionround/freeze_confirm.html",
            context={
                "guard": guard,
                "guard_message": guard.message() if guard.blocks else "",
                "may_force": request.user.has_perm(FREEZE_INCOMPLETE_PERMISSION),
                "left_out": [
                    (
                        format_html(
                            '<a href="{}?{}">{}</a>',
                            reverse("admin:candidates_application_changelist"),
                            urlencode({"q": each.number}),
                            each.number,
                        ),
                        each.reason_label,
                    )
                    for each in guard.left_out
                ],
            },
        )

    @admin.action(description=_("Freeze…"), permissions=["freeze"])
    def freeze(self, request, queryset):
        rounds = self._rounds(queryset)
        form = FreezeForm(action_data(request))
        return admin_action(
            self,
            request,
            rounds,
            exactly_one=_("Select exactly one round."),
            form=form,
            confirm=lambda: self._freeze_confirmation(request, rounds[0]),
            call=lambda selection_round: round_freeze(
                selection_round=selection_round,
                actor=request.user,
                reason=form.cleaned_data.get("reason", ""),
            ),
            refused_level=messages.ERROR,
            done=lambda frozen: (
                gettext("%(round)s is frozen (SHA-256 %(hash)s).")
                % {"round": frozen, "hash": frozen.snapshot_sha256}
            ),
        )

    @admin.action(description=_("Supersede…"), permissions=["supersede"])
    def supersede(self, request, queryset):
        rounds = self._rounds(queryset)
        form = SupersedeForm(action_data(request))
        return admin_action(
            self,
            request,
            rounds,
            exactly_one=_("Select exactly one round."),
            form=form,
            confirm=lambda: Confirmation(
                title=gettext("Supersede %(round)s") % {"round": rounds[0]},
                intro=gettext(
                    "The frozen round is kept as it is, marked superseded; a new draft round "
                    "with the same quotas and waitlist size is opened, to be frozen in its place."
                ),
                submit=gettext("Supersede"),
                headers=[gettext("Round"), gettext("Status"), gettext("Frozen")],
                cells=lambda selection_round: [
                    str(selection_round),
                    selection_round.get_status_display(),
                    short_date(selection_round.frozen_at),
                ],
                heading=gettext("The round to supersede"),
            ),
            call=lambda selection_round: (
                selection_round,
                round_supersede(
                    selection_round=selection_round,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                ),
            ),
            refused_level=messages.ERROR,
            done=lambda old_new: (
                gettext("%(old)s is superseded; %(new)s is open as a draft.")
                % {"old": old_new[0], "new": old_new[1]}
            ),
        )


# --- the release's pieces ---------------------------------------------------------------------


def _release_url(selection_round: SelectionRound) -> str:
    return reverse("admin:placements_selectionround_release", args=[selection_round.pk])


def _outbox_url(request, selection_round: SelectionRound) -> str | None:
    """The outbox's list of this round's result e-mails, for staff who may read it."""
    if not request.user.has_perm("core.view_outboundmessage"):
        return None
    changelist = reverse("admin:core_outboundmessage_changelist")
    return f"{changelist}?{urlencode({'q': dedup_prefix(selection_round)})}"


def _release_summary(release: ResultsRelease) -> str:
    return gettext("%(status)s: %(processed)d / %(total)d") % {
        "status": release.get_status_display(),
        "processed": release.processed,
        "total": release.total,
    }


def _duration(seconds: int) -> str:
    if seconds < 60:
        return gettext("less than a minute")
    minutes = -(-seconds // 60)
    return ngettext("about %(minutes)d minute", "about %(minutes)d minutes", minutes) % {
        "minutes": minutes
    }


def _what_they_receive(outcome: str) -> str:
    return {
        ReleaseOutcome.PLACED: gettext(
            "“You are accepted”, with the académie and the school level, and the explanation."
        ),
        ReleaseOutcome.ACCEPTED: gettext(
            "“You are accepted”, the académie to be given later, and the explanation."
        ),
        ReleaseOutcome.WAITLISTED: gettext(
            "“You are on the waiting list”, with their position, and the explanation."
        ),
        ReleaseOutcome.NOT_SELECTED: gettext("“You were not selected”, with the explanation."),
        ReleaseOutcome.INELIGIBLE: gettext(
            "“Your dossier was not eligible”, with the reasons staff gave at the decision."
        ),
    }[outcome]


def _outcomes_table(by_outcome: dict[str, int]) -> str:
    return html_table(
        [gettext("Candidates"), gettext("How many"), gettext("E-mail (in their language)")],
        [
            [ReleaseOutcome(outcome).label, count, _what_they_receive(outcome)]
            for outcome, count in by_outcome.items()
            if count
        ],
        empty=gettext("Nobody to tell."),
    )


def _left_out_table(left_out: dict[str, int]) -> str:
    return html_table(
        [gettext("Dossier status"), gettext("How many")],
        [[ApplicationStatus(status).label, count] for status, count in left_out.items()],
        empty=gettext("None: every dossier of the campaign is told."),
    )


# --- frozen results, read only -----------------------------------------------------------------


@admin.register(RankEntry)
class RankEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "rank",
        "application",
        "merit",
        "tie_break",
        "decision",
        "waitlist_position",
        "flags",
        "round",
    ]
    list_filter = ["round", "decision"]
    list_select_related = ["application", "round__campaign"]
    search_fields = ["application__number"]
    ordering = ["round", "rank", "application__number"]


@admin.register(ResultsRelease)
class ResultsReleaseAdmin(ReadOnlyAdmin):
    list_display = [
        "round",
        "status",
        "progress_display",
        "started_by",
        "started_at",
        "last_batch_at",
        "finished_at",
        "messages_per_minute",
    ]
    list_filter = ["status", "round__campaign"]
    list_select_related = ["round__campaign", "started_by"]
    search_fields = ["round__campaign__school_year"]
    fields = [
        "round_link",
        "status",
        "progress_display",
        "outcomes_display",
        "mail_display",
        "skipped_display",
        "started_by",
        "started_at",
        "messages_per_minute",
        "last_batch_at",
        "finished_at",
        "failed_batches",
        "error",
    ]
    readonly_fields = fields

    @admin.display(description=_("round"))
    def round_link(self, obj: ResultsRelease) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:placements_selectionround_change", args=[obj.round_id]),
            obj.round,
        )

    @admin.display(description=_("dossiers told"))
    def progress_display(self, obj: ResultsRelease) -> str:
        return f"{obj.processed} / {obj.total}"

    @admin.display(description=_("outcomes"))
    def outcomes_display(self, obj: ResultsRelease) -> str:
        return html_table(
            [gettext("Outcome"), gettext("How many")],
            [[label, count] for _outcome, label, count in release_progress(obj).outcomes],
            empty=gettext("Nobody told yet."),
        )

    @admin.display(description=_("e-mails"))
    def mail_display(self, obj: ResultsRelease) -> str:
        progress = release_progress(obj)
        return html_table(
            [gettext("Status"), gettext("How many")],
            [[OutboundMessage.Status(s).label, n] for s, n in progress.mail.items()],
            empty="",
        )

    @admin.display(description=_("dossiers skipped"))
    def skipped_display(self, obj: ResultsRelease) -> str:
        return ", ".join(obj.skipped_dossiers) or "—"


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = [
        "application",
        "academie",
        "level",
        "preference_obtained",
        "explanation_text",
        "round",
    ]
    readonly_fields = ["explanation_text"]
    list_filter = ["round", "academie", "level"]
    list_select_related = ["application", "academie", "round__campaign"]
    search_fields = ["application__number", "academie__name"]

    @admin.display(description=_("explanation"))
    def explanation_text(self, obj: Placement) -> str:
        return explain_all(obj.explanation)


# --- offers, the promotion log, and the committee's manual offer (issue 9) -------------------


def _dossier_link(application: Application) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:candidates_application_change", args=[application.pk]),
        application.number,
    )


class OfferSchoolFormSet(forms.BaseInlineFormSet):
    """The schools are checked as `offer_set_details` checks them, so its refusal shows on the
    form instead of after saving."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        try:
            schools_clean(_school_rows(self), self.instance.application.campaign.max_schools)
        except DomainError as error:
            raise forms.ValidationError(error.message, code=error.code) from error


def _school_rows(formset) -> list[dict[str, str]]:
    return [
        {key: form.cleaned_data.get(key, "") for key in ("name", "address", "level")}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class OfferSchoolInline(admin.TabularInline):
    model = OfferSchool
    formset = OfferSchoolFormSet
    extra = 0
    fields = ["name", "address", "level"]
    verbose_name = _("school")
    verbose_name_plural = _("schools (as the académie gives them)")

    def get_max_num(self, request, obj=None, **kwargs):
        return obj.application.campaign.max_schools if obj is not None else 3

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("placements.view_offer") or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request, obj=None):
        return OfferAdmin.may_edit_details(request, obj)

    def has_change_permission(self, request, obj=None):
        return OfferAdmin.may_edit_details(request, obj)

    def has_delete_permission(self, request, obj=None):
        return OfferAdmin.may_edit_details(request, obj)


class OfferDetailsForm(forms.ModelForm):
    """Only the town is typed here; the schools are the inline rows. Both are saved by
    `offer_set_details` (OfferAdmin.save_related), never by the form."""

    town_entry = forms.CharField(label=capfirst(_("town")), max_length=120, required=False)

    class Meta:
        model = Offer
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town_entry"].initial = self.instance.town


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """Offers: read-only facts; the town and schools recorded through `offer_set_details`;
    "Verify the criminal record check" (`offer_verify_criminal_record`); and, from the list,
    "Offer a place to a waitlisted candidate…" (`offer_manual`)."""

    form = OfferDetailsForm
    inlines = [OfferSchoolInline]
    list_display = [
        "dossier",
        "candidate_name",
        "academie",
        "level",
        "source",
        "status",
        "respond_by",
        "check_display",
        "town",
    ]
    # The number links to the dossier; the candidate's name opens the offer.
    list_display_links = ["candidate_name"]
    list_filter = ["status", "source", "academie", "level", "round"]
    list_select_related = ["application__candidate", "academie"]
    search_fields = [
        "application__number",
        "application__candidate__last_name",
        "application__candidate__first_name",
        "application__candidate__email",
    ]
    ordering = ["-offered_at", "-id"]
    date_hierarchy = "offered_at"
    actions = ["verify_criminal_record"]
    readonly_fields = [
        "dossier",
        "candidate_name",
        "round",
        "academie",
        "level",
        "source",
        "status",
        "offered_at",
        "respond_by",
        "responded_at",
        "reason",
        "contract_display",
        "salary_display",
        "passport_confirmed_at",
        "criminal_record_display",
        "criminal_record_verified_at",
        "criminal_record_verified_by",
        "appointed_at",
        "created_by",
        "note",
        "promotion_display",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "dossier",
                    "candidate_name",
                    "round",
                    "academie",
                    "level",
                    "source",
                    "status",
                    "offered_at",
                    "respond_by",
                    "responded_at",
                    "reason",
                ]
            },
        ),
        (_("Contract"), {"fields": ["contract_display", "salary_display"]}),
        (
            _("Acceptance and appointment"),
            {
                "fields": [
                    "passport_confirmed_at",
                    "criminal_record_display",
                    "criminal_record_verified_at",
                    "criminal_record_verified_by",
                    "appointed_at",
                ]
            },
        ),
        (
            _("What the académie communicates"),
            {
                "fields": ["town_entry"],
                "description": _(
                    "The town and up to three schools. Once the criminal record check is "
                    "verified too, the assistant is appointed and told by e-mail."
                ),
            },
        ),
        (_("Offered by the committee"), {"fields": ["created_by", "note"]}),
        (_("Waitlist promotion"), {"fields": ["promotion_display"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "application__candidate",
                "application__campaign",
                "academie",
                "round__campaign",
                "criminal_record",
                "criminal_record_verified_by",
                "created_by",
            )
        )

    # --- permissions ----------------------------------------------------------------------------

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return self.may_edit_details(request, obj)

    @staticmethod
    def may_edit_details(request, obj=None) -> bool:
        """Staff holding "change offer" record the académie's details of an offer that holds
        its place (pending or accepted)."""
        return request.user.has_perm("placements.change_offer") and (
            obj is None or obj.status in HOLDING_OFFER_STATUSES
        )

    def has_verify_criminal_record_permission(self, request) -> bool:
        return request.user.has_perm(VERIFY_PERMISSION)

    def has_offer_place_permission(self, request) -> bool:
        return may_offer_manually(request.user)

    # --- display --------------------------------------------------------------------------------

    @admin.display(description=_("dossier"), ordering="application__number")
    def dossier(self, obj: Offer) -> str:
        return _dossier_link(obj.application)

    @admin.display(description=_("candidate"), ordering="application__candidate__last_name")
    def candidate_name(self, obj: Offer) -> str:
        return obj.application.candidate.get_full_name() or obj.application.candidate.email

    @admin.display(description=_("contract"))
    def contract_display(self, obj: Offer) -> str:
        return gettext("%(start)s – %(end)s (%(months)s months)") % {
            "start": short_date(obj.contract_start),
            "end": short_date(obj.contract_end),
            "months": obj.contract_months,
        }

    @admin.display(description=_("gross monthly salary"))
    def salary_display(self, obj: Offer) -> str:
        salary = f"{formats.number_format(obj.monthly_gross_salary, 2, force_grouping=True)} "
        salary += obj.salary_currency
        if not obj.has_supplement:
            return salary
        return gettext("%(salary)s, plus an overseas supplement of %(low)s to %(high)s %%") % {
            "salary": salary,
            "low": obj.overseas_supplement_min_percent,
            "high": obj.overseas_supplement_max_percent,
        }

    @admin.display(description=_("town"))
    def town_entry(self, obj: Offer) -> str:
        """The town, on the page of staff who may not change it (read only)."""
        return obj.town or "—"

    @admin.display(description=_("criminal record check"))
    def check_display(self, obj: Offer) -> str:
        if obj.criminal_record_verified_at is not None:
            return gettext("Verified")
        if obj.criminal_record_id is not None and obj.status not in FREED_OFFER_STATUSES:
            return gettext("To verify")
        return "—"

    @admin.display(description=_("criminal record check"))
    def criminal_record_display(self, obj: Offer) -> str:
        document = obj.criminal_record
        if document is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> ({})',
            reverse("candidates:document_download", kwargs={"pk": document.pk}),
            document.original_name,
            self.check_display(obj),
        )

    @admin.display(description=_("promotion"))
    def promotion_display(self, obj: Offer) -> str:
        """How this offer was made (its promotion's log) and what became of the place it gave
        back, with links to the log."""
        made = PromotionLog.objects.filter(offer=obj).first()
        freed = PromotionLog.objects.filter(freed_offer=obj).exists()
        log_url = reverse("admin:placements_promotionlog_changelist")
        lines = []
        if made is not None:
            lines.append(
                format_html(
                    '{} <a href="{}?{}">{}</a>',
                    explain_all(made.explanation),
                    log_url,
                    urlencode({"run_id": made.run_id}),
                    gettext("Every candidate considered"),
                )
            )
        if freed:
            lines.append(
                format_html(
                    '<a href="{}?{}">{}</a>',
                    log_url,
                    urlencode({"freed_offer__id__exact": obj.pk}),
                    gettext("Who was considered for the place this offer gave back"),
                )
            )
        return html_list(lines, empty="—")

    # --- saving: the académie's details through the service ----------------------------------

    def save_model(self, request, obj, form, change):
        """Nothing is saved from the form itself (save_related calls the service)."""

    def save_formset(self, request, form, formset, change):
        """Inline rows are not saved as such (save_related calls the service)."""

    def save_related(self, request, form, formsets, change):
        (schools,) = formsets
        try:
            offer_set_details(
                offer=form.instance,
                town=form.cleaned_data.get("town_entry", ""),
                schools=_school_rows(schools),
                actor=request.user,
            )
        except DomainError as error:  # changed meanwhile (declined, say): nothing saved
            self.message_user(request, error.message, messages.ERROR)
        form.instance.refresh_from_db()

    def construct_change_message(self, request, form, formsets, add=False):
        return (
            [{"changed": {"fields": ["town", "schools"]}}]
            if form.has_changed() or any(f.has_changed() for f in formsets)
            else []
        )

    # --- action ---------------------------------------------------------------------------------

    @admin.action(
        description=_("Verify the criminal record check"),
        permissions=["verify_criminal_record"],
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def verify_criminal_record(self, request, queryset):
        return admin_action(
            self,
            request,
            queryset.select_related("application"),
            call=lambda offer: offer_verify_criminal_record(offer=offer, actor=request.user),
            refused=_("%(number)s: %(reason)s"),
            names=lambda offer: {"number": offer.application.number},
            done=ngettext_lazy(
                "%(count)d criminal record check verified.",
                "%(count)d criminal record checks verified.",
                "count",
            ),
        )

    # --- "Offer a place to…" --------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "offer-place/",
                self.admin_site.admin_view(self.offer_place_view),
                name="placements_offer_place",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"offer_place_url": None}
        if self.has_offer_place_permission(request):
            extra["offer_place_url"] = reverse("admin:placements_offer_place")
        return super().changelist_view(request, extra_context={**extra, **(extra_context or {})})

    def offer_place_view(self, request):
        """GET the form (a waitlisted dossier, an académie, a level, the reason), with the
        round's vacant places; POST calls `offer_manual`."""
        if not self.has_offer_place_permission(request):
            raise PermissionDenied
        selection_round = _released_round(request.GET.get("round") or request.POST.get("round"))
        if selection_round is None:
            self.message_user(
                request,
                gettext("No frozen round has released its results yet: there is no waitlist."),
                messages.WARNING,
            )
            return HttpResponseRedirect(reverse("admin:placements_offer_changelist"))
        form = ManualOfferForm(
            request.POST if request.method == "POST" else None,
            selection_round=selection_round,
            initial={
                "academie": request.GET.get("academie"),
                "level": request.GET.get("level"),
            },
        )
        if form.is_valid():
            try:
                offer = offer_manual(
                    application=form.cleaned_data["application"],
                    academie=form.cleaned_data["academie"],
                    level=form.cleaned_data["level"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    gettext("%(number)s is offered a place in %(academie)s (%(level)s).")
                    % {
                        "number": offer.application.number,
                        "academie": offer.academie.name,
                        "level": offer.get_level_display(),
                    },
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:placements_offer_change", args=[offer.pk])
                )
        vacancies = place_vacancies(selection_round)
        names = dict(Academie.objects.values_list("code", "name"))
        vacant = [
            [names.get(code, code), _level_label(level), count]
            for (code, level), count in sorted(vacancies.items())
            if count > 0
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Offer a place to a waitlisted candidate"),
            "opts": self.opts,
            "form": form,
            "selection_round": selection_round,
            "vacant_table": html_table(
                [gettext("Académie"), gettext("School level"), gettext("Vacant places")],
                vacant,
                empty=gettext("No place of the round is vacant now."),
            ),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/placements/offer/offer_place.html", context)


VERIFY_PERMISSION = "placements.verify_criminal_record"


def _released_round(round_id: str | None) -> SelectionRound | None:
    """The frozen round whose release has started (the given one, else the latest)."""
    rounds = SelectionRound.objects.filter(
        status=RoundStatus.FROZEN, results_release__isnull=False
    ).select_related("campaign")
    if round_id and str(round_id).isdigit():
        return rounds.filter(pk=int(round_id)).first()
    return rounds.order_by("-frozen_at", "-pk").first()


class DossierChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Application) -> str:
        name = obj.candidate.get_full_name() or obj.candidate.email
        return gettext("%(number)s · %(name)s · waitlist position %(position)s") % {
            "number": obj.number,
            "name": name,
            "position": obj.result_waitlist_position or "—",
        }


class ManualOfferForm(forms.Form):
    round = forms.IntegerField(widget=forms.HiddenInput)
    application = DossierChoiceField(
        label=_("Waitlisted dossier"), queryset=Application.objects.none()
    )
    academie = forms.ModelChoiceField(label=_("Académie"), queryset=Academie.objects.none())
    level = forms.ChoiceField(label=_("School level"), choices=SchoolLevel.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_(
            "Required. Kept on the offer, in the promotion log and in the audit log; the "
            "candidate does not see it."
        ),
    )

    def __init__(self, *args, selection_round: SelectionRound, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].initial = selection_round.pk
        self.fields["application"].queryset = (
            Application.objects.filter(
                pk__in=[a.pk for a in manual_offer_candidates(selection_round)]
            )
            .select_related("candidate")
            .order_by("result_waitlist_position", "number")
        )
        self.fields["academie"].queryset = Academie.objects.filter(is_active=True).order_by("name")

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(gettext("Say why this place is offered by hand."))
        return reason


class FreedBecauseFilter(admin.SimpleListFilter):
    """What gave the place back: only the statuses that free one."""

    title = _("freed because")
    parameter_name = "freed_because"

    def lookups(self, request, model_admin):
        return [(status.value, status.label) for status in FREED_OFFER_STATUSES]

    def queryset(self, request, queryset):
        return queryset.filter(freed_because=self.value()) if self.value() else queryset


@admin.register(PromotionLog)
class PromotionLogAdmin(ReadOnlyAdmin):
    """Every candidate considered for a freed place: read only, written by `placements.offers`."""

    list_display = [
        "created_at",
        "run_short",
        "academie",
        "level",
        "freed_display",
        "position",
        "dossier",
        "outcome",
        "reason",
        "explanation_text",
        "offer_link",
    ]
    list_filter = ["outcome", "reason", FreedBecauseFilter, "academie", "level", "round"]
    list_select_related = ["application", "academie", "freed_offer__application", "offer"]
    search_fields = ["application__number", "freed_offer__application__number", "=run_id"]
    ordering = ["-created_at", "run_id", "position"]
    date_hierarchy = "created_at"

    def lookup_allowed(self, lookup, value, request=None):
        """A link to one promotion (`?run_id=…`) or to a freed offer's promotions filters on it."""
        return lookup in {"run_id", "freed_offer__id__exact"} or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description=_("promotion"), ordering="run_id")
    def run_short(self, obj: PromotionLog) -> str:
        return format_html(
            '<a href="?{}">{}</a>', urlencode({"run_id": obj.run_id}), str(obj.run_id)[:8]
        )

    @admin.display(description=_("place freed by"))
    def freed_display(self, obj: PromotionLog) -> str:
        if obj.freed_offer is None:
            return gettext("Offered by the committee")
        return format_html(
            "{} ({})", obj.freed_offer.application.number, obj.get_freed_because_display()
        )

    @admin.display(description=_("dossier"), ordering="application__number")
    def dossier(self, obj: PromotionLog) -> str:
        return _dossier_link(obj.application)

    @admin.display(description=_("explanation"))
    def explanation_text(self, obj: PromotionLog) -> str:
        return explain_all(obj.explanation)

    @admin.display(description=_("offer made"))
    def offer_link(self, obj: PromotionLog) -> str:
        if obj.offer_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:placements_offer_change", args=[obj.offer_id]),
            obj.offer.get_status_display(),
        )
