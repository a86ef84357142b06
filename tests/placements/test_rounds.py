"""Selection rounds (issue 7): the input read from the dossiers, preview, freeze, supersede, and
the committee's admin pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse

from candidates.choices import ApplicationStatus, CoupleStatus, PaymentStatus
from candidates.models import Application, Assets, Couple, PreviousParticipation
from placements.allocation import CoupleMode, SchoolLevel, from_json, simulate, to_dict
from placements.choices import RoundStatus
from placements.models import Placement, Quota, RankEntry, SelectionRound
from placements.services import (
    input_to_dict,
    quotas_fill,
    round_create,
    round_freeze,
    round_freeze_guard,
    round_input,
    round_preview,
    round_supersede,
    snapshot_sha256,
)
from selection.models import MeritScore
from selection.services import criteria_ensure, review_save
from tapif.core.exceptions import DomainError
from tapif.core.messages import is_known
from tapif.core.models import Academie, AuditEntry, Campaign, User
from tapif.core.roles import AUDITOR, COMMITTEE_MEMBER, PROGRAMME_MANAGER
from tests.factories import StaffFactory
from tests.selection.review_dossiers import assign, reviewable, scorer
from tests.words import codes, en, fr

pytestmark = [pytest.mark.django_db]

ROUNDS = "/admin/placements/selectionround/"


# --- helpers -----------------------------------------------------------------------------------


def academies(count: int = 3) -> list[Academie]:
    return list(Academie.objects.filter(is_active=True).order_by("code")[:count])


def reviewed_dossiers(
    campaign: Campaign, merits: list[str], *, status: str = ApplicationStatus.REVIEWED
) -> list[Application]:
    """Dossiers written directly (only the shape matters here), each with a merit, the first
    three active académies as preferences, either school level."""
    first, second, third = academies()
    start = Application.objects.count()
    users = User.objects.bulk_create(
        User(email=f"round{start + i}@example.ca", first_name=f"P{i}", last_name=f"N{i}")
        for i in range(len(merits))
    )
    applications = Application.objects.bulk_create(
        Application(
            campaign=campaign,
            candidate=user,
            number=f"RD-{start + i:05d}",
            status=status,
            payment_status=PaymentStatus.VERIFIED,
            french_level="B2",
        )
        for i, user in enumerate(users)
    )
    Assets.objects.bulk_create(
        Assets(
            application=a,
            academie_1=first,
            academie_2=second,
            academie_3=third,
            school_level="either",
        )
        for a in applications
    )
    MeritScore.objects.bulk_create(
        MeritScore(application=a, merit=Decimal(merit), reviewers=2)
        for a, merit in zip(applications, merits, strict=True)
    )
    return applications


def draft_round(campaign: Campaign, places: dict[int, tuple[int, int]], **fields) -> SelectionRound:
    """A draft round whose académies (by index in `academies()`) get (primary, secondary)."""
    selection_round = round_create(campaign=campaign, actor=None, **fields)
    listed = academies()
    Quota.objects.bulk_create(
        Quota(round=selection_round, academie=listed[index], primary=p, secondary=s)
        for index, (p, s) in places.items()
    )
    return selection_round


def committee() -> User:
    user = StaffFactory()
    user.groups.add(Group.objects.get(name=COMMITTEE_MEMBER))
    return User.objects.get(pk=user.pk)


def member_of(*roles: str) -> User:
    user = StaffFactory()
    user.groups.add(*Group.objects.filter(name__in=roles))
    return User.objects.get(pk=user.pk)


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


# --- round_input -------------------------------------------------------------------------------


@pytest.mark.usefixtures("campaign_open")
def test_round_input_reads_real_reviewed_dossiers(campaign):
    first, second, _third = academies()
    application = reviewable(campaign, french_level="C1")
    Assets.objects.update_or_create(
        application=application,
        defaults={"academie_1": second, "academie_2": first, "school_level": "primary"},
    )
    points = {"french_level": 4, "motivation": 3}
    for sheet in ({"motivation": 4}, {"motivation": 3}):
        reviewer = scorer()
        assign(application, reviewer)
        review_save(
            application=application,
            reviewer=reviewer,
            points=dict.fromkeys(_codes(campaign), 3) | points | sheet,
            submit=True,
        )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    selection_round = draft_round(campaign, {0: (1, 1)}, waitlist_size=4)

    selection = round_input(selection_round)

    (candidate,) = selection.candidates
    assert candidate.id == application.number
    assert candidate.score == application.merit.merit
    assert candidate.score is not None
    assert (candidate.eligible, candidate.returning, candidate.previous_evaluation_positive) == (
        True,
        False,
        False,
    )
    assert candidate.school_level == SchoolLevel.PRIMARY
    assert candidate.preferences == (second.code, first.code)
    assert candidate.french_level == "C1"
    assert candidate.criteria["motivation"] == 350  # mean of 4 and 3, in hundredths
    assert candidate.criteria["french_level"] == 400
    assert selection.quotas[first.code].primary == 1
    assert selection.waitlist_size == 4
    assert selection.campaign == campaign.code
    assert selection.tie_break_criteria[0] == "french_level"


def _codes(campaign: Campaign) -> list[str]:
    return [c.code for c in campaign_criteria(campaign)]


def campaign_criteria(campaign: Campaign):
    from selection.models import Criterion

    return Criterion.objects.filter(campaign=campaign)


def test_round_input_returning_couples_and_unreviewed(campaign):
    new, returning, partner_a, partner_b = reviewed_dossiers(campaign, ["80", "90", "70", "60"])
    (unreviewed,) = reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    (ineligible,) = reviewed_dossiers(campaign, ["99"], status=ApplicationStatus.INELIGIBLE)
    PreviousParticipation.objects.create(
        application=returning, school_year="2023-2024", academie=academies()[0]
    )
    Couple.objects.create(
        proposer=partner_a,
        partner=partner_b,
        partner_email="b@example.ca",
        preference=CoupleMode.TOGETHER_ONLY,
        status=CoupleStatus.CONFIRMED,
    )
    Couple.objects.create(
        proposer=new,
        partner_email="nobody@example.ca",
        preference=CoupleMode.TOGETHER_PREFERRED,
        status=CoupleStatus.PROPOSED,
    )

    by_id = {c.id: c for c in round_input(draft_round(campaign, {0: (1, 1)})).candidates}

    assert set(by_id) == {
        new.number,
        returning.number,
        partner_a.number,
        partner_b.number,
        unreviewed.number,
    }
    assert ineligible.number not in by_id
    assert by_id[returning.number].returning is True
    assert by_id[returning.number].previous_evaluation_positive is False  # not yet known
    assert by_id[new.number].returning is False
    assert by_id[new.number].partner is None  # a couple not confirmed is no couple
    assert (by_id[partner_a.number].partner, by_id[partner_b.number].partner) == (
        partner_b.number,
        partner_a.number,
    )
    assert by_id[partner_b.number].couple == CoupleMode.TOGETHER_ONLY
    assert by_id[unreviewed.number].score is None  # eligible, review not finished: not ranked


# --- preview -----------------------------------------------------------------------------------


def test_round_preview_saves_nothing_and_matches_the_simulation(campaign):
    reviewed_dossiers(campaign, ["90", "80", "70"])
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=1)
    before = (RankEntry.objects.count(), Placement.objects.count(), AuditEntry.objects.count())

    allocation = round_preview(selection_round)

    assert [(o.rank, o.decision) for o in allocation.outcomes] == [
        (1, "accepted"),
        (2, "accepted"),
        (3, "waitlisted"),
    ]
    assert to_dict(allocation) == to_dict(simulate(round_input(selection_round)))
    assert (
        RankEntry.objects.count(),
        Placement.objects.count(),
        AuditEntry.objects.count(),
    ) == before
    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.DRAFT


# --- freeze ------------------------------------------------------------------------------------


def test_round_freeze_writes_one_entry_and_placement_per_candidate(campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60"])
    (unreviewed,) = reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    first, second, _third = academies()
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=1)
    actor = member_of(PROGRAMME_MANAGER)  # the unreviewed dossier is left out: with a reason
    statuses = dict(Application.objects.values_list("number", "status"))

    frozen = round_freeze(selection_round=selection_round, actor=actor, reason="Late review")

    frozen.refresh_from_db()
    assert frozen.status == RoundStatus.FROZEN
    assert (frozen.frozen_by, frozen.frozen_at is not None) == (actor, True)
    assert frozen.snapshot_sha256 == snapshot_sha256(frozen.snapshot)
    assert frozen.parameters["tie_break_criteria"][0] == "french_level"
    assert len(frozen.parameters["algorithm_version"]) == 64
    entries = {
        e.application.number: (e.rank, e.merit, e.decision, e.waitlist_position)
        for e in RankEntry.objects.filter(round=frozen).select_related("application")
    }
    assert entries == {
        dossiers[0].number: (1, Decimal("90.00"), "accepted", None),
        dossiers[1].number: (2, Decimal("80.00"), "accepted", None),
        dossiers[2].number: (3, Decimal("70.00"), "waitlisted", 1),
        dossiers[3].number: (4, Decimal("60.00"), "not_selected", None),
        unreviewed.number: (None, None, "not_selected", None),
    }
    placements = {
        p.application.number: (p.academie, p.level, p.preference_obtained)
        for p in Placement.objects.filter(round=frozen).select_related("application", "academie")
    }
    assert placements[dossiers[0].number][0] in {first, second}
    assert {placements[d.number][0] for d in dossiers[:2]} == {first, second}
    assert placements[dossiers[2].number] == (None, "", None)
    assert all(en(p.explanation) and fr(p.explanation) for p in Placement.objects.all())
    assert all(is_known(code) for p in Placement.objects.all() for code in codes(p.explanation))
    # Candidates see nothing yet: no dossier changed status.
    assert dict(Application.objects.values_list("number", "status")) == statuses
    assert AuditEntry.objects.filter(action="selection_round.freeze").count() == 1
    assert frozen.freeze_reason == "Late review"
    (why,) = AuditEntry.objects.filter(action="selection_round.freeze_incomplete")
    assert why.data["left_out"] == [[unreviewed.number, "not_scored"]]


def test_round_freeze_refused_while_eligible_dossiers_have_no_score(campaign):
    reviewed_dossiers(campaign, ["90"])
    (unreviewed,) = reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    selection_round = draft_round(campaign, {0: (1, 0)})

    with pytest.raises(DomainError, match=f"1 dossier would be left out \\({unreviewed.number}\\)"):
        round_freeze(selection_round=selection_round, actor=committee(), reason="Hurry")
    with pytest.raises(DomainError, match="cannot be frozen yet"):  # no reason, no freeze
        round_freeze(selection_round=selection_round, actor=member_of(PROGRAMME_MANAGER))

    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.DRAFT
    assert not RankEntry.objects.exists()


def test_round_freeze_refused_while_the_campaign_window_is_open(campaign_open, campaign):
    reviewed_dossiers(campaign, ["90"])
    selection_round = draft_round(campaign, {0: (1, 0)})

    with pytest.raises(DomainError, match="application window is still open"):
        round_freeze(selection_round=selection_round, actor=committee())

    frozen = round_freeze(
        selection_round=selection_round,
        actor=member_of(PROGRAMME_MANAGER),
        reason="The ministry needs the list today",
    )
    assert frozen.status == RoundStatus.FROZEN
    assert frozen.freeze_reason == "The ministry needs the list today"


def test_returning_assistants_offered_only_with_a_positive_evaluation(campaign):
    positive, negative, unknown = reviewed_dossiers(campaign, ["90", "80", "70"])
    for dossier, evaluation in ((positive, "positive"), (negative, "negative")):
        Application.objects.filter(pk=dossier.pk).update(previous_evaluation=evaluation)
    for dossier in (positive, negative, unknown):
        PreviousParticipation.objects.create(
            application=dossier, school_year="2024-2025", academie=academies()[0]
        )
    selection_round = draft_round(campaign, {0: (1, 0)}, waitlist_size=1)

    given = {c.id: c.previous_evaluation_positive for c in round_input(selection_round).candidates}
    guard = round_freeze_guard(selection_round)

    assert given == {positive.number: True, negative.number: False, unknown.number: False}
    assert [(each.number, each.reason) for each in guard.left_out] == [
        (unknown.number, "evaluation_unknown")
    ]
    with pytest.raises(DomainError, match="1 dossier would be left out"):
        round_freeze(selection_round=selection_round, actor=committee())
    outcome = {o.id: o.decision for o in round_preview(selection_round).outcomes}
    assert outcome[positive.number] == "waitlisted"
    assert outcome[negative.number] == outcome[unknown.number] == "not_selected"


def test_round_freeze_of_a_complete_round_is_the_committees(campaign):
    reviewed_dossiers(campaign, ["90"])
    selection_round = draft_round(campaign, {0: (1, 0)})

    with pytest.raises(DomainError, match="complete round is the committee's"):
        round_freeze(selection_round=selection_round, actor=member_of(PROGRAMME_MANAGER))


def test_round_freeze_snapshot_runs_again_to_the_same_result(campaign):
    reviewed_dossiers(campaign, ["90", "90", "70"])
    frozen = round_freeze(
        selection_round=draft_round(campaign, {0: (1, 1)}, waitlist_size=2), actor=committee()
    )
    import json

    rerun = simulate(from_json(json.dumps(frozen.snapshot)))

    assert {o.id: (o.rank, str(o.decision)) for o in rerun.outcomes} == {
        e.application.number: (e.rank, e.decision)
        for e in RankEntry.objects.filter(round=frozen).select_related("application")
    }
    tied = RankEntry.objects.get(round=frozen, rank=2)
    assert tied.tie_break  # 90 and 90: which step of the rule decided is recorded


def test_round_snapshot_hash_is_stable_for_the_same_input(campaign):
    reviewed_dossiers(campaign, ["90", "80"])
    selection_round = draft_round(campaign, {0: (1, 1)})
    selection = round_input(selection_round)
    shuffled = type(selection)(
        quotas=selection.quotas,
        waitlist_size=selection.waitlist_size,
        candidates=tuple(reversed(selection.candidates)),
        campaign=selection.campaign,
        tie_break_criteria=selection.tie_break_criteria,
        academie_names=selection.academie_names,
    )

    assert snapshot_sha256(input_to_dict(selection)) == snapshot_sha256(input_to_dict(shuffled))
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    assert frozen.snapshot_sha256 == snapshot_sha256(input_to_dict(selection))


def test_frozen_round_is_immutable(campaign):
    reviewed_dossiers(campaign, ["90"])
    frozen = round_freeze(selection_round=draft_round(campaign, {0: (1, 0)}), actor=committee())

    with pytest.raises(DomainError, match="cannot be changed"):
        round_freeze(selection_round=frozen, actor=committee())
    with pytest.raises(DomainError, match="cannot be changed"):
        quotas_fill(selection_round=frozen, actor=None)
    assert RankEntry.objects.filter(round=frozen).count() == 1


def test_second_frozen_round_of_a_campaign_is_refused(campaign):
    reviewed_dossiers(campaign, ["90"])
    round_freeze(selection_round=draft_round(campaign, {0: (1, 0)}), actor=committee())
    second = draft_round(campaign, {0: (2, 0)})

    with pytest.raises(DomainError, match="already has a frozen round"):
        round_freeze(selection_round=second, actor=committee())

    second.refresh_from_db()
    assert second.status == RoundStatus.DRAFT
    assert not RankEntry.objects.filter(round=second).exists()


def test_the_database_refuses_two_frozen_rounds_of_a_campaign(campaign):
    reviewed_dossiers(campaign, ["90"])
    round_freeze(selection_round=draft_round(campaign, {0: (1, 0)}), actor=committee())
    second = draft_round(campaign, {0: (1, 0)})

    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionRound.objects.filter(pk=second.pk).update(
            status=RoundStatus.FROZEN, frozen_at=second.created_at, snapshot_sha256="x" * 64
        )


def test_round_freeze_refused_without_places(campaign):
    reviewed_dossiers(campaign, ["90"])
    selection_round = draft_round(campaign, {0: (0, 0)})

    with pytest.raises(DomainError, match="no places"):
        round_freeze(selection_round=selection_round, actor=committee())


def test_supersede_then_freeze_a_new_round(campaign):
    reviewed_dossiers(campaign, ["90", "80"])
    frozen = round_freeze(
        selection_round=draft_round(campaign, {0: (1, 0), 1: (0, 2)}, waitlist_size=3),
        actor=committee(),
    )
    manager = member_of(PROGRAMME_MANAGER)

    with pytest.raises(DomainError, match="Say why"):
        round_supersede(selection_round=frozen, actor=manager, reason="  ")
    successor = round_supersede(
        selection_round=frozen, actor=manager, reason="A quota was typed wrong"
    )
    second = round_freeze(selection_round=successor, actor=committee())

    frozen.refresh_from_db()
    assert (frozen.status, frozen.superseded_by, frozen.superseded_reason) == (
        RoundStatus.SUPERSEDED,
        successor,
        "A quota was typed wrong",
    )
    assert (successor.number, successor.waitlist_size) == (frozen.number + 1, 3)
    assert {(q.academie_id, q.primary, q.secondary) for q in successor.quotas.all()} == {
        (q.academie_id, q.primary, q.secondary) for q in frozen.quotas.all()
    }
    assert second.status == RoundStatus.FROZEN
    assert RankEntry.objects.filter(round=frozen).count() == 2  # kept as they were
    with pytest.raises(DomainError, match="Only a frozen round"):
        round_supersede(selection_round=frozen, actor=manager, reason="again")


def test_quotas_fill_adds_each_active_academie_once(campaign):
    selection_round = draft_round(campaign, {0: (2, 3)})
    active = Academie.objects.filter(is_active=True).count()

    added = quotas_fill(selection_round=selection_round, actor=None)

    assert added == active - 1
    assert quotas_fill(selection_round=selection_round, actor=None) == 0
    assert Quota.objects.filter(round=selection_round).count() == active
    assert Quota.objects.get(round=selection_round, academie=academies()[0]).primary == 2


# --- admin -------------------------------------------------------------------------------------


def log_in(client, user: User):
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def run_action(client, action: str, selection_round: SelectionRound, **data):
    return client.post(
        ROUNDS,
        {"action": action, "_selected_action": [str(selection_round.pk)], "index": "0", **data},
    )


def offered_actions(client) -> set[str]:
    form = client.get(ROUNDS).context["action_form"]
    return set() if form is None else {n for n, _label in form.fields["action"].choices if n}


def test_admin_actions_offered_per_role(client):
    log_in(client, committee())
    assert offered_actions(client) == {"fill_quotas", "preview", "freeze"}
    log_in(client, member_of(PROGRAMME_MANAGER))
    assert offered_actions(client) == {"preview", "freeze", "supersede"}
    log_in(client, member_of(AUDITOR))
    assert offered_actions(client) == {"preview"}


def test_admin_committee_creates_a_round_and_fills_its_quotas(client, campaign):
    log_in(client, committee())

    response = client.post(
        reverse("admin:placements_selectionround_add"),
        {
            "campaign": campaign.pk,
            "waitlist_size": "5",
            "quotas-TOTAL_FORMS": "0",
            "quotas-INITIAL_FORMS": "0",
            "quotas-MIN_NUM_FORMS": "0",
            "quotas-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302
    selection_round = SelectionRound.objects.get(campaign=campaign)
    assert (selection_round.number, selection_round.waitlist_size) == (1, 5)
    assert selection_round.created_by is not None

    run_action(client, "fill_quotas", selection_round)

    assert Quota.objects.filter(round=selection_round).count() == (
        Academie.objects.filter(is_active=True).count()
    )


def test_admin_preview_lists_candidates_and_academies_and_saves_nothing(client, campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80"])
    selection_round = draft_round(campaign, {0: (1, 0)}, waitlist_size=1)
    log_in(client, committee())

    response = run_action(client, "preview", selection_round)

    # The action opens the committee's ranked list, where a draft round is previewed live.
    assert response.status_code == 302
    assert response["Location"] == reverse("committee:round", args=[selection_round.pk])
    page = client.get(response["Location"]).content.decode()
    assert dossiers[0].number in page
    assert dossiers[1].number in page
    assert academies()[0].name in page
    assert "Waitlisted (no. 1)" in page
    per_academie = client.get(reverse("committee:academies", args=[selection_round.pk]))
    assert academies()[0].name in per_academie.content.decode()
    assert "First-choice requests" in per_academie.content.decode()
    assert not RankEntry.objects.exists()
    assert not Placement.objects.exists()


def test_admin_freeze_confirms_with_the_hash_then_freezes(client, campaign):
    reviewed_dossiers(campaign, ["90", "80"])
    selection_round = draft_round(campaign, {0: (1, 1)})
    expected = snapshot_sha256(input_to_dict(round_input(selection_round)))
    log_in(client, committee())

    confirmation = run_action(client, "freeze", selection_round)
    assert confirmation.status_code == 200
    assert expected in confirmation.content.decode()
    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.DRAFT

    done = run_action(client, "freeze", selection_round, apply="yes", confirm="on")

    assert done.status_code == 302
    selection_round.refresh_from_db()
    assert (selection_round.status, selection_round.snapshot_sha256) == (
        RoundStatus.FROZEN,
        expected,
    )
    assert RankEntry.objects.filter(round=selection_round).count() == 2
    change = client.get(
        reverse("admin:placements_selectionround_change", args=[selection_round.pk])
    )
    assert change.context["has_change_permission"] is False  # quotas and size read only now


def test_admin_freeze_confirmation_lists_who_is_left_out_and_why(client, campaign):
    reviewed_dossiers(campaign, ["90"])
    (unreviewed,) = reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    selection_round = draft_round(campaign, {0: (1, 0)})
    log_in(client, committee())

    page = run_action(client, "freeze", selection_round).content.decode()

    assert "This round cannot be frozen yet" in page
    assert unreviewed.number in page
    assert "Eligible, but no merit score yet (review not finished)" in page
    assert "Only a programme manager may freeze it now" in page
    refused = run_action(client, "freeze", selection_round, apply="yes", confirm="on")
    assert refused.status_code == 302
    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.DRAFT


def test_admin_programme_manager_freezes_an_incomplete_round_with_a_reason(client, campaign):
    reviewed_dossiers(campaign, ["90"])
    reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    selection_round = draft_round(campaign, {0: (1, 0)})
    log_in(client, member_of(PROGRAMME_MANAGER))

    asked = run_action(client, "freeze", selection_round).content.decode()
    done = run_action(
        client, "freeze", selection_round, apply="yes", confirm="on", reason="Review closed"
    )

    assert "As a programme manager you may freeze it anyway" in asked
    assert done.status_code == 302
    selection_round.refresh_from_db()
    assert (selection_round.status, selection_round.freeze_reason) == (
        RoundStatus.FROZEN,
        "Review closed",
    )


def test_admin_freeze_of_a_frozen_round_refuses_before_any_confirmation(client, campaign):
    reviewed_dossiers(campaign, ["90"])
    frozen = round_freeze(selection_round=draft_round(campaign, {0: (1, 0)}), actor=committee())
    log_in(client, committee())

    response = run_action(client, "freeze", frozen)

    assert response.status_code == 302  # back to the list, no confirmation page
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("cannot be changed any more" in m for m in shown)
    change = client.get(reverse("admin:placements_selectionround_change", args=[frozen.pk]))
    # No quota row may be added: the admin's script shows "Add another" only below MAX_NUM.
    assert 'name="quotas-MAX_NUM_FORMS" value="0"' in change.content.decode()


def test_admin_freeze_refused_to_the_programme_manager(client, campaign):
    reviewed_dossiers(campaign, ["90"])
    selection_round = draft_round(campaign, {0: (1, 1)})
    log_in(client, member_of(PROGRAMME_MANAGER))

    run_action(client, "freeze", selection_round, apply="yes", confirm="on")

    selection_round.refresh_from_db()
    assert selection_round.status == RoundStatus.DRAFT


def test_admin_programme_manager_supersedes_with_a_reason(client, campaign):
    reviewed_dossiers(campaign, ["90"])
    frozen = round_freeze(selection_round=draft_round(campaign, {0: (1, 1)}), actor=committee())
    log_in(client, member_of(PROGRAMME_MANAGER))

    asked = run_action(client, "supersede", frozen)
    done = run_action(client, "supersede", frozen, apply="yes", reason="Wrong quota for Lyon")

    assert asked.status_code == 200
    assert done.status_code == 302
    frozen.refresh_from_db()
    assert frozen.status == RoundStatus.SUPERSEDED
    assert frozen.superseded_by.status == RoundStatus.DRAFT


def test_admin_frozen_results_are_listed_read_only_by_round(client, campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80"])
    frozen = round_freeze(selection_round=draft_round(campaign, {0: (1, 1)}), actor=committee())
    log_in(client, member_of(AUDITOR))

    entries = client.get(
        reverse("admin:placements_rankentry_changelist"), {"round__id__exact": frozen.pk}
    )
    placements = client.get(
        reverse("admin:placements_placement_changelist"), {"round__id__exact": frozen.pk}
    )

    assert entries.status_code == placements.status_code == 200
    assert all(d.number in entries.content.decode() for d in dossiers)
    assert all(d.number in placements.content.decode() for d in dossiers)
    assert entries.context["has_add_permission"] is False


def test_freeze_writes_its_rows_in_queries_independent_of_the_round_size(campaign):
    """The results are written as plain rows, in batches: a bigger round, the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (3, 30):
        reviewed_dossiers(campaign, [f"{50 + n % 40}.{n % 100:02d}" for n in range(size)])
        selection_round = draft_round(campaign, {0: (2, 2), 1: (1, 1)}, waitlist_size=2)
        with CaptureQueriesContext(connection) as queries:
            frozen = round_freeze(selection_round=selection_round, actor=committee())
        counts.append(len(queries))
        entries = RankEntry.objects.filter(round=frozen)
        assert entries.count() == Application.objects.filter(campaign=campaign).count()
        placement = Placement.objects.filter(round=frozen, academie__isnull=False).first()
        assert placement.explanation[1] == {"code": "allocation.accepted", "params": {}}
        assert entries.exclude(merit=None).first().merit > 0
        frozen.status = "superseded"  # make room for the next freeze of this campaign
        frozen.save(update_fields=["status"])
    assert counts[0] == counts[1]
