"""The review admin: the dossiers' changelist (filters, search, query count, CSV, assignment),
the blind rule on reviews, and the criteria with their rubric."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.choices import ApplicationStatus, PaymentStatus
from candidates.models import Assets, Identity
from candidates.services import application_record_evaluator_status
from selection.models import Criterion, CriterionLevel, MeritScore, ReviewAssignment
from selection.services import conflict_declare, criteria_ensure, review_save
from tapif.core.models import Academie, Campaign
from tests.selection.review_dossiers import (
    assign,
    bulk_dossiers,
    manager,
    reviewable,
    scorer,
    staff_with,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campaign_open")]

DOSSIERS = "/admin/selection/dossierunderreview/"
EXPORT = "/admin/selection/dossierunderreview/export/"
REVIEWS = "/admin/selection/review/"
CRITERIA = "/admin/selection/criterion/"
CODES = [
    "french_level",
    "teaching_experience",
    "children_experience",
    "abroad_experience",
    "academic_record",
    "motivation",
    "professional_project",
]


def sheet(points: int) -> dict[str, int]:
    return dict.fromkeys(CODES, points)


def log_in(client, user):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def numbers(response) -> list[str]:
    return [a.number for a in response.context["cl"].result_list]


def exported(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def boss(client):
    return manager(first_name="Paule", last_name="Gérante")


# --- changelist: query count, filters, search ---------------------------------------------------


def test_changelist_query_count_constant_between_10_and_200_dossiers(client, campaign, boss):
    reviewers = [scorer(first_name="Ann"), scorer(first_name="Bob")]
    bulk_dossiers(campaign, 10, reviewers=reviewers)
    log_in(client, boss)
    client.get(DOSSIERS)  # warm the session and content-type caches

    with CaptureQueriesContext(connection) as ten:
        first = client.get(DOSSIERS)
    bulk_dossiers(campaign, 190, reviewers=reviewers, start=10)
    with CaptureQueriesContext(connection) as two_hundred:
        second = client.get(DOSSIERS, {"all": ""})

    assert first.context["cl"].result_count == 10
    assert second.context["cl"].result_count == 200
    assert len(second.context["cl"].result_list) == 200
    assert len(two_hundred) == len(ten)
    row = second.content.decode()
    assert "BK-00199" in row
    assert "Ann " in row
    assert "Bob " in row
    assert "70.00" in row


def test_changelist_columns_of_a_reviewed_dossier(client, campaign, boss):
    application = reviewable(campaign, first_name="Léa", last_name="Roy")
    first, second = scorer(first_name="Ann"), scorer(first_name="Bob")
    assign(application, first, second)
    review_save(application=application, reviewer=first, points=sheet(5), submit=True)
    review_save(application=application, reviewer=second, points=sheet(2), submit=True)

    response = log_in(client, boss).get(DOSSIERS)

    html = response.content.decode()
    assert f'href="/admin/candidates/application/{application.pk}/change/"' in html
    assert "Léa Roy" in html
    assert "70.00" in html  # the mean of 100.00 and 40.00
    assert "60.00" in html  # their disagreement
    assert 'alt="True"' in html  # above the threshold of 20: a second look
    assert response.context["cl"].result_list[0].submitted_reviews == 2
    own_page = client.get(f"{DOSSIERS}{application.pk}/change/")
    assert own_page["Location"] == f"/admin/candidates/application/{application.pk}/change/"


def test_changelist_leaves_out_drafts(client, campaign, boss):
    from tests.candidates.factories import ApplicationFactory

    ApplicationFactory(campaign=campaign)
    submitted = reviewable(campaign, status=ApplicationStatus.SUBMITTED, fee="")

    assert numbers(log_in(client, boss).get(DOSSIERS)) == [submitted.number]


@pytest.fixture
def sorted_dossiers(campaign):
    """Three dossiers that differ by every filter's criterion."""
    academies = list(Academie.objects.order_by("name")[:5])
    eligible = reviewable(campaign, french_level="C1", first_name="Eve", last_name="Eligible")
    ineligible = reviewable(campaign, status=ApplicationStatus.INELIGIBLE, last_name="Nope")
    undecided = reviewable(
        campaign,
        status=ApplicationStatus.COMPLETE,
        fee=PaymentStatus.MATCHED,
        email="undecided@example.ca",
    )
    for application, province, choices in [
        (eligible, "QC", academies[0:3]),
        (ineligible, "ON", academies[2:5]),
        (undecided, "ON", [academies[3], academies[4], academies[1]]),
    ]:
        Identity.objects.create(application=application, province=province)
        Assets.objects.create(
            application=application,
            academie_1=choices[0],
            academie_2=choices[1],
            academie_3=choices[2],
        )
    application_record_evaluator_status(application=eligible, status="submitted", actor=None)
    return {
        "eligible": eligible,
        "ineligible": ineligible,
        "undecided": undecided,
        "academies": academies,
    }


