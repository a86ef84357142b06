"""Reads for the merit review: criteria, a reviewer's queue, the reviews they may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from candidates.choices import ApplicationStatus, PaymentStatus
from candidates.models import Application
from candidates.services import DOCUMENT_CHECK_STATUSES
from selection import calibration, scoring
from selection.choices import ReviewStatus
from selection.models import ConflictOfInterest, Criterion, Review, ReviewAssignment, Score
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.models import Campaign, User

#: Dossiers reviewers work on: submitted, fee verified, not (yet) found ineligible.
REVIEWABLE_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.INCOMPLETE,
        ApplicationStatus.COMPLETE,
        ApplicationStatus.ELIGIBLE,
    }
)


SCORE_PERMISSION = "selection.score_dossier"
ASSIGN_PERMISSION = "selection.assign_reviewers"
REVIEW_DOCUMENT_PERMISSION = "candidates.review_document"


def is_blind(user: User) -> bool:
    """A reviewer who could be anchored: scores dossiers and does not run the assignment."""
    return user.has_perm(SCORE_PERMISSION) and not user.has_perm(ASSIGN_PERMISSION)


def reviews_visible(user: User, queryset: QuerySet[Review]) -> QuerySet[Review]:
    """The blind rule on a queryset of reviews: a blind reviewer sees their own reviews, and the
    others' submitted ones only of dossiers for which their own review is submitted."""
    if not is_blind(user):
        return queryset
    own_submitted = Review.objects.filter(reviewer=user, status=ReviewStatus.SUBMITTED).values(
        "application_id"
    )
    return queryset.filter(
        Q(reviewer=user) | Q(status=ReviewStatus.SUBMITTED, application_id__in=own_submitted)
    )


def is_reviewable(application: Application) -> bool:
    """Open to review: a reviewable status and the fee verified (`reviewable_applications`)."""
    return application.status in REVIEWABLE_STATUSES and application.payment_verified


def may_check_documents(user: User, application: Application) -> bool:
    """The user may accept or reject the dossier's documents now (permission and status)."""
    return (
        user.has_perm(REVIEW_DOCUMENT_PERMISSION) and application.status in DOCUMENT_CHECK_STATUSES
    )


def criteria_of(campaign: Campaign) -> list[Criterion]:
    return list(Criterion.objects.filter(campaign=campaign).prefetch_related("levels"))


def reviewable_applications(campaign: Campaign) -> QuerySet[Application]:
    return Application.objects.filter(
        campaign=campaign,
        status__in=REVIEWABLE_STATUSES,
        payment_status=PaymentStatus.VERIFIED,
    )


def review_queue(reviewer: User, campaign: Campaign) -> QuerySet[Application]:
    """The reviewer's assigned dossiers still to score, oldest assignment first."""
    submitted = Review.objects.filter(
        application=OuterRef("pk"), reviewer=reviewer, status=ReviewStatus.SUBMITTED
    )
    conflict = ConflictOfInterest.objects.filter(application=OuterRef("pk"), reviewer=reviewer)
    assigned = ReviewAssignment.objects.filter(application=OuterRef("pk"), reviewer=reviewer)
    return (
        reviewable_applications(campaign)
        .filter(Exists(assigned))
        .exclude(Exists(submitted))
        .exclude(Exists(conflict))
        .order_by("review_assignments__assigned_at", "number")
        .distinct()
    )


def review_next(reviewer: User, campaign: Campaign) -> Application | None:
    return review_queue(reviewer, campaign).filter(review_assignments__reviewer=reviewer).first()


@dataclass(frozen=True)
class QueueSummary:
    """A reviewer's queue in a campaign: the dossiers left (each with `has_draft`), the reviews
    submitted (latest first) and the number of dossiers assigned."""

    pending: list[Application]
    submitted: list[Review]
    assigned: int


def queue_summary(reviewer: User, campaign: Campaign) -> QueueSummary:
    pending = list(review_queue(reviewer, campaign).select_related("candidate"))
    drafts = set(
        Review.objects.filter(
            reviewer=reviewer,
            status=ReviewStatus.DRAFT,
            application__in=[a.pk for a in pending],
        ).values_list("application_id", flat=True)
    )
    for application in pending:
        application.has_draft = application.pk in drafts
    submitted = list(
        Review.objects.filter(
            reviewer=reviewer, status=ReviewStatus.SUBMITTED, application__campaign=campaign
        )
        .select_related("application__candidate")
        .order_by("-submitted_at")
    )
    assigned = ReviewAssignment.objects.filter(
        reviewer=reviewer, application__campaign=campaign
    ).count()
    return QueueSummary(pending=pending, submitted=submitted, assigned=assigned)


