"""Reads for the merit review: criteria, a reviewer's queue, the reviews they may see."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from candidates.choices import ApplicationStatus, PaymentStatus
from candidates.models import Application
from selection.choices import ReviewStatus
from selection.models import ConflictOfInterest, Criterion, Review, ReviewAssignment
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