def test_changelist_filters(client, campaign, boss, sorted_dossiers):
    eligible, ineligible, undecided = (
        sorted_dossiers[k] for k in ("eligible", "ineligible", "undecided")
    )
    academies = sorted_dossiers["academies"]
    reviewer = scorer()
    assign(eligible, reviewer)
    MeritScore.objects.create(application=ineligible, merit=Decimal(50), needs_second_look=True)
    log_in(client, boss)

    def found(**params) -> set[str]:
        response = client.get(DOSSIERS, params)
        assert response.status_code == 200
        return set(numbers(response))

    assert found(eligibility="eligible") == {eligible.number}
    assert found(eligibility="ineligible") == {ineligible.number}
    assert found(eligibility="undecided") == {undecided.number}
    assert found(status__exact="complete") == {undecided.number}
    assert found(payment_status__exact="matched") == {undecided.number}
    assert found(french_level__exact="C1") == {eligible.number}
    assert found(french__evaluator_status="submitted") == {eligible.number}
    # The académie in any of the three choices.
    assert found(academie=academies[1].pk) == {eligible.number, undecided.number}
    assert found(academie=academies[2].pk) == {eligible.number, ineligible.number}
    assert found(identity__province="ON") == {ineligible.number, undecided.number}
    assert found(reviewer=reviewer.pk) == {eligible.number}
    assert found(reviewer="none") == {ineligible.number, undecided.number}
    assert found(second_look="yes") == {ineligible.number}
    assert found(second_look="no") == {eligible.number, undecided.number}


def test_changelist_search_by_number_name_email(client, campaign, boss, sorted_dossiers):
    eligible, undecided = sorted_dossiers["eligible"], sorted_dossiers["undecided"]
    log_in(client, boss)

    assert numbers(client.get(DOSSIERS, {"q": eligible.number})) == [eligible.number]
    assert numbers(client.get(DOSSIERS, {"q": "eligible"})) == [eligible.number]
    assert numbers(client.get(DOSSIERS, {"q": "undecided@example"})) == [undecided.number]


def test_changelist_hides_scores_from_a_blind_reviewer(client, campaign):
    application, reviewer = reviewable(campaign), scorer()
    MeritScore.objects.create(application=application, merit=Decimal("87.50"), reviewers=2)
    assign(application, reviewer)  # a reviewer sees the dossiers assigned to them

    response = log_in(client, reviewer).get(DOSSIERS)

    assert numbers(response) == [application.number]
    assert "87.50" not in response.content.decode()
    assert "merit_display" not in response.context["cl"].list_display
    assert client.get(DOSSIERS, {"second_look": "yes"}).status_code == 302  # no such filter


def test_changelist_denied_without_view_permission(client, campaign):
    assert log_in(client, staff_with("selection.score_dossier")).get(DOSSIERS).status_code == 403


# --- CSV export ----------------------------------------------------------------------------------


def test_export_csv_of_the_filtered_list_with_scores(client, campaign, boss):
    kept = reviewable(campaign, french_level="B2", first_name="Léa", last_name="Roy")
    other = reviewable(campaign)
    first, second = scorer(first_name="Ann", last_name="A"), scorer(first_name="Bob", last_name="B")
    assign(kept, first, second)
    note = "Oral interview."
    for reviewer, points in [(first, 3), (second, 4)]:
        review_save(
            application=kept,
            reviewer=reviewer,
            points=sheet(points),
            french_level_note=note,
            submit=True,
        )
    assign(other, second)

    response = log_in(client, boss).get(EXPORT, {"reviewer": first.pk})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="dossiers-')
    header, *rows = exported(response)
    assert header[0] == "candidate number"
    assert header[-7:] == [
        "merit (out of 100)",
        "disagreement",
        "second look",
        "reviewer 1",
        "score 1",
        "reviewer 2",
        "score 2",
    ]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["candidate number"] == kept.number
    assert (row["last name"], row["first name"]) == ("Roy", "Léa")
    assert row["status"] == "Reviewed"
    assert row["French level"] == "B2"
    assert row["reviewers"] == "Ann A; Bob B"
    assert row["reviews submitted"] == "2"
    assert (row["merit (out of 100)"], row["disagreement"]) == ("70.00", "20.00")
    assert row["second look"] == ""
    assert (row["reviewer 1"], row["score 1"], row["reviewer 2"], row["score 2"]) == (
        "Ann A",
        "60.00",
        "Bob B",
        "80.00",
    )


