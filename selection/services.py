"""Every change to the merit review goes through these functions (the review page, the admin).

Reviews are per reviewer and dossier; a submitted review is final. Each submission recomputes
the dossier's `MeritScore` with `selection.scoring` and, once the campaign's number of reviews
is reached for an eligible dossier, moves it to "reviewed".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.choices import ApplicationStatus
from candidates.models import Application
from candidates.services import application_transition
from selection import scoring
from selection.assignment import balanced_assignment, reviewer_groups
from selection.choices import FRENCH_LEVEL_CODE, ReviewStatus, rubric_for
from selection.models import (
    ConflictOfInterest,
    Criterion,
    CriterionLevel,
    MeritScore,
    Review,
    ReviewAssignment,
    Score,
)
from selection.selectors import SCORE_PERMISSION, criteria_of, is_reviewable
from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.models import Campaign, User


def _scoring_message(error: scoring.ScoringError) -> str:
    return explain_message(error.message)


@transaction.atomic
def criteria_ensure(campaign: Campaign) -> list[Criterion]:
    """The campaign's criteria, created from the programme's defaults the first time."""
    existing = criteria_of(campaign)
    if existing:
        return existing
    for position, default in enumerate(scoring.DEFAULT_CRITERIA):
        criterion = Criterion.objects.create(
            campaign=campaign,
            code=default.code,
            weight=default.weight,
            position=position,
        )
        CriterionLevel.objects.bulk_create(
            CriterionLevel(criterion=criterion, points=points)
            for points in rubric_for(default.code)
        )
    return criteria_of(campaign)


def _pure(criteria: Sequence[Criterion]) -> list[scoring.Criterion]:
    return [scoring.Criterion(c.code, c.weight) for c in criteria]


def french_level_prefill(application: Application) -> int | None:
    """The French-level points the evaluation or verified test gives (None if no level yet)."""
    return scoring.french_level_points(application.french_level or None)


def _assert_may_review(application: Application, reviewer: User) -> None:
    if not reviewer.has_perm(SCORE_PERMISSION):
        raise DomainError(_("You may not score dossiers."), code="permission")
    if not is_reviewable(application):
        raise DomainError(
            _("This dossier is not open to review (it is “%(status)s”, fee: %(fee)s).")
            % {
                "status": ApplicationStatus(application.status).label,
                "fee": application.get_payment_status_display() or "—",
            },
            code="status",
        )
    if ConflictOfInterest.objects.filter(application=application, reviewer=reviewer).exists():
        raise DomainError(
            _("You declared a conflict of interest with this dossier."), code="conflict"
        )
    if not ReviewAssignment.objects.filter(application=application, reviewer=reviewer).exists():
        raise DomainError(_("This dossier is not assigned to you."), code="assignment")


@transaction.atomic
def review_save(
    *,
    application: Application,
    reviewer: User,
    points: Mapping[str, int | None],
    comments: Mapping[str, str] | None = None,
    french_level_note: str = "",
    submit: bool = False,
) -> Review:
    """Save the reviewer's scores (a draft may be partial); `submit` makes the review final.

    The French-level criterion starts from the evaluation's level; scoring it otherwise needs
    `french_level_note`. Raises DomainError with the message for the form.
    """
    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    _assert_may_review(application, reviewer)
    criteria = criteria_ensure(application.campaign)
    by_code = {c.code: c for c in criteria}
    comments = comments or {}
    review, _created = Review.objects.get_or_create(application=application, reviewer=reviewer)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_submitted:
        raise DomainError(_("This review is submitted and can no longer change."), code="final")
    given = {code: value for code, value in points.items() if value is not None}
    unknown = sorted(set(given) - set(by_code))
    if unknown:
        raise DomainError(_("Unknown criteria: %(codes)s.") % {"codes": ", ".join(unknown)})
    try:
        if submit:
            score = scoring.reviewer_score(given, _pure(criteria))
        else:
            for value in given.values():  # a draft checks each value, not completeness
                scoring.reviewer_score({"x": value}, [scoring.Criterion("x", 1)])
    except scoring.ScoringError as error:
        raise DomainError(_scoring_message(error), code="scores") from error
    note = french_level_note.strip()
    prefill = french_level_prefill(application)
    french = given.get(FRENCH_LEVEL_CODE)
    if french is not None and prefill is not None and french != prefill and not note:
        raise DomainError(
            _(
                "The French level gives %(points)d points from the evaluation or test: explain "
                "why you score it otherwise."
            )
            % {"points": prefill},
            code="french_note",
        )
    before = {s.criterion.code: s.points for s in review.scores.select_related("criterion")}
    for code, value in given.items():
        Score.objects.update_or_create(
            review=review,
            criterion=by_code[code],
            defaults={"points": value, "comment": comments.get(code, "").strip()},
        )
    review.scores.exclude(criterion__code__in=list(given)).delete()
    review.french_level_note = note
    if submit:
        review.status = ReviewStatus.SUBMITTED
        review.submitted_at = timezone.now()
        review.score = score
    review.save()
    audit_record(
        actor=reviewer,
        action="review.submit" if submit else "review.save",
        target=review,
        data={"before": before, "after": given, "french_level_note": note},
    )
    if submit:
        merit_recompute(application)
    return review


@transaction.atomic
def merit_recompute(application: Application) -> MeritScore:
    """The dossier's merit from its submitted reviews, by the campaign's aggregation."""
    campaign = application.campaign
    criteria = _pure(criteria_of(campaign))
    reviews = Review.objects.filter(
        application=application, status=ReviewStatus.SUBMITTED
    ).prefetch_related("scores__criterion")
    sheets = [{s.criterion.code: s.points for s in review.scores.all()} for review in reviews]
    summary = scoring.summarise(
        sheets,
        criteria,
        scoring.Aggregation(campaign.score_aggregation),
        campaign.disagreement_threshold,
    )
    merit, _created = MeritScore.objects.update_or_create(
        application=application,
        defaults={
            "merit": summary.merit,
            "reviewers": summary.reviewers,
            "spread": summary.spread,
            "needs_second_look": summary.flagged,
            "computed_at": timezone.now(),
        },
    )
    review_complete_if_ready(application, reviews_submitted=summary.reviewers)
    return merit


def review_complete_if_ready(application: Application, *, reviews_submitted: int) -> None:
    """An eligible dossier with the campaign's number of submitted reviews is "reviewed"."""
    application.refresh_from_db(fields=["status"])
    if (
        application.status == ApplicationStatus.ELIGIBLE
        and reviews_submitted >= application.campaign.reviewers_per_dossier
    ):
        application_transition(
            application=application, to_status=ApplicationStatus.REVIEWED, actor=None
        )


