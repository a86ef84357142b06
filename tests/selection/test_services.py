"""The merit review's services and selectors: drafts, submission, merit, conflicts, the queue."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from candidates.choices import ApplicationStatus, PaymentStatus
from candidates.models import Application
from selection.choices import ReviewStatus
from selection.models import ConflictOfInterest, Criterion, MeritScore, Review, ReviewAssignment
from selection.selectors import review_next, review_queue, reviews_visible_to
from selection.services import (
    conflict_declare,
    criteria_ensure,
    review_save,
    reviewers_assign,
)
from tapif.core.exceptions import DomainError
from tapif.core.models import Campaign
from tests.candidates.factories import ApplicationFactory
from tests.factories import CampaignFactory
from tests.selection.review_dossiers import assign, reviewable, scorer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open")]

CODES = [
    "french_level",
    "teaching_experience",
    "children_experience",
    "abroad_experience",
    "academic_record",
    "motivation",
    "professional_project",
]


def sheet(points: int, **overrides: int) -> dict[str, int]:
    return dict.fromkeys(CODES, points) | overrides


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def custom_weights(campaign):
    """Every criterion weighs 1 except the French level (4): 10 in all, 50 points at most."""
    Criterion.objects.filter(campaign=campaign).update(weight=Decimal(1))
    Criterion.objects.filter(campaign=campaign, code="french_level").update(weight=Decimal(4))


def set_campaign(campaign: Campaign, **fields) -> None:
    Campaign.objects.filter(pk=campaign.pk).update(**fields)


def reviewed_by(application: Application, *sheets: dict[str, int]) -> list[Review]:
    """Each sheet submitted by a new assigned reviewer."""
    reviews = []
    for points in sheets:
        reviewer = scorer()
        assign(application, reviewer)
        reviews.append(
            review_save(application=application, reviewer=reviewer, points=points, submit=True)
        )
    return reviews


# --- review_save --------------------------------------------------------------------------------


def test_review_save_draft_keeps_partial_scores(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)

    review = review_save(
        application=application,
        reviewer=reviewer,
        points={"motivation": 4, "teaching_experience": None},
        comments={"motivation": "  Lettre précise.  "},
    )

    assert review.status == ReviewStatus.DRAFT
    assert review.score is None
    assert review.submitted_at is None
    assert [(s.criterion.code, s.points, s.comment) for s in review.scores.all()] == [
        ("motivation", 4, "Lettre précise.")
    ]
    assert not MeritScore.objects.filter(application=application).exists()


def test_review_save_draft_refuses_points_out_of_range(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)

    with pytest.raises(DomainError) as error:
        review_save(application=application, reviewer=reviewer, points={"motivation": 6})

    assert error.value.code == "scores"


def test_review_save_submit_needs_every_criterion(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)
    partial = sheet(3)
    del partial["motivation"]

    with pytest.raises(DomainError) as error:
        review_save(application=application, reviewer=reviewer, points=partial, submit=True)

    assert error.value.code == "scores"
    assert not Review.objects.filter(status=ReviewStatus.SUBMITTED).exists()


def test_review_save_submit_records_score_and_time(campaign, custom_weights):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)

    review = review_save(application=application, reviewer=reviewer, points=sheet(3), submit=True)

    assert review.status == ReviewStatus.SUBMITTED
    assert review.score == Decimal("60.00")
    assert review.submitted_at == timezone.now()
    assert review.scores.count() == len(CODES)


def test_review_save_french_level_differing_from_evaluation_needs_a_note(campaign):
    application, reviewer = reviewable(campaign, french_level="B2"), scorer()  # B2 → 3 points
    assign(application, reviewer)

    with pytest.raises(DomainError) as error:
        review_save(application=application, reviewer=reviewer, points={"french_level": 4})
    assert error.value.code == "french_note"

    review = review_save(
        application=application,
        reviewer=reviewer,
        points={"french_level": 4},
        french_level_note="Entretien oral excellent.",
    )
    assert review.scores.get().points == 4
    assert review.french_level_note == "Entretien oral excellent."


def test_review_save_french_level_equal_to_evaluation_needs_no_note(campaign):
    application, reviewer = reviewable(campaign, french_level="c1"), scorer()
    assign(application, reviewer)

    review = review_save(
        application=application, reviewer=reviewer, points=sheet(2, french_level=4), submit=True
    )

    assert review.is_submitted
    assert review.french_level_note == ""


def test_review_save_submitted_review_is_final(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)
    review_save(application=application, reviewer=reviewer, points=sheet(3), submit=True)

    with pytest.raises(DomainError) as error:
        review_save(application=application, reviewer=reviewer, points=sheet(5))

    assert error.value.code == "final"
    assert {s.points for s in Review.objects.get().scores.all()} == {3}


def test_review_save_refused_without_permission_or_assignment(campaign):
    from tests.factories import StaffFactory

    application = reviewable(campaign)
    outsider, unassigned = StaffFactory(), scorer()
    assign(application, outsider)

    with pytest.raises(DomainError) as denied:
        review_save(application=application, reviewer=outsider, points={"motivation": 3})
    with pytest.raises(DomainError) as not_assigned:
        review_save(application=application, reviewer=unassigned, points={"motivation": 3})

    assert (denied.value.code, not_assigned.value.code) == ("permission", "assignment")
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("status", "fee"),
    [
        (ApplicationStatus.INELIGIBLE, PaymentStatus.VERIFIED),
        (ApplicationStatus.ELIGIBLE, PaymentStatus.MATCHED),
    ],
)
def test_review_save_refused_when_dossier_not_open_to_review(campaign, status, fee):
    application, reviewer = reviewable(campaign, status=status, fee=fee), scorer()
    assign(application, reviewer)

    with pytest.raises(DomainError) as error:
        review_save(application=application, reviewer=reviewer, points={"motivation": 3})

    assert error.value.code == "status"


# --- merit --------------------------------------------------------------------------------------


def test_merit_two_reviewers_mean_with_custom_weights(campaign, custom_weights):
    application = reviewable(campaign)

    reviews = reviewed_by(application, sheet(5), sheet(3))

    assert [r.score for r in reviews] == [Decimal("100.00"), Decimal("60.00")]
    merit = MeritScore.objects.get(application=application)
    assert (merit.merit, merit.reviewers, merit.spread) == (
        Decimal("80.00"),
        2,
        Decimal("40.00"),
    )


def test_merit_three_reviewers_mean_rounds_once(campaign, custom_weights):
    set_campaign(campaign, reviewers_per_dossier=3)
    application = reviewable(campaign)

    # The third scores only the French level (weight 4 of 10): 4 * 5 / 50 = 40.00.
    reviews = reviewed_by(application, sheet(5), sheet(3), sheet(0, french_level=5))

    assert reviews[2].score == Decimal("40.00")
    merit = MeritScore.objects.get(application=application)
    assert (merit.merit, merit.reviewers, merit.spread) == (
        Decimal("66.67"),
        3,
        Decimal("60.00"),
    )


def test_merit_median_when_the_campaign_says_so(campaign, custom_weights):
    set_campaign(campaign, score_aggregation="median", reviewers_per_dossier=3)
    application = reviewable(campaign)

    reviewed_by(application, sheet(5), sheet(3), sheet(0, french_level=5))

    assert MeritScore.objects.get(application=application).merit == Decimal("60.00")


def test_merit_is_normalised_from_0_to_100(campaign):
    lowest, highest = reviewable(campaign), reviewable(campaign)

    reviewed_by(lowest, sheet(0))
    reviewed_by(highest, sheet(5))

    assert MeritScore.objects.get(application=lowest).merit == Decimal("0.00")
    assert MeritScore.objects.get(application=highest).merit == Decimal("100.00")


@pytest.mark.parametrize(("threshold", "flagged"), [("20.00", True), ("40.00", False)])
def test_merit_disagreement_above_the_threshold_flags_a_second_look(
    campaign, custom_weights, threshold, flagged
):
    set_campaign(campaign, disagreement_threshold=Decimal(threshold))
    application = reviewable(campaign)

    reviewed_by(application, sheet(5), sheet(3))  # 100.00 and 60.00: 40.00 apart

    merit = MeritScore.objects.get(application=application)
    assert merit.spread == Decimal("40.00")
    assert merit.needs_second_look is flagged


def test_merit_eligible_dossier_reviewed_once_enough_reviews(campaign):
    set_campaign(campaign, reviewers_per_dossier=2)
    application = reviewable(campaign)

    reviewed_by(application, sheet(4))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE

    reviewed_by(application, sheet(2))
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    assert application.events.status_changes().latest("created_at", "id").from_status == "eligible"


def test_merit_dossier_not_yet_eligible_stays_where_it_is(campaign):
    application = reviewable(campaign, status=ApplicationStatus.COMPLETE)

    reviewed_by(application, sheet(4), sheet(2))

    application.refresh_from_db()
    assert application.status == ApplicationStatus.COMPLETE
    assert MeritScore.objects.get(application=application).reviewers == 2


# --- conflicts of interest ----------------------------------------------------------------------


def test_conflict_declare_removes_assignment_and_draft(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)
    review_save(application=application, reviewer=reviewer, points={"motivation": 3})

    conflict = conflict_declare(
        application=application, reviewer=reviewer, reason="  Ma cousine.  "
    )

    assert conflict.reason == "Ma cousine."
    assert not ReviewAssignment.objects.filter(reviewer=reviewer).exists()
    assert not Review.objects.filter(reviewer=reviewer).exists()


def test_conflict_declare_needs_a_reason(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)

    with pytest.raises(DomainError) as error:
        conflict_declare(application=application, reviewer=reviewer, reason="   ")

    assert error.value.code == "reason"
    assert ReviewAssignment.objects.filter(reviewer=reviewer).exists()


def test_conflict_declare_refused_once_review_submitted(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)
    review_save(application=application, reviewer=reviewer, points=sheet(3), submit=True)

    with pytest.raises(DomainError) as error:
        conflict_declare(application=application, reviewer=reviewer, reason="Je la connais.")

    assert error.value.code == "submitted"
    assert not ConflictOfInterest.objects.exists()


def test_conflict_blocks_scoring_and_future_assignment(campaign):
    application, reviewer, other = reviewable(campaign), scorer(), scorer()
    assign(application, reviewer)
    conflict_declare(application=application, reviewer=reviewer, reason="Mon ancienne élève.")
    assign(application, reviewer)  # assigned again by mistake

    with pytest.raises(DomainError) as error:
        review_save(application=application, reviewer=reviewer, points={"motivation": 3})
    assert error.value.code == "conflict"

    ReviewAssignment.objects.all().delete()
    assigned = reviewers_assign(
        applications=[application], reviewers=[reviewer, other], actor=other
    )
    assert (assigned.made, assigned.short) == (1, [application.number])
    assert list(ReviewAssignment.objects.values_list("reviewer", flat=True)) == [other.pk]


# --- reviewers_assign: what may be assigned ----------------------------------------------------


def test_reviewers_assign_refuses_a_draft_and_assigns_nothing(campaign):
    open_dossier, draft = reviewable(campaign), ApplicationFactory(campaign=campaign)
    unpaid = reviewable(campaign, fee=PaymentStatus.MATCHED)

    with pytest.raises(DomainError) as error:
        reviewers_assign(
            applications=[open_dossier, draft, unpaid], reviewers=[scorer()], actor=scorer()
        )

    assert error.value.code == "not_reviewable"
    assert error.value.message == (
        f"Not open to review (status or fee), so not assigned: {draft.number}, {unpaid.number}."
    )
    assert not ReviewAssignment.objects.exists()


def test_reviewers_assign_skip_closed_names_the_dossiers_left_out(campaign):
    open_dossier, ineligible = (
        reviewable(campaign),
        reviewable(campaign, status=ApplicationStatus.INELIGIBLE),
    )
    reviewer = scorer()

    assigned = reviewers_assign(
        applications=[open_dossier, ineligible],
        reviewers=[reviewer],
        actor=reviewer,
        skip_closed=True,
    )

    assert assigned.made == 1
    assert assigned.skipped == [ineligible.number]
    assert list(ReviewAssignment.objects.values_list("application", "reviewer")) == [
        (open_dossier.pk, reviewer.pk)
    ]


def test_reviewers_assign_takes_each_campaign_with_its_own_number_of_reviewers(campaign):
    set_campaign(campaign, reviewers_per_dossier=2)
    other_campaign = CampaignFactory(  # open at the same time, to take a dossier
        reviewers_per_dossier=1, opens_at=campaign.opens_at, closes_at=campaign.closes_at
    )
    here, there = reviewable(campaign), reviewable(other_campaign)
    reviewers = [scorer(), scorer(), scorer()]

    assigned = reviewers_assign(applications=[here, there], reviewers=reviewers, actor=reviewers[0])

    assert (assigned.made, assigned.short, assigned.skipped) == (3, [], [])
    assert ReviewAssignment.objects.filter(application=here).count() == 2
    assert ReviewAssignment.objects.filter(application=there).count() == 1


# --- queue and visibility -----------------------------------------------------------------------


def test_review_queue_oldest_assignment_first_and_exclusions(campaign, campaign_open):
    reviewer = scorer()
    later, earlier = reviewable(campaign), reviewable(campaign)
    ineligible = reviewable(campaign, status=ApplicationStatus.INELIGIBLE)
    unpaid = reviewable(campaign, fee=PaymentStatus.MATCHED)
    done, conflicted, unassigned = reviewable(campaign), reviewable(campaign), reviewable(campaign)
    for application in [earlier, ineligible, unpaid, done, conflicted]:
        assign(application, reviewer)
    campaign_open.shift(dt.timedelta(hours=1))
    assign(later, reviewer)
    review_save(application=done, reviewer=reviewer, points=sheet(3), submit=True)
    conflict_declare(application=conflicted, reviewer=reviewer, reason="Voisine.")

    assert list(review_queue(reviewer, campaign)) == [earlier, later]
    assert review_next(reviewer, campaign) == earlier
    assert unassigned not in review_queue(scorer(), campaign)


def test_review_queue_keeps_a_draft(campaign):
    application, reviewer = reviewable(campaign), scorer()
    assign(application, reviewer)
    review_save(application=application, reviewer=reviewer, points={"motivation": 2})

    assert review_next(reviewer, campaign) == application


def test_review_next_none_when_queue_empty(campaign):
    assert review_next(scorer(), campaign) is None


def test_reviews_visible_to_only_after_own_submission(campaign):
    application = reviewable(campaign)
    first, second, third = scorer(), scorer(), scorer()
    assign(application, first, second, third)
    review_save(application=application, reviewer=first, points=sheet(4), submit=True)
    review_save(application=application, reviewer=third, points={"motivation": 1})  # a draft

    assert reviews_visible_to(application, second) == []
    review_save(application=application, reviewer=second, points={"motivation": 3})
    assert reviews_visible_to(application, second) == []

    review_save(application=application, reviewer=second, points=sheet(2), submit=True)
    assert [r.reviewer for r in reviews_visible_to(application, second)] == [first]
    assert [r.reviewer for r in reviews_visible_to(application, first)] == [second]
