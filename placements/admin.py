"""The committee's screens for selection rounds (issue 7), in the admin.

Registered here, not in `selection/admin.py`: placements sits on top and may import selection.
- Selection rounds: a draft round's waitlist size and quotas are edited on its page (the quota
  rows only while it is a draft); actions, each calling a service and acting on one round:
  "Fill quotas from the académies" (`quotas_fill`), "Preview" (`round_preview`: the ranked list
  and the per-académie demand, nothing saved), "Freeze…" (`round_freeze`, after a confirmation
  showing the snapshot hash to be recorded; `selection.freeze_round`) and "Supersede…"
  (`round_supersede`, with a reason; `selection.supersede_round`).
- Rank entries and placements: read-only lists, filtered by round.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from placements.allocation import Allocation, Decision, Level
from placements.models import Placement, Quota
from placements.services import (
    quotas_fill,
    round_assert_draft,
    round_create,
    round_freeze,
    round_input,
    round_preview,
    round_supersede,
    snapshot_of,
)
from selection.models import RankEntry, SelectionRound
from tapif.core.admin_display import ReadOnlyAdmin, action_confirmation, html_table, short_date
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie

FREEZE_PERMISSION = "selection.freeze_round"
SUPERSEDE_PERMISSION = "selection.supersede_round"


def _french() -> bool:
    return (translation.get_language() or "").startswith("fr")


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
    ]
    list_filter = ["status", "campaign"]
    list_select_related = ["campaign", "frozen_by"]
    search_fields = ["campaign__school_year", "snapshot_sha256"]
    inlines = [QuotaInline]
    actions = ["fill_quotas", "preview", "freeze", "supersede"]
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
        return request.user.has_perm(FREEZE_PERMISSION)

    def has_supersede_permission(self, request) -> bool:
        return request.user.has_perm(SUPERSEDE_PERMISSION)

    @admin.display(description=_("candidates"), ordering="candidates")
    def candidates_count(self, obj: SelectionRound) -> int:
        return obj.candidates

    @admin.display(description=_("accepted"), ordering="accepted")
    def accepted_count(self, obj: SelectionRound) -> int:
        return obj.accepted

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

    def _one(self, request, queryset) -> SelectionRound | None:
        rounds = list(queryset.select_related("campaign")[:2])
        if len(rounds) != 1:
            self.message_user(request, gettext("Select exactly one round."), messages.WARNING)
            return None
        return rounds[0]

    @admin.action(description=_("Fill quotas from the académies"), permissions=["change"])
    def fill_quotas(self, request, queryset):
        selection_round = self._one(request, queryset)
        if selection_round is None:
            return None
        try:
            added = quotas_fill(selection_round=selection_round, actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(
            request,
            ngettext(
                "%(count)d académie added with 0 places: type its places on the round's page.",
                "%(count)d académies added with 0 places: type their places on the round's page.",
                added,
            )
            % {"count": added},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Preview (nothing is saved)"), permissions=["view"])
    def preview(self, request, queryset):
        selection_round = self._one(request, queryset)
        if selection_round is None:
            return None
        try:
            allocation = round_preview(selection_round)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Preview of %(round)s") % {"round": selection_round},
            "opts": self.opts,
            "round": selection_round,
            "summary": _summary(allocation),
            "academies_table": _academies_table(allocation),
            "candidates_table": _candidates_table(allocation, selection_round),
        }
        return TemplateResponse(request, "admin/placements/selectionround/preview.html", context)

    @admin.action(description=_("Freeze…"), permissions=["freeze"])
    def freeze(self, request, queryset):
        selection_round = self._one(request, queryset)
        if selection_round is None:
            return None
        form = FreezeForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            try:
                allocation = round_preview(selection_round)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            _snapshot, digest = snapshot_of(round_input(selection_round))
            counts = Counter(o.decision for o in allocation.outcomes)
            return action_confirmation(
                self,
                request,
                form=form,
                title=gettext("Freeze %(round)s") % {"round": selection_round},
                intro=gettext(
                    "Freezing records every candidate's rank, decision and placement as shown "
                    "in the preview, with the input's SHA-256 %(hash)s. Candidates see nothing "
                    "until the results are released."
                )
                % {"hash": digest},
                submit=gettext("Freeze"),
                action_name="freeze",
                headers=[
                    gettext("Round"),
                    gettext("Accepted"),
                    gettext("Waitlisted"),
                    gettext("Not selected"),
                    gettext("Not ranked yet"),
                ],
                rows=[
                    (
                        selection_round.pk,
                        [
                            str(selection_round),
                            counts[Decision.ACCEPTED],
                            counts[Decision.WAITLISTED],
                            counts[Decision.NOT_SELECTED],
                            sum(1 for o in allocation.outcomes if o.rank is None),
                        ],
                    )
                ],
                heading=gettext("The round to freeze"),
            )
        try:
            frozen = round_freeze(selection_round=selection_round, actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(
            request,
            gettext("%(round)s is frozen (SHA-256 %(hash)s).")
            % {"round": frozen, "hash": frozen.snapshot_sha256},
            messages.SUCCESS,
        )
        return None

    @admin.action(description=_("Supersede…"), permissions=["supersede"])
    def supersede(self, request, queryset):
        selection_round = self._one(request, queryset)
        if selection_round is None:
            return None
        form = SupersedeForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return action_confirmation(
                self,
                request,
                form=form,
                title=gettext("Supersede %(round)s") % {"round": selection_round},
                intro=gettext(
                    "The frozen round is kept as it is, marked superseded; a new draft round "
                    "with the same quotas and waitlist size is opened, to be frozen in its place."
                ),
                submit=gettext("Supersede"),
                action_name="supersede",
                headers=[gettext("Round"), gettext("Status"), gettext("Frozen")],
                rows=[
                    (
                        selection_round.pk,
                        [
                            str(selection_round),
                            selection_round.get_status_display(),
                            short_date(selection_round.frozen_at),
                        ],
                    )
                ],
                heading=gettext("The round to supersede"),
            )
        try:
            successor = round_supersede(
                selection_round=selection_round,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(
            request,
            gettext("%(old)s is superseded; %(new)s is open as a draft.")
            % {"old": selection_round, "new": successor},
            messages.SUCCESS,
        )
        return None


# --- the preview's tables ----------------------------------------------------------------------


def _summary(allocation: Allocation) -> list[tuple[str, int]]:
    counts = Counter(o.decision for o in allocation.outcomes)
    return [
        (gettext("Places"), sum(sum(t.places.values()) for t in allocation.academies.values())),
        (gettext("Accepted"), counts[Decision.ACCEPTED]),
        (gettext("Placed"), sum(1 for o in allocation.outcomes if o.academie)),
        (gettext("Waitlisted"), counts[Decision.WAITLISTED]),
        (gettext("Not selected"), counts[Decision.NOT_SELECTED]),
        (gettext("Not ranked yet"), sum(1 for o in allocation.outcomes if o.rank is None)),
    ]


def _academies_table(allocation: Allocation) -> str:
    names = dict(Academie.objects.values_list("code", "name"))
    rows = []
    for code, totals in sorted(allocation.academies.items()):
        rows.append(
            [
                names.get(code, code),
                f"{totals.filled[Level.PRIMARY]} / {totals.places[Level.PRIMARY]}",
                f"{totals.filled[Level.SECONDARY]} / {totals.places[Level.SECONDARY]}",
                totals.first_choice_requests,
                totals.any_choice_requests,
                totals.cutoff_rank[Level.PRIMARY] or "—",
                totals.cutoff_rank[Level.SECONDARY] or "—",
            ]
        )
    return html_table(
        [
            gettext("Académie"),
            gettext("Primary: filled / places"),
            gettext("Secondary: filled / places"),
            gettext("First-choice requests"),
            gettext("Any-choice requests"),
            gettext("Primary cut-off rank"),
            gettext("Secondary cut-off rank"),
        ],
        rows,
        empty=gettext("No quotas yet."),
    )


def _candidates_table(allocation: Allocation, selection_round: SelectionRound) -> str:
    names = dict(Academie.objects.values_list("code", "name"))
    candidates: dict[str, Any] = {
        number: f"{first} {last}".strip()
        for number, first, last in Application.objects.filter(
            campaign=selection_round.campaign, number__in=[o.id for o in allocation.outcomes]
        ).values_list("number", "candidate__first_name", "candidate__last_name")
    }
    french = _french()
    rows = [
        [
            o.rank or "—",
            format_html("{} · {}", o.id, candidates.get(o.id, "")),
            _decision_label(o.decision)
            + (f" ({o.waitlist_position})" if o.waitlist_position else ""),
            names.get(o.academie, o.academie) if o.academie else "—",
            _level_label(o.level),
            o.preference_obtained or "—",
            o.explanation_fr if french else o.explanation_en,
        ]
        for o in allocation.outcomes
    ]
    return html_table(
        [
            gettext("Rank"),
            gettext("Candidate"),
            gettext("Decision"),
            gettext("Académie"),
            gettext("Level"),
            gettext("Preference obtained"),
            gettext("Explanation"),
        ],
        rows,
        empty=gettext("No dossier is reviewed yet."),
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


@admin.register(Placement)
class PlacementAdmin(ReadOnlyAdmin):
    list_display = [
        "application",
        "academie",
        "level",
        "preference_obtained",
        "explanation",
        "round",
    ]
    list_filter = ["round", "academie", "level"]
    list_select_related = ["application", "academie", "round__campaign"]
    search_fields = ["application__number", "academie__name"]

    @admin.display(description=_("explanation"))
    def explanation(self, obj: Placement) -> str:
        return obj.explanation_fr if _french() else obj.explanation_en
