"""Staff screens for the merit review.

- Criteria: the campaign's weighted criteria with their 0–5 rubric in both languages, edited by
  the holders of the model permissions (programme managers); a button creates the programme's
  default criteria for the current campaign (`criteria_ensure`).
- Dossiers under review: the review changelist, built for 10,000 dossiers (every column comes
  from one query with joins and annotations, reviewers from one prefetch), with the filters
  staff sort dossiers by, the "Assign reviewers (balanced)" action (`reviewers_assign`, needs
  `selection.assign_reviewers`) and a CSV export of the filtered list with the scores.
- Reviews, assignments, conflicts of interest: read-only lists; reviews show their scores.

The blind rule: a reviewer (who holds `selection.score_dossier` but not
`selection.assign_reviewers`) sees their own reviews, and the others' submitted reviews only of
dossiers for which their own review is submitted, so the first score does not anchor the
others; merit columns, their filter and the scores of the export are not shown to them at all.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from candidates.choices import ApplicationStatus
from candidates.models import Application
from candidates.permissions import dossier_scope
from selection.choices import ReviewStatus
from selection.models import (
    ConflictOfInterest,
    Criterion,
    CriterionLevel,
    DossierUnderReview,
    Review,
    ReviewAssignment,
)
from selection.selectors import (
    ASSIGN_PERMISSION,
    STATISTICS_PERMISSION,
    is_blind,
    reviews_visible,
)
from selection.services import ReviewersAssigned, criteria_ensure, reviewers_assign
from tapif.core.admin_actions import Confirmation, action_data, admin_action
from tapif.core.admin_display import AuditedAdmin, ReadOnlyAdmin, html_table
from tapif.core.models import Academie, User
from tapif.core.selectors import campaign_current

#: Statuses of a dossier found eligible (and of the steps after it).
ELIGIBLE_STATUSES = frozenset(
    {
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.REVIEWED,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.NOT_SELECTED,
        ApplicationStatus.PLACED,
        ApplicationStatus.OFFER_ACCEPTED,
        ApplicationStatus.OFFER_DECLINED,
        ApplicationStatus.APPOINTED,
    }
)
#: Statuses of a dossier whose eligibility is not decided yet.
UNDECIDED_STATUSES = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.INCOMPLETE, ApplicationStatus.COMPLETE}
)
#: Dossiers named in a message, at most (the rest is counted).
NAMED_AT_MOST = 20


def _section(application: Application, name: str) -> Any:
    """A one-to-one section already joined by select_related, or None if never saved."""
    try:
        return getattr(application, name)
    except Application._meta.get_field(name).related_model.DoesNotExist:
        return None


def _points(value: Decimal | None) -> str:
    return "—" if value is None else formats.number_format(value, 2)


def _dossier_link(application: Application) -> str:
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:candidates_application_change", args=[application.pk]),
        application.number,
    )


def _numbers(numbers: list[str]) -> str:
    shown = ", ".join(numbers[:NAMED_AT_MOST])
    if len(numbers) > NAMED_AT_MOST:
        shown += " …"
    return shown


def _statistics_link(request) -> dict[str, str]:
    """The reviewer statistics' link, for those who may read every reviewer's figures."""
    if not request.user.has_perm(STATISTICS_PERMISSION):
        return {}
    return {"statistics_url": reverse("selection:statistics")}


def _assigned(assigned: ReviewersAssigned) -> list[tuple[str, int]]:
    """What staff read after assigning reviewers: made, still short, skipped."""
    said = [
        (
            ngettext("%(count)d assignment made.", "%(count)d assignments made.", assigned.made)
            % {"count": assigned.made},
            messages.SUCCESS,
        )
    ]
    if short := assigned.short:
        said.append(
            (
                ngettext(
                    "%(count)d dossier is still short of reviewers (not enough reviewers "
                    "without a conflict): %(numbers)s.",
                    "%(count)d dossiers are still short of reviewers (not enough reviewers "
                    "without a conflict): %(numbers)s.",
                    len(short),
                )
                % {"count": len(short), "numbers": _numbers(short)},
                messages.WARNING,
            )
        )
    if len(assigned.groups) > 1:
        said.append(
            (
                gettext(
                    "The reviewers form %(count)d groups that share no dossier: %(groups)s. "
                    "Their strictness cannot be compared across groups and calibration is less "
                    "fair: assign some dossiers to reviewers of two groups."
                )
                % {
                    "count": len(assigned.groups),
                    "groups": "; ".join(", ".join(group) for group in assigned.groups),
                },
                messages.WARNING,
            )
        )
    if skipped := len(assigned.skipped):
        said.append(
            (
                ngettext(
                    "%(count)d dossier skipped: it is not open to review (status or fee).",
                    "%(count)d dossiers skipped: they are not open to review (status or fee).",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        )
    return said


# --- criteria -----------------------------------------------------------------------------------


class CriterionLevelInline(admin.TabularInline):
    model = CriterionLevel
    extra = 0
    max_num = 6
    fields = ["points", "typed_descriptor"]


@admin.register(Criterion)
class CriterionAdmin(AuditedAdmin):
    list_display = ["label_display", "code", "weight", "position", "campaign"]
    list_display_links = ["label_display"]
    list_filter = ["campaign"]
    search_fields = ["code", "typed_label"]
    list_select_related = ["campaign"]
    ordering = ["campaign", "position", "id"]
    inlines = [CriterionLevelInline]
    change_list_template = "admin/selection/criterion/change_list.html"

    @admin.display(description=_("label"), ordering="code")
    def label_display(self, obj: Criterion) -> str:
        return obj.label

    def get_urls(self):
        defaults = path(
            "defaults/",
            self.admin_site.admin_view(self.defaults_view),
            name="selection_criterion_defaults",
        )
        return [defaults, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "current_campaign": campaign_current(),
            "can_create_defaults": self.has_add_permission(request),
        }
        return super().changelist_view(request, extra_context=extra_context)

    def defaults_view(self, request):
        """POST: the programme's default criteria for the current campaign (`criteria_ensure`)."""
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        changelist = reverse("admin:selection_criterion_changelist")
        campaign = campaign_current()
        if campaign is None:
            self.message_user(request, gettext("There is no current campaign."), messages.ERROR)
            return HttpResponseRedirect(changelist)
        existed = Criterion.objects.filter(campaign=campaign).exists()
        criteria = criteria_ensure(campaign)
        if existed:
            self.message_user(
                request,
                gettext("The campaign %(campaign)s already has its criteria: nothing changed.")
                % {"campaign": campaign},
                messages.WARNING,
            )
        else:
            self.message_user(
                request,
                ngettext(
                    "%(count)d criterion created for the campaign %(campaign)s.",
                    "%(count)d criteria created for the campaign %(campaign)s.",
                    len(criteria),
                )
                % {"count": len(criteria), "campaign": campaign},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(f"{changelist}?campaign__id__exact={campaign.pk}")


# --- reviews, assignments, conflicts ------------------------------------------------------------


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["dossier_number", "reviewer", "status", "score_display", "submitted_at"]
    list_filter = [
        "status",
        ("reviewer", admin.RelatedOnlyFieldListFilter),
        "application__campaign",
    ]
    search_fields = ["application__number", "reviewer__email", "reviewer__last_name"]
    list_select_related = ["application", "reviewer"]
    change_list_template = "admin/selection/review/change_list.html"
    readonly_fields = [
        "dossier_display",
        "reviewer",
        "status",
        "score_display",
        "created_at",
        "updated_at",
        "submitted_at",
        "scores_display",
        "french_level_note",
    ]
    fieldsets = [
        (
            _("Review"),
            {
                "fields": [
                    "dossier_display",
                    ("reviewer", "status", "score_display"),
                    ("created_at", "updated_at", "submitted_at"),
                ]
            },
        ),
        (_("Scores"), {"fields": ["scores_display", "french_level_note"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, extra_context={**(extra_context or {}), **_statistics_link(request)}
        )

    def get_queryset(self, request):
        scoped = (
            super().get_queryset(request).filter(dossier_scope(request.user, path="application__"))
        )
        return reviews_visible(request.user, scoped)

    @admin.display(description=_("dossier"), ordering="application__number")
    def dossier_number(self, obj: Review) -> str:
        return obj.application.number

    @admin.display(description=_("score (out of 100)"), ordering="score")
    def score_display(self, obj: Review) -> str:
        return _points(obj.score)

    @admin.display(description=_("dossier"))
    def dossier_display(self, obj: Review) -> str:
        return _dossier_link(obj.application)

    @admin.display(description=_("points per criterion"))
    def scores_display(self, obj: Review) -> str:
        scores = obj.scores.select_related("criterion").order_by(
            "criterion__position", "criterion__id"
        )
        return html_table(
            [_("criterion"), _("weight"), _("points (0–5)"), _("comment")],
            [
                (
                    s.criterion.label,
                    formats.number_format(s.criterion.weight, 2),
                    s.points,
                    s.comment or "—",
                )
                for s in scores
            ],
            empty=_("No criterion scored yet."),
        )


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["dossier_number", "reviewer", "assigned_by", "assigned_at"]
    list_filter = [("reviewer", admin.RelatedOnlyFieldListFilter), "application__campaign"]
    search_fields = ["application__number", "reviewer__email", "reviewer__last_name"]
    list_select_related = ["application", "reviewer", "assigned_by"]

    @admin.display(description=_("dossier"), ordering="application__number")
    def dossier_number(self, obj: ReviewAssignment) -> str:
        return obj.application.number


@admin.register(ConflictOfInterest)
class ConflictOfInterestAdmin(ReadOnlyAdmin):
    list_display = ["dossier_number", "reviewer", "reason", "declared_at"]
    list_filter = [("reviewer", admin.RelatedOnlyFieldListFilter), "application__campaign"]
    search_fields = ["application__number", "reviewer__email", "reviewer__last_name"]
    list_select_related = ["application", "reviewer"]

    @admin.display(description=_("dossier"), ordering="application__number")
    def dossier_number(self, obj: ConflictOfInterest) -> str:
        return obj.application.number


# --- dossiers under review: filters ---------------------------------------------------------------


class EligibilityFilter(admin.SimpleListFilter):
    title = _("eligibility")
    parameter_name = "eligibility"

    def lookups(self, request, model_admin):
        return [
            ("eligible", _("Eligible")),
            ("ineligible", _("Ineligible")),
            ("undecided", _("Not decided yet")),
        ]

    def queryset(self, request, queryset):
        statuses = {
            "eligible": ELIGIBLE_STATUSES,
            "ineligible": {ApplicationStatus.INELIGIBLE},
            "undecided": UNDECIDED_STATUSES,
        }.get(self.value())
        return queryset if statuses is None else queryset.filter(status__in=statuses)


class AcademieChoiceFilter(admin.SimpleListFilter):
    """Dossiers that name the académie in any of their three choices."""

    title = _("académie preference")
    parameter_name = "academie"

    def lookups(self, request, model_admin):
        return [(str(a.pk), a.name) for a in Academie.objects.order_by("name")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        value = self.value()
        return queryset.filter(
            Q(assets__academie_1_id=value)
            | Q(assets__academie_2_id=value)
            | Q(assets__academie_3_id=value)
        )


class ReviewerFilter(admin.SimpleListFilter):
    """Dossiers assigned to a reviewer (or to nobody yet)."""

    title = _("reviewer")
    parameter_name = "reviewer"

    def lookups(self, request, model_admin):
        reviewers = User.objects.filter(
            pk__in=ReviewAssignment.objects.values("reviewer_id")
        ).order_by("last_name", "first_name", "email")
        return [("none", _("Nobody yet")), *((str(u.pk), u.get_full_name()) for u in reviewers)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "none":
            return queryset.exclude(
                Exists(ReviewAssignment.objects.filter(application=OuterRef("pk")))
            )
        return queryset.filter(
            Exists(ReviewAssignment.objects.filter(application=OuterRef("pk"), reviewer_id=value))
        )


class SecondLookFilter(admin.SimpleListFilter):
    title = _("needs a second look")
    parameter_name = "second_look"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(merit__needs_second_look=True)
        if self.value() == "no":
            return queryset.exclude(merit__needs_second_look=True)
        return queryset


# --- dossiers under review ----------------------------------------------------------------------


def reviewer_choices():
    """Active staff who may score dossiers (by their groups, e.g. "Reviewer", or by hand)."""
    holds = Q(
        user_permissions__content_type__app_label="selection",
        user_permissions__codename="score_dossier",
    ) | Q(
        groups__permissions__content_type__app_label="selection",
        groups__permissions__codename="score_dossier",
    )
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(pk__in=User.objects.filter(holds).values("pk"))
        .order_by("last_name", "first_name", "email")
    )


class ReviewerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.get_full_name()} <{obj.email}>"


class AssignReviewersForm(forms.Form):
    reviewers = ReviewerChoiceField(
        label=_("Reviewers"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Each dossier gets reviewers up to the campaign's number, the least loaded first; "
            "never one who declared a conflict of interest."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewers"].queryset = reviewer_choices()


class Echo:
    """A file-like object whose write returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


def _submitted_count():
    return Coalesce(
        Subquery(
            Review.objects.filter(application=OuterRef("pk"), status=ReviewStatus.SUBMITTED)
            .order_by()
            .values("application")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


@admin.register(DossierUnderReview)
class DossierUnderReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "dossier_number",
        "candidate_name",
        "status",
        "payment_status",
        "french_level",
        "evaluator_status",
        "first_academie",
        "university",
        "province",
        "reviewer_names",
        "reviews_submitted",
        "merit_display",
        "spread_display",
        "second_look",
    ]
    #: Columns that show scores: not for blind reviewers.
    score_columns = ("merit_display", "spread_display", "second_look")
    list_display_links = None
    list_filter = [
        "campaign",
        "status",
        EligibilityFilter,
        "payment_status",
        "french__evaluator_status",
        "french_level",
        AcademieChoiceFilter,
        "identity__province",
        ("studies__institution", admin.RelatedOnlyFieldListFilter),
        ReviewerFilter,
        SecondLookFilter,
    ]
    search_fields = [
        "=number",
        "candidate__email",
        "candidate__first_name",
        "candidate__last_name",
        "identity__legal_first_names",
        "identity__legal_last_name",
    ]
    # Applied by the changelist because get_queryset() does not call select_related() itself.
    list_select_related = [
        "candidate",
        "identity",
        "studies__institution",
        "french",
        "assets__academie_1",
        "assets__academie_2",
        "assets__academie_3",
        "merit",
    ]
    list_per_page = 100
    ordering = ["number"]
    actions = ["assign_reviewers"]
    change_list_template = "admin/selection/dossierunderreview/change_list.html"

    def get_queryset(self, request):
        assignments = ReviewAssignment.objects.select_related("reviewer").order_by(
            "assigned_at", "pk"
        )
        return (
            super()
            .get_queryset(request)
            .filter(dossier_scope(request.user))
            .exclude(status=ApplicationStatus.DRAFT)
            .annotate(submitted_reviews=_submitted_count())
            .prefetch_related(Prefetch("review_assignments", queryset=assignments))
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(
            request, extra_context={**(extra_context or {}), **_statistics_link(request)}
        )

    def get_list_display(self, request):
        if is_blind(request.user):
            return [c for c in self.list_display if c not in self.score_columns]
        return self.list_display

    def get_list_filter(self, request):
        if is_blind(request.user):
            return [f for f in self.list_filter if f is not SecondLookFilter]
        return self.list_filter

    def has_assign_permission(self, request) -> bool:
        return request.user.has_perm(ASSIGN_PERMISSION)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The dossier itself is read on its own page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return redirect("admin:candidates_application_change", object_id)

    def get_urls(self):
        export = path(
            "export/",
            self.admin_site.admin_view(self.export_view),
            name="selection_dossierunderreview_export",
        )
        return [export, *super().get_urls()]

    # --- columns ----------------------------------------------------------------------------------

    @admin.display(description=_("candidate number"), ordering="number")
    def dossier_number(self, obj: Application) -> str:
        return _dossier_link(obj)

    @admin.display(description=_("candidate"), ordering="candidate__last_name")
    def candidate_name(self, obj: Application) -> str:
        return obj.candidate.get_full_name()

    @admin.display(description=_("evaluator"), ordering="french__evaluator_status")
    def evaluator_status(self, obj: Application) -> str:
        french = _section(obj, "french")
        return (french.evaluator_status if french else "") or "—"

    @admin.display(description=_("first académie"), ordering="assets__academie_1__name")
    def first_academie(self, obj: Application) -> str:
        assets = _section(obj, "assets")
        return assets.academie_1.name if assets and assets.academie_1_id else "—"

    @admin.display(description=_("university"), ordering="studies__institution__name")
    def university(self, obj: Application) -> str:
        studies = _section(obj, "studies")
        return studies.institution.name if studies and studies.institution_id else "—"

    @admin.display(description=_("province"), ordering="identity__province")
    def province(self, obj: Application) -> str:
        identity = _section(obj, "identity")
        return (identity.province if identity else "") or "—"

    @admin.display(description=_("reviewers"))
    def reviewer_names(self, obj: Application) -> str:
        return ", ".join(a.reviewer.get_full_name() for a in obj.review_assignments.all()) or "—"

    @admin.display(description=_("reviews submitted"), ordering="submitted_reviews")
    def reviews_submitted(self, obj: Application) -> int:
        return obj.submitted_reviews

    @admin.display(description=_("merit (out of 100)"), ordering="merit__merit")
    def merit_display(self, obj: Application) -> str:
        merit = _section(obj, "merit")
        return _points(merit.merit if merit else None)

    @admin.display(description=_("disagreement"), ordering="merit__spread")
    def spread_display(self, obj: Application) -> str:
        merit = _section(obj, "merit")
        return _points(merit.spread if merit and merit.reviewers > 1 else None)

    @admin.display(description=_("second look"), boolean=True, ordering="merit__needs_second_look")
    def second_look(self, obj: Application) -> bool:
        merit = _section(obj, "merit")
        return bool(merit and merit.needs_second_look)

    # --- assign reviewers -----------------------------------------------------------------------

    @admin.action(description=_("Assign reviewers (balanced)"), permissions=["assign"])
    def assign_reviewers(self, request, queryset):
        """Choose the reviewers, then `reviewers_assign` (dossiers not open to review are
        skipped); report what was done."""
        # The queryset comes from get_queryset(): the assignments are prefetched already.
        form = AssignReviewersForm(action_data(request))
        return admin_action(
            self,
            request,
            queryset.select_related("candidate", "campaign").order_by("number"),
            form=form,
            confirm=Confirmation(
                title=gettext("Assign reviewers"),
                intro=gettext(
                    "Only dossiers open to review (submitted, fee verified, not found "
                    "ineligible) are assigned; the others are skipped. Reviewers already on a "
                    "dossier stay."
                ),
                submit=gettext("Assign"),
                headers=[_("Candidate number"), _("Candidate"), _("Status"), _("Reviewers")],
                cells=lambda d: [
                    d.number,
                    d.candidate.get_full_name(),
                    d.get_status_display(),
                    self.reviewer_names(d),
                ],
                heading=ngettext_lazy(
                    "The selected dossier", "The %(counter)s selected dossiers", "counter"
                ),
            ),
            batch=lambda dossiers: reviewers_assign(
                applications=dossiers,
                reviewers=list(form.cleaned_data["reviewers"]),
                actor=request.user,
                skip_closed=True,
            ),
            done=_assigned,
        )

    # --- CSV export -----------------------------------------------------------------------------

    def export_view(self, request):
        """The changelist's filtered list as CSV, with the scores (UTF-8 with a BOM)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return redirect(reverse("admin:selection_dossierunderreview_changelist") + "?e=1")
        queryset = changelist.get_queryset(request)
        with_scores = not is_blind(request.user)
        if with_scores:
            queryset = queryset.prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=Review.objects.filter(status=ReviewStatus.SUBMITTED)
                    .select_related("reviewer")
                    .order_by("submitted_at", "pk"),
                    to_attr="submitted_review_list",
                )
            )
            most = (
                Review.objects.filter(
                    application__in=queryset.order_by().values("pk"),
                    status=ReviewStatus.SUBMITTED,
                )
                .values("application")
                .annotate(n=Count("pk"))
                .order_by("-n")
                .values_list("n", flat=True)
                .first()
            ) or 0
        else:
            most = 0
        rows = self._export_rows(queryset, with_scores=with_scores, reviews=most)
        writer = csv.writer(Echo())
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="dossiers-{stamp}.csv"'
        return response

    def _export_rows(self, queryset, *, with_scores: bool, reviews: int) -> Iterator[list[Any]]:
        header = [
            gettext("candidate number"),
            gettext("last name"),
            gettext("first name"),
            gettext("e-mail address"),
            gettext("status"),
            gettext("application fee"),
            gettext("French level"),
            gettext("evaluator"),
            gettext("first académie"),
            gettext("second académie"),
            gettext("third académie"),
            gettext("university"),
            gettext("province"),
            gettext("reviewers"),
            gettext("reviews submitted"),
        ]
        if with_scores:
            header += [
                gettext("merit (out of 100)"),
                gettext("disagreement"),
                gettext("second look"),
            ]
            for index in range(1, reviews + 1):
                header += [
                    gettext("reviewer %(n)d") % {"n": index},
                    gettext("score %(n)d") % {"n": index},
                ]
        header[0] = "\ufeff" + header[0]  # the BOM: spreadsheets then read UTF-8
        yield header
        for obj in queryset.iterator(chunk_size=500):
            yield self._export_row(obj, with_scores=with_scores, reviews=reviews)

    def _export_row(self, obj: Application, *, with_scores: bool, reviews: int) -> list[Any]:
        assets = _section(obj, "assets")

        def academie(n: int) -> str:
            value = getattr(assets, f"academie_{n}", None) if assets else None
            return value.name if value else ""

        row = [
            obj.number,
            obj.candidate.last_name,
            obj.candidate.first_name,
            obj.candidate.email,
            obj.get_status_display(),
            obj.get_payment_status_display(),
            obj.french_level,
            (_section(obj, "french") or _Blank).evaluator_status,
            academie(1),
            academie(2),
            academie(3),
            self.university(obj).replace("—", ""),
            (_section(obj, "identity") or _Blank).province,
            "; ".join(a.reviewer.get_full_name() for a in obj.review_assignments.all()),
            obj.submitted_reviews,
        ]
        if with_scores:
            merit = _section(obj, "merit")
            row += [
                "" if merit is None or merit.merit is None else merit.merit,
                "" if merit is None or merit.reviewers < 2 else merit.spread,
                gettext("yes") if merit and merit.needs_second_look else "",
            ]
            submitted: Iterable[Review] = obj.submitted_review_list
            cells: list[Any] = []
            for review in submitted:
                cells += [review.reviewer.get_full_name(), review.score]
            row += cells + [""] * (2 * reviews - len(cells))
        return row


class _Blank:
    """Stands for a section never saved, in the export."""

    evaluator_status = ""
    province = ""