def test_export_csv_without_scores_for_a_blind_reviewer(client, campaign):
    application, reviewer = reviewable(campaign), scorer()
    MeritScore.objects.create(application=application, merit=Decimal("87.50"), reviewers=1)
    assign(application, reviewer)  # a reviewer sees the dossiers assigned to them

    header, row = exported(log_in(client, reviewer).get(EXPORT))

    assert "merit (out of 100)" not in header
    assert row[0] == application.number
    assert "87.50" not in row


def test_export_csv_denied_without_view_permission(client, campaign):
    response = log_in(client, staff_with("selection.score_dossier")).get(EXPORT)

    assert response.status_code == 403


# --- assign reviewers ---------------------------------------------------------------------------


def assign_post(client, dossiers, **extra):
    return client.post(
        DOSSIERS,
        {"action": "assign_reviewers", "_selected_action": [d.pk for d in dossiers], **extra},
    )


def test_assign_action_balanced_between_chosen_reviewers(client, campaign, boss):
    dossiers = [reviewable(campaign) for _ in range(4)]
    ann, bob, cid = (scorer(first_name=n) for n in ("Ann", "Bob", "Cid"))
    not_chosen = scorer(first_name="Dan")
    conflict_declare(application=dossiers[0], reviewer=ann, reason="Ma nièce.")
    ineligible = reviewable(campaign, status=ApplicationStatus.INELIGIBLE)
    log_in(client, boss)

    page = assign_post(client, [*dossiers, ineligible])
    assert page.status_code == 200
    choices = {u.first_name for u in page.context["form"].fields["reviewers"].queryset}
    assert choices == {"Ann", "Bob", "Cid", "Dan"}  # staff holding score_dossier, not boss

    response = assign_post(
        client, [*dossiers, ineligible], apply="yes", reviewers=[ann.pk, bob.pk, cid.pk]
    )

    assert response.status_code == 302
    pairs = set(ReviewAssignment.objects.values_list("application_id", "reviewer_id"))
    assert len(pairs) == 8  # 4 dossiers, 2 reviewers each
    assert (dossiers[0].pk, ann.pk) not in pairs
    assert not ReviewAssignment.objects.filter(reviewer=not_chosen).exists()
    assert not ReviewAssignment.objects.filter(application=ineligible).exists()
    loads = sorted(ReviewAssignment.objects.filter(reviewer=r).count() for r in (ann, bob, cid))
    assert loads[-1] - loads[0] <= 1
    assert {a.assigned_by for a in ReviewAssignment.objects.all()} == {boss}
    texts = [m.message for m in get_messages(response.wsgi_request)]
    assert texts == [
        "8 assignments made.",
        "1 dossier skipped: it is not open to review (status or fee).",
    ]


def test_assign_action_reports_dossiers_still_short(client, campaign, boss):
    application, ann = reviewable(campaign), scorer()
    log_in(client, boss)

    response = assign_post(client, [application], apply="yes", reviewers=[ann.pk])

    texts = [m.message for m in get_messages(response.wsgi_request)]
    assert texts == [
        "1 assignment made.",
        "1 dossier is still short of reviewers (not enough reviewers without a conflict): "
        f"{application.number}.",
    ]


def test_assign_action_warns_when_reviewers_form_separate_groups(client, campaign, boss):
    first, second, third = (reviewable(campaign) for _ in range(3))
    ann, bob, cid, dan = (
        scorer(first_name=n, last_name="Lecteur") for n in ("Ann", "Bob", "Cid", "Dan")
    )
    assign(first, ann, bob)
    assign(second, cid, dan)
    log_in(client, boss)

    response = assign_post(client, [third], apply="yes", reviewers=[ann.pk, bob.pk])

    texts = [m.message for m in get_messages(response.wsgi_request)]
    assert texts == [
        "2 assignments made.",
        "The reviewers form 2 groups that share no dossier: Ann Lecteur, Bob Lecteur; "
        "Cid Lecteur, Dan Lecteur. Their strictness cannot be compared across groups and "
        "calibration is less fair: assign some dossiers to reviewers of two groups.",
    ]

    # One dossier read by Bob and Cid joins the two groups: no warning any more.
    client.get(DOSSIERS)  # the messages above are read
    fourth = reviewable(campaign)
    assign(fourth, cid)
    response = assign_post(client, [fourth], apply="yes", reviewers=[bob.pk])

    assert [m.message for m in get_messages(response.wsgi_request)] == ["1 assignment made."]