def on_eligibility_decided(sender, *, application: Application, outcome: str, **kwargs) -> None:
    """Reviews may all be in before the eligibility decision: complete the review then."""
    submitted = Review.objects.filter(
        application=application, status=ReviewStatus.SUBMITTED
    ).count()
    review_complete_if_ready(application, reviews_submitted=submitted)


@transaction.atomic
def conflict_declare(
    *, application: Application, reviewer: User, reason: str
) -> ConflictOfInterest:
    """A reviewer declares a conflict: they leave the dossier (assignment and draft review)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say briefly why (you know the candidate, …)."), code="reason")
    if Review.objects.filter(
        application=application, reviewer=reviewer, status=ReviewStatus.SUBMITTED
    ).exists():
        raise DomainError(
            _("Your review of this dossier is already submitted: tell the programme manager."),
            code="submitted",
        )
    conflict, _created = ConflictOfInterest.objects.get_or_create(
        application=application, reviewer=reviewer, defaults={"reason": reason}
    )
    ReviewAssignment.objects.filter(application=application, reviewer=reviewer).delete()
    Review.objects.filter(application=application, reviewer=reviewer).delete()
    audit_record(actor=reviewer, action="review.conflict", target=conflict, data={"reason": reason})
    return conflict


class ReviewersAssigned(NamedTuple):
    """What `reviewers_assign` did: assignments made, the numbers of the dossiers still short of
    reviewers, those left out because they are not open to review (`skip_closed`), and, when
    the campaign's assignments leave reviewers who share no dossier with one another (directly
    or through others), each such group's reviewer names, largest group first."""

    made: int
    short: list[str]
    skipped: list[str]
    groups: list[list[str]] = []