def review_of(application: Application, reviewer: User) -> Review | None:
    return (
        Review.objects.filter(application=application, reviewer=reviewer)
        .prefetch_related("scores__criterion")
        .first()
    )


def reviews_visible_to(application: Application, reviewer: User) -> list[Review]:
    """The other reviewers' submitted reviews, once the reviewer has submitted their own (so
    the first score does not anchor the others); nothing before."""
    own = review_of(application, reviewer)
    if own is None or not own.is_submitted:
        return []
    return list(
        Review.objects.filter(application=application, status=ReviewStatus.SUBMITTED)
        .exclude(reviewer=reviewer)
        .select_related("reviewer")
        .prefetch_related("scores__criterion")
    )


# --- fair merit: the reviews as the calibration reads them, and the evidence --------------------

#: Who may read every reviewer's figures (programme managers, the committee, auditors): never a
#: blind reviewer, since the page shows everyone's scores.
STATISTICS_PERMISSION = "selection.view_meritscore"


def reviewer_key(reviewer_id: int) -> str:
    """How a reviewer is named in the calibration's input and a frozen round's record."""
    return str(reviewer_id)


def merit_reviews(campaign: Campaign) -> list[calibration.ReviewScore]:
    """Every submitted review of the campaign with its exact score (the campaign's criteria and
    weights) and its points, ordered by dossier number then reviewer. DomainError if a sheet
    does not fit today's criteria (a criterion added after it was submitted)."""
    criteria = [scoring.Criterion(c.code, c.weight) for c in criteria_of(campaign)]
    sheets: dict[int, tuple[int, str, dict[str, int]]] = {}
    rows = (
        Score.objects.filter(
            review__application__campaign=campaign, review__status=ReviewStatus.SUBMITTED
        )
        .order_by("review__application__number", "review__reviewer_id", "criterion__position")
        .values_list(
            "review_id",
            "review__reviewer_id",
            "review__application__number",
            "criterion__code",
            "points",
        )
    )
    for review_id, reviewer_id, number, code, points in rows:
        sheets.setdefault(review_id, (reviewer_id, number, {}))[2][code] = points
    reviews = []
    try:
        for reviewer_id, number, sheet in sheets.values():
            reviews.append(
                calibration.ReviewScore(
                    reviewer=reviewer_key(reviewer_id),
                    dossier=number,
                    score=scoring.exact_reviewer_score(sheet, criteria),
                    points=sheet,
                )
            )
    except scoring.ScoringError as error:
        raise DomainError(explain_message(error.message), code="scores") from error
    return reviews


def merit_calibration(campaign: Campaign, *, method: str | None = None) -> calibration.Calibration:
    """The campaign's merits by its calibration setting (or `method`), from every submitted
    review, with the figures used."""
    try:
        return calibration.calibrate(
            merit_reviews(campaign),
            method=method or campaign.merit_calibration,
            min_reviews=campaign.calibration_min_reviews,
            aggregation=campaign.score_aggregation,
        )
    except calibration.CalibrationError as error:
        raise DomainError(explain_message(error.message), code="calibration") from error


@dataclass(frozen=True)
class MeritStatistics:
    """The statistics page's reading: the pure figures and the names to show them with."""

    campaign: Campaign
    statistics: calibration.Statistics
    reviewer_names: dict[str, str]
    criteria: list[Criterion]
    dossier_ids: dict[str, int]  # dossier number → the dossier's primary key, for links
    reviews: int


def merit_statistics(campaign: Campaign) -> MeritStatistics:
    reviews = merit_reviews(campaign)
    criteria = criteria_of(campaign)
    figures = calibration.statistics(
        reviews,
        criteria=[c.code for c in criteria],
        min_reviews=campaign.calibration_min_reviews,
    )
    keys = {review.reviewer for review in reviews}
    users = User.objects.filter(pk__in=[int(key) for key in keys])
    names = {reviewer_key(u.pk): u.get_full_name() or u.email for u in users}
    numbers = [d.dossier for d in figures.most_disagreed]
    dossier_ids = dict(
        Application.objects.filter(campaign=campaign, number__in=numbers).values_list(
            "number", "pk"
        )
    )
    return MeritStatistics(
        campaign=campaign,
        statistics=figures,
        reviewer_names=names,
        criteria=criteria,
        dossier_ids=dossier_ids,
        reviews=len(reviews),
    )