def test_assign_action_needs_the_permission(client, campaign):
    application, reviewer = reviewable(campaign), scorer()
    log_in(client, reviewer)

    listing = client.get(DOSSIERS)
    response = assign_post(client, [application], apply="yes", reviewers=[reviewer.pk])

    assert listing.context["action_form"] is None  # no action for a reviewer
    assert response.status_code == 200  # "no action selected": the list again
    assert not ReviewAssignment.objects.exists()


# --- reviews: the blind rule --------------------------------------------------------------------


def test_review_admin_blind_until_own_review_submitted(client, campaign, boss):
    application = reviewable(campaign)
    first, second = scorer(first_name="Ann"), scorer(first_name="Bob")
    assign(application, first, second)
    theirs = review_save(application=application, reviewer=first, points=sheet(5), submit=True)
    mine = review_save(application=application, reviewer=second, points={"motivation": 3})
    log_in(client, second)

    assert list(client.get(REVIEWS).context["cl"].result_list) == [mine]
    assert client.get(f"{REVIEWS}{theirs.pk}/change/").status_code == 302  # "does not exist"

    review_save(application=application, reviewer=second, points=sheet(2), submit=True)

    assert set(client.get(REVIEWS).context["cl"].result_list) == {mine, theirs}
    page = client.get(f"{REVIEWS}{theirs.pk}/change/").content.decode()
    assert "Motivation" in page
    assert "100.00" in page
    manager_view = log_in(client, boss).get(REVIEWS).context["cl"].result_list
    assert set(manager_view) == {mine, theirs}


def test_review_admin_others_drafts_stay_hidden(client, campaign):
    application = reviewable(campaign)
    first, second = scorer(), scorer()
    assign(application, first, second)
    mine = review_save(application=application, reviewer=first, points=sheet(4), submit=True)
    review_save(application=application, reviewer=second, points={"motivation": 1})

    assert list(log_in(client, first).get(REVIEWS).context["cl"].result_list) == [mine]


# --- criteria -----------------------------------------------------------------------------------


@pytest.fixture
def programme_manager():
    return staff_with(
        "selection.view_criterion",
        "selection.add_criterion",
        "selection.change_criterion",
        "selection.add_criterionlevel",
        "selection.change_criterionlevel",
        "selection.delete_criterionlevel",
        "selection.view_criterionlevel",
    )


def test_criterion_admin_adds_a_criterion_with_its_rubric(
    client, reference_campaign, programme_manager
):
    data = {
        "campaign": reference_campaign.pk,
        "code": "leadership",
        "typed_label": "Leadership",
        "weight": "1.5",
        "position": "8",
        "levels-TOTAL_FORMS": "2",
        "levels-INITIAL_FORMS": "0",
        "levels-MIN_NUM_FORMS": "0",
        "levels-MAX_NUM_FORMS": "6",
        "levels-0-points": "0",
        "levels-0-typed_descriptor": "Aucun",
        "levels-1-points": "5",
        "levels-1-typed_descriptor": "A dirigé une équipe",
    }

    response = log_in(client, programme_manager).post(f"{CRITERIA}add/", data)

    assert response.status_code == 302
    criterion = Criterion.objects.get(code="leadership")
    assert criterion.weight == Decimal("1.5")
    assert criterion.label == "Leadership"
    assert [(level.points, level.descriptor) for level in criterion.levels.all()] == [
        (0, "Aucun"),
        (5, "A dirigé une équipe"),
    ]


def test_criterion_admin_refuses_without_permission(client, reference_campaign):
    viewer = staff_with("selection.view_criterion")

    response = log_in(client, viewer).post(f"{CRITERIA}add/", {"code": "x"})

    assert response.status_code == 403
    assert log_in(client, viewer).post(f"{CRITERIA}defaults/").status_code == 403
    assert not Criterion.objects.exists()


def test_criterion_admin_creates_the_default_criteria_once(
    client, reference_campaign, programme_manager
):
    log_in(client, programme_manager)
    assert "default criteria" in client.get(CRITERIA).content.decode()

    created = client.post(f"{CRITERIA}defaults/")
    again = client.post(f"{CRITERIA}defaults/")

    assert created.status_code == 302
    assert created["Location"] == f"{CRITERIA}?campaign__id__exact={reference_campaign.pk}"
    assert (
        list(Criterion.objects.filter(campaign=reference_campaign).values_list("code", flat=True))
        == CODES
    )
    assert CriterionLevel.objects.count() == 7 * 6
    assert [m.message for m in get_messages(again.wsgi_request)] == [
        "7 criteria created for the campaign 2026-2027.",
        "The campaign 2026-2027 already has its criteria: nothing changed.",
    ]