@transaction.atomic
def reviewers_assign(
    *,
    applications: Iterable[Application],
    reviewers: Sequence[User],
    actor: User,
    skip_closed: bool = False,
) -> ReviewersAssigned:
    """Give each dossier reviewers up to its campaign's number, evenly (`balanced_assignment`).

    Only a dossier open to review (`is_reviewable`: a reviewable status, the fee verified) gets
    reviewers: any other (a draft, an ineligible dossier) is refused with a DomainError
    ("not_reviewable", naming them) and nothing is assigned, or, with `skip_closed`, left out
    and named in `skipped`. Dossiers of several campaigns are assigned campaign by campaign
    (each campaign's number of reviewers per dossier, each reviewer's load in that campaign).
    Records a "review.assign" audit entry per dossier given reviewers.
    """
    applications = list(applications)
    closed = [a for a in applications if not is_reviewable(a)]
    if closed and not skip_closed:
        raise DomainError(
            _("Not open to review (status or fee), so not assigned: %(numbers)s.")
            % {"numbers": ", ".join(a.number for a in closed)},
            code="not_reviewable",
        )
    by_campaign: dict[int, list[Application]] = {}
    for application in applications:
        if is_reviewable(application):
            by_campaign.setdefault(application.campaign_id, []).append(application)
    made, short, groups = 0, [], []
    for group in by_campaign.values():
        added, still_short = _reviewers_assign_campaign(group, reviewers, actor)
        made += added
        short += still_short
        separate = reviewer_groups_of(group[0].campaign)
        if len(separate) > 1:
            groups += separate
    return ReviewersAssigned(
        made=made, short=short, skipped=[a.number for a in closed], groups=groups
    )


def reviewer_groups_of(campaign: Campaign) -> list[list[str]]:
    """The campaign's reviewers grouped by the dossiers they share (`reviewer_groups`), by
    name: one group when every reviewer can be compared with every other."""
    assignments: dict[int, list[int]] = {}
    for application_id, reviewer_id in (
        ReviewAssignment.objects.filter(application__campaign=campaign)
        .order_by("application__number", "assigned_at", "pk")
        .values_list("application_id", "reviewer_id")
    ):
        assignments.setdefault(application_id, []).append(reviewer_id)
    groups = reviewer_groups(assignments)
    users = User.objects.in_bulk([r for group in groups for r in group])
    return [[users[r].get_full_name() or users[r].email for r in group] for group in groups]


def _reviewers_assign_campaign(
    applications: list[Application], reviewers: Sequence[User], actor: User
) -> tuple[int, list[str]]:
    """`reviewers_assign` for open dossiers of one campaign: (made, numbers still short)."""
    if not reviewers:
        return 0, [a.number for a in applications]
    ids = [a.pk for a in applications]
    existing: dict[int, set[int]] = {}
    for application_id, reviewer_id in ReviewAssignment.objects.filter(
        application_id__in=ids
    ).values_list("application_id", "reviewer_id"):
        existing.setdefault(application_id, set()).add(reviewer_id)
    conflicts = set(
        ConflictOfInterest.objects.filter(application_id__in=ids).values_list(
            "application_id", "reviewer_id"
        )
    )
    load: dict[int, int] = {}
    for reviewer_id in ReviewAssignment.objects.filter(
        reviewer__in=reviewers, application__campaign=applications[0].campaign
    ).values_list("reviewer_id", flat=True):
        load[reviewer_id] = load.get(reviewer_id, 0) + 1
    per_dossier = applications[0].campaign.reviewers_per_dossier
    added = balanced_assignment(
        ids,
        [r.pk for r in reviewers],
        per_dossier=per_dossier,
        existing=existing,
        conflicts=conflicts,
        load=load,
    )
    ReviewAssignment.objects.bulk_create(
        ReviewAssignment(application_id=a, reviewer_id=r, assigned_by=actor)
        for a, chosen in added.items()
        for r in chosen
    )
    made = sum(len(chosen) for chosen in added.values())
    short = [
        a.number
        for a in applications
        if len(existing.get(a.pk, set())) + len(added.get(a.pk, [])) < per_dossier
    ]
    for application in applications:
        if application.pk in added:
            audit_record(
                actor=actor,
                action="review.assign",
                target=application,
                data={"reviewers": added[application.pk]},
            )
    return made, short
