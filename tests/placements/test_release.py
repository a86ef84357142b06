"""Releasing a frozen round's results (issue 8): who is told and in which order, batches at the
campaign's rate, the rate limit, a crash mid-batch then resume, nothing written twice, and the
e-mail of each kind of result in French and English (placements/release.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group

from candidates.choices import ApplicationStatus, DossierEventKind, EligibilityOutcome
from candidates.models import Application, Assets, DossierEvent, EligibilityDecision
from candidates.services import application_transition
from placements import release as release_module
from placements.choices import ReleaseKind, ReleaseStatus
from placements.models import Placement, RankEntry, ResultsRelease
from placements.release import (
    Pace,
    pace,
    release_plan,
    results_release_batch,
    results_release_start,
    results_releases_resume,
)
from placements.services import round_freeze, round_supersede
from placements.tasks import release_results_batch, resume_results_releases
from selection.models import MeritScore
from selection.services import criteria_ensure
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain
from tapif.core.models import AuditEntry, Campaign, JobRun, OutboundMessage, User
from tapif.core.roles import COMMITTEE_MEMBER, PROGRAMME_MANAGER
from tests.placements.test_rounds import (
    academies,
    committee,
    draft_round,
    member_of,
    reviewed_dossiers,
)
from tests.selection.review_dossiers import reviewable
from tests.words import words

pytestmark = [pytest.mark.django_db]

START = dt.datetime(2027, 4, 15, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """The batches handed to the broker (countdown and all), instead of running them."""
    calls: list[dict] = []

    def apply_async(*, kwargs, countdown=None):
        calls.append({**kwargs, "countdown": countdown})

    monkeypatch.setattr(release_results_batch, "apply_async", apply_async)
    return calls


@pytest.fixture
def two_a_batch(campaign, settings):
    """12 e-mails a minute and 10 s between batches: batches of 2."""
    settings.RESULTS_RELEASE_BATCH_SECONDS = 10
    Campaign.objects.filter(pk=campaign.pk).update(results_messages_per_minute=12)


def manager() -> User:
    from tests.factories import StaffFactory

    user = StaffFactory()
    user.groups.add(Group.objects.get(name=PROGRAMME_MANAGER))
    return User.objects.get(pk=user.pk)


def frozen_round(campaign):
    """Two places (first académie primary, second secondary) and a waitlist of one; frozen by a
    programme manager with a reason, as some tests freeze with a dossier left out."""
    selection_round = draft_round(campaign, {0: (1, 0), 1: (0, 1)}, waitlist_size=1)
    return round_freeze(
        selection_round=selection_round,
        actor=member_of(COMMITTEE_MEMBER, PROGRAMME_MANAGER),
        reason="Frozen as it stands for the test",
    )


def ineligible_dossier(campaign, number: str, *, language: str = "fr") -> Application:
    """An ineligible dossier with its decision's reason in both languages."""
    user = User.objects.create(
        email=f"ineligible-{number}@example.ca",
        first_name="Ina",
        last_name=number,
        preferred_language=language,
    )
    application = Application.objects.create(
        campaign=campaign,
        candidate=user,
        number=number,
        status=ApplicationStatus.INELIGIBLE,
    )
    EligibilityDecision.objects.create(
        application=application,
        outcome=EligibilityOutcome.INELIGIBLE,
        failures=[
            {
                "rule": "age",
                "code": "eligibility.age.outside",
                "params": {"age": 36, "min_age": 20, "max_age": 35, "start": "2026-10-01"},
            }
        ],
    )
    return application


def run_batch(release, callbacks, **kwargs):
    with callbacks(execute=True):
        return results_release_batch(release.pk, **kwargs)


def start(frozen, callbacks, actor=None, reason=""):
    with callbacks(execute=True):
        return results_release_start(
            selection_round=frozen, actor=actor or manager(), reason=reason
        )


def released() -> set[str]:
    return set(
        Application.objects.filter(result_released_at__isnull=False).values_list(
            "number", flat=True
        )
    )


def written() -> list[str]:
    return sorted(OutboundMessage.objects.values_list("dossier", flat=True))


# --- the pace ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_minute", "seconds", "expected"),
    [
        (120, 10, Pace(size=20, interval=10)),
        (12, 10, Pace(size=2, interval=10)),
        (600, 5, Pace(size=50, interval=5)),
        (7, 10, Pace(size=1, interval=10)),  # 6 a minute: under the rate
        (1, 10, Pace(size=1, interval=60)),  # one a batch, the interval stretched to a minute
    ],
)
def test_pace_takes_the_batch_size_from_the_rate(per_minute, seconds, expected):
    assert pace(per_minute, seconds) == expected


def test_pace_duration_counts_the_intervals_between_batches():
    assert Pace(size=20, interval=10).duration(0) == 0
    assert Pace(size=20, interval=10).duration(20) == 0
    assert Pace(size=20, interval=10).duration(21) == 10
    assert Pace(size=20, interval=10).duration(300) == 140


def test_the_batch_interval_is_a_setting(settings):
    settings.RESULTS_RELEASE_BATCH_SECONDS = 2
    assert pace(120) == Pace(size=4, interval=2)
    del settings.RESULTS_RELEASE_BATCH_SECONDS
    assert pace(120) == Pace(size=20, interval=10)


# --- starting ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_start_lists_the_ranked_in_rank_order_then_the_ineligible_by_number(
    campaign, queued, django_capture_on_commit_callbacks
):
    dossiers = reviewed_dossiers(campaign, ["70", "90", "80", "60"])
    (unreviewed,) = reviewed_dossiers(campaign, ["50"], status=ApplicationStatus.ELIGIBLE)
    late = ineligible_dossier(campaign, "ZZ-00002")
    early = ineligible_dossier(campaign, "ZZ-00001")
    frozen = frozen_round(campaign)
    (withdrawn,) = reviewed_dossiers(campaign, ["40"], status=ApplicationStatus.WITHDRAWN)
    (draft,) = reviewed_dossiers(campaign, ["40"], status=ApplicationStatus.DRAFT)
    starter = manager()

    release = start(frozen, django_capture_on_commit_callbacks, starter)

    by_rank = [dossiers[1], dossiers[2], dossiers[0], dossiers[3]]
    assert release.recipients == [[d.pk, ReleaseKind.RANKED] for d in by_rank] + [
        [early.pk, ReleaseKind.INELIGIBLE],
        [late.pk, ReleaseKind.INELIGIBLE],
    ]
    assert (release.total, release.processed, release.status) == (6, 0, ReleaseStatus.RUNNING)
    assert (release.started_by, release.started_at) == (starter, START)
    assert release.messages_per_minute == campaign.results_messages_per_minute == 120
    assert queued == [{"release_id": release.pk, "countdown": None}]  # the first batch, now
    assert released() == set()  # nobody is told before their batch
    assert written() == []
    entry = AuditEntry.objects.get(action="results_release.start")
    assert (entry.actor, entry.data) == (
        starter,
        {"dossiers": 6, "ranked": 4, "ineligible": 2, "messages_per_minute": 120},
    )
    plan = release_plan(frozen)
    assert plan.by_outcome == {
        "placed": 2,
        "accepted": 0,
        "waitlisted": 1,
        "not_selected": 1,
        "ineligible": 2,
    }
    assert plan.left_out == {"draft": 1, "eligible": 1, "withdrawn": 1}
    assert {unreviewed.pk, withdrawn.pk, draft.pk}.isdisjoint(pk for pk, _ in release.recipients)


@pytest.mark.usefixtures("clock")
def test_starting_twice_returns_the_same_release(
    campaign, queued, django_capture_on_commit_callbacks
):
    reviewed_dossiers(campaign, ["90", "80"])
    frozen = frozen_round(campaign)

    first = start(frozen, django_capture_on_commit_callbacks)
    second = start(frozen, django_capture_on_commit_callbacks)

    assert second.pk == first.pk
    assert ResultsRelease.objects.count() == 1
    assert AuditEntry.objects.filter(action="results_release.start").count() == 1
    assert len(queued) == 1


def test_only_a_frozen_round_is_released(campaign, django_capture_on_commit_callbacks):
    reviewed_dossiers(campaign, ["90"])
    draft = draft_round(campaign, {0: (1, 0)})
    with pytest.raises(DomainError) as error:
        start(draft, django_capture_on_commit_callbacks)
    assert error.value.code == "round_not_frozen"

    frozen = frozen_round(campaign)
    round_supersede(selection_round=frozen, actor=committee(), reason="A quota was wrong.")
    with pytest.raises(DomainError):
        start(frozen, django_capture_on_commit_callbacks)
    assert not ResultsRelease.objects.exists()
    assert not Application.objects.filter(result_released_at__isnull=False).exists()


def test_a_round_being_released_cannot_be_superseded(
    campaign, queued, django_capture_on_commit_callbacks
):
    reviewed_dossiers(campaign, ["90"])
    frozen = frozen_round(campaign)
    start(frozen, django_capture_on_commit_callbacks)

    with pytest.raises(DomainError) as error:
        round_supersede(selection_round=frozen, actor=manager(), reason="Too late.")

    assert error.value.code == "round_released"
    frozen.refresh_from_db()
    assert frozen.status == "frozen"


# --- batches -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("two_a_batch")
def test_batches_tell_the_next_dossiers_at_the_rate(
    campaign, clock, queued, mailoutbox, django_capture_on_commit_callbacks
):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60", "50"])
    ineligible = ineligible_dossier(campaign, "ZZ-00001")
    frozen = frozen_round(campaign)
    release = start(frozen, django_capture_on_commit_callbacks)
    queued.clear()
    numbers = [d.number for d in dossiers]

    batch = run_batch(release, django_capture_on_commit_callbacks)

    assert (batch.outcome, batch.told, batch.more) == ("told", 2, True)
    assert released() == set(numbers[:2])
    assert written() == numbers[:2]
    assert sorted(m.to[0] for m in mailoutbox) == sorted(d.candidate.email for d in dossiers[:2])
    assert queued == [{"release_id": release.pk, "countdown": 10}]
    release.refresh_from_db()
    assert (release.processed, release.last_batch_at, release.counts) == (2, START, {"placed": 2})

    # A resumed task and the delayed one arrive together: the second is refused.
    clock.shift(9)
    refused = run_batch(release, django_capture_on_commit_callbacks)
    assert (refused.outcome, refused.told) == ("too_soon", 0)
    assert released() == set(numbers[:2])
    assert (len(mailoutbox), len(queued)) == (2, 1)

    clock.shift(1)
    run_batch(release, django_capture_on_commit_callbacks)
    assert released() == set(numbers[:4])
    clock.shift(10)
    last = run_batch(release, django_capture_on_commit_callbacks)

    assert (last.outcome, last.told, last.more) == ("done", 2, False)
    assert released() == set(numbers)  # the ineligible dossier has no result to record
    assert written() == sorted([*numbers, ineligible.number])
    assert len(mailoutbox) == 6
    assert [q["countdown"] for q in queued] == [10, 10]  # nothing queued after the last batch
    release.refresh_from_db()
    assert (release.status, release.processed, release.finished_at) == (
        ReleaseStatus.DONE,
        6,
        START + dt.timedelta(seconds=20),
    )
    assert release.counts == {"placed": 2, "waitlisted": 1, "not_selected": 2, "ineligible": 1}
    finish = AuditEntry.objects.get(action="results_release.finish")
    assert (finish.data["dossiers"], finish.data["placed"]) == (6, 2)
    assert DossierEvent.objects.filter(kind=DossierEventKind.RESULT_RELEASED).count() == 5
    assert run_batch(release, django_capture_on_commit_callbacks).outcome == "done"


@pytest.mark.usefixtures("two_a_batch")
def test_a_crash_mid_batch_rolls_it_back_and_the_release_resumes_without_duplicates(
    campaign, clock, queued, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60", "50"])
    ineligible_dossier(campaign, "ZZ-00001")
    frozen = frozen_round(campaign)
    release = start(frozen, django_capture_on_commit_callbacks)
    run_batch(release, django_capture_on_commit_callbacks)
    numbers = [d.number for d in dossiers]

    # The worker dies while writing the 4th dossier's e-mail: the 3rd's result and e-mail,
    # written earlier in the same batch, go with it.
    real_mail_user = release_module.mail_user

    def dying(**kwargs):
        if kwargs["context"]["application"].number == numbers[3]:
            raise RuntimeError("worker lost")
        return real_mail_user(**kwargs)

    monkeypatch.setattr(release_module, "mail_user", dying)
    clock.shift(10)
    with pytest.raises(RuntimeError):
        run_batch(release, django_capture_on_commit_callbacks)

    assert released() == set(numbers[:2])
    assert written() == numbers[:2]
    release.refresh_from_db()
    assert (release.processed, release.status, release.failed_batches) == (2, "running", 1)
    assert release.error == "RuntimeError: worker lost"
    assert release.last_batch_at == START  # the failed batch left no trace

    monkeypatch.setattr(release_module, "mail_user", real_mail_user)
    queued.clear()
    clock.shift(9)  # 19 s since the last batch: the chain may still be on its way
    assert results_releases_resume() == {"resumed": 0}
    clock.shift(1)
    assert results_releases_resume() == {"resumed": 1}
    assert queued == [{"release_id": release.pk, "countdown": None}]
    while run_batch(release, django_capture_on_commit_callbacks).more:
        clock.shift(10)

    release.refresh_from_db()
    assert (release.status, release.processed, release.error) == ("done", 6, "")
    keys = list(OutboundMessage.objects.values_list("dossier", "dedup_key"))
    assert Counter(dossier for dossier, _key in keys) == dict.fromkeys([*numbers, "ZZ-00001"], 1)
    application_ids = dict(Application.objects.values_list("number", "pk"))
    assert {key for _dossier, key in keys} == {
        f"result:{frozen.pk}:{application_ids[number]}" for number in [*numbers, "ZZ-00001"]
    }
    assert sorted(Counter(m.to[0] for m in mailoutbox).values()) == [1] * 6
    assert DossierEvent.objects.filter(kind=DossierEventKind.RESULT_RELEASED).count() == 5


@pytest.mark.usefixtures("two_a_batch")
def test_running_the_release_again_writes_nothing_twice(
    campaign, clock, queued, mailoutbox, django_capture_on_commit_callbacks
):
    reviewed_dossiers(campaign, ["90", "80", "70"])
    frozen = frozen_round(campaign)
    release = start(frozen, django_capture_on_commit_callbacks)
    while run_batch(release, django_capture_on_commit_callbacks).more:
        clock.shift(10)
    before = (
        list(Application.objects.values_list("status", "result_released_at")),
        DossierEvent.objects.status_changes().count(),
        DossierEvent.objects.count(),
        OutboundMessage.objects.count(),
        len(mailoutbox),
    )
    # The cursor is lost (say the release row was restored from a backup): run it all again.
    ResultsRelease.objects.filter(pk=release.pk).update(
        status="running", processed=0, counts={}, last_batch_at=None
    )

    clock.shift(10)
    while run_batch(release, django_capture_on_commit_callbacks).more:
        clock.shift(10)

    assert (
        list(Application.objects.values_list("status", "result_released_at")),
        DossierEvent.objects.status_changes().count(),
        DossierEvent.objects.count(),
        OutboundMessage.objects.count(),
        len(mailoutbox),
    ) == before
    release.refresh_from_db()
    assert release.counts == {"already_written": 3}


@pytest.mark.usefixtures("clock")
def test_a_dossier_withdrawn_before_its_batch_is_skipped(
    campaign, queued, mailoutbox, django_capture_on_commit_callbacks
):
    first, second = reviewed_dossiers(campaign, ["90", "80"])
    reinstated = ineligible_dossier(campaign, "ZZ-00001")
    frozen = frozen_round(campaign)
    release = start(frozen, django_capture_on_commit_callbacks)
    application_transition(application=first, to_status=ApplicationStatus.WITHDRAWN, actor=None)
    Application.objects.filter(pk=reinstated.pk).update(status=ApplicationStatus.ELIGIBLE)

    run_batch(release, django_capture_on_commit_callbacks)

    release.refresh_from_db()
    assert release.counts == {"skipped": 2, "placed": 1}
    assert release.skipped_dossiers == [first.number, reinstated.number]
    first.refresh_from_db()
    assert (first.status, first.result_released_at) == ("withdrawn", None)
    assert [m.to[0] for m in mailoutbox] == [second.candidate.email]
    assert AuditEntry.objects.get(action="results_release.finish").data["skipped_dossiers"] == [
        first.number,
        reinstated.number,
    ]


@pytest.mark.usefixtures("two_a_batch")
def test_batches_failing_in_a_row_stop_the_release_until_it_is_started_again(
    campaign, clock, queued, monkeypatch, django_capture_on_commit_callbacks
):
    reviewed_dossiers(campaign, ["90", "80", "70"])
    frozen = frozen_round(campaign)
    release = start(frozen, django_capture_on_commit_callbacks)

    def broken(**kwargs):
        raise ConnectionError("database gone")

    real_mail_user = release_module.mail_user
    monkeypatch.setattr(release_module, "mail_user", broken)
    for _attempt in range(3):
        with pytest.raises(ConnectionError):
            run_batch(release, django_capture_on_commit_callbacks)
        clock.shift(30)
    release.refresh_from_db()
    assert (release.status, release.failed_batches, release.processed) == ("failed", 3, 0)
    assert results_releases_resume() == {"resumed": 0}  # a failed release waits for staff
    assert run_batch(release, django_capture_on_commit_callbacks).outcome == "failed"
    assert AuditEntry.objects.filter(action="results_release.fail").count() == 1

    monkeypatch.setattr(release_module, "mail_user", real_mail_user)
    queued.clear()
    again = start(frozen, django_capture_on_commit_callbacks)

    assert again.pk == release.pk
    assert (again.status, again.failed_batches) == ("running", 0)
    assert queued == [{"release_id": release.pk, "countdown": None}]
    assert AuditEntry.objects.filter(action="results_release.resume").count() == 1
    assert run_batch(release, django_capture_on_commit_callbacks).told == 2


# --- tasks -------------------------------------------------------------------------------------


def test_eagerly_the_task_runs_the_whole_release_at_once(
    campaign, settings, mailoutbox, django_capture_on_commit_callbacks
):
    """No broker (the demo): one dossier a batch, 150 batches, in a loop, not a recursion."""
    settings.RESULTS_RELEASE_BATCH_SECONDS = 10
    Campaign.objects.filter(pk=campaign.pk).update(results_messages_per_minute=6)
    reviewed_dossiers(campaign, [str(100 - i % 50) for i in range(150)])
    frozen = frozen_round(campaign)

    release = start(frozen, django_capture_on_commit_callbacks)

    release.refresh_from_db()
    assert (release.status, release.processed, release.total) == ("done", 150, 150)
    assert len(mailoutbox) == 150
    assert OutboundMessage.objects.filter(status="sent").count() == 150


@pytest.mark.usefixtures("two_a_batch")
def test_the_resume_job_is_recorded(campaign, clock, queued, django_capture_on_commit_callbacks):
    reviewed_dossiers(campaign, ["90"])
    release = start(frozen_round(campaign), django_capture_on_commit_callbacks)
    clock.shift(60)

    assert resume_results_releases() == {"resumed": 1}

    run = JobRun.objects.get(job="results_release")
    assert (run.status, run.summary) == ("done", {"resumed": 1})
    assert queued[-1] == {"release_id": release.pk, "countdown": None}


# --- the e-mails -------------------------------------------------------------------------------


def _only_mail(mailoutbox, application):
    (message,) = [m for m in mailoutbox if m.to == [application.candidate.email]]
    html = message.alternatives[0].content
    return message.subject, message.body, html


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_result_e_mail_says_what_the_candidate_got(
    campaign, language, mailoutbox, django_capture_on_commit_callbacks
):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60"])
    User.objects.filter(applications__in=dossiers).update(preferred_language=language)
    ineligible = ineligible_dossier(campaign, "ZZ-00001", language=language)
    frozen = frozen_round(campaign)

    start(frozen, django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 5
    first, _second, third, fourth = (Application.objects.get(pk=d.pk) for d in dossiers)
    french = language == "fr"
    placement = Placement.objects.get(round=frozen, application=first)
    explanation = words(placement.explanation, language)
    assert explanation.startswith("Rang 1 sur 4" if french else "Rank 1 of 4")
    subject, body, html = _only_mail(mailoutbox, first)
    link = f"/{language}/dossier/"
    assert subject == "[TAPIF] Your TAPIF 2026-2027 result: you are accepted" or french
    assert first.result_academie == academies()[0]
    for text in (body, html):
        assert first.number in text
        assert academies()[0].name in text
        assert ("Primaire" if french else "Primary") in text
        assert explanation in text
        assert link in text
    if not french:
        assert "Congratulations: your dossier" in body
        assert "School level: Primary" in body

    subject, body, html = _only_mail(mailoutbox, third)
    waitlisted = Placement.objects.get(round=frozen, application=third)
    assert third.result_waitlist_position == 1
    for text in (body, html):
        assert words(waitlisted.explanation, language) in text
        assert "Rang 3 sur 4" in text if french else "Rank 3 of 4" in text
    if not french:
        assert subject == "[TAPIF] Your TAPIF 2026-2027 result: you are on the waiting list"
        assert "is on the waiting list, in position 1." in body

    subject, body, html = _only_mail(mailoutbox, fourth)
    not_selected = Placement.objects.get(round=frozen, application=fourth)
    for text in (body, html):
        assert words(not_selected.explanation, language) in text
    if not french:
        assert subject == "[TAPIF] Your TAPIF 2026-2027 result"
        assert "was not selected this year" in body

    subject, body, html = _only_mail(mailoutbox, ineligible)
    reason = (
        "Vous devez avoir entre 20 et 35 ans au 1er octobre 2026 ; vous aurez 36 ans."
        if french
        else "You must be 20 to 35 years old on 1 October 2026; you will be 36."
    )
    assert f"- {reason}" in body
    assert f"<li>{reason}</li>" in html
    assert link in body
    if not french:
        assert subject == "[TAPIF] Your TAPIF 2026-2027 result: your dossier was not eligible"
    templates = dict(OutboundMessage.objects.values_list("dossier", "template"))
    assert templates == {
        first.number: "placements/email/result_accepted",
        dossiers[1].number: "placements/email/result_accepted",
        third.number: "placements/email/result_waitlisted",
        fourth.number: "placements/email/result_not_selected",
        ineligible.number: "placements/email/result_ineligible",
    }
    assert set(OutboundMessage.objects.values_list("language", flat=True)) == {language}


# --- the candidate's pages ---------------------------------------------------------------------

CANDIDATE_PAGES = ("", "assets/", "timeline/", "summary/", "documents/")


def _pages(client) -> dict[str, str]:
    pages = {}
    for page in CANDIDATE_PAGES:
        response = client.get(f"/en/dossier/{page}")
        assert response.status_code == 200, page
        html = response.content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
        pages[page] = re.sub(r'nonce="[^"]+"', "", html)
    return pages


def test_a_result_appears_on_the_candidates_page_with_their_batch_not_before(
    client, campaign, campaign_open, queued, settings, django_capture_on_commit_callbacks
):
    settings.RESULTS_RELEASE_BATCH_SECONDS = 10
    Campaign.objects.filter(pk=campaign.pk).update(results_messages_per_minute=6)  # 1 a batch
    application = reviewable(campaign)
    application = application_transition(
        application=application, to_status=ApplicationStatus.REVIEWED, actor=None
    )
    first, second, _third = academies()
    Assets.objects.update_or_create(
        application=application,
        defaults={"academie_1": first, "academie_2": second, "school_level": "either"},
    )
    MeritScore.objects.create(application=application, merit=Decimal("88"), reviewers=2)
    reviewed_dossiers(campaign, ["95", "60"])
    client.force_login(application.candidate)
    before = _pages(client)

    frozen = frozen_round(campaign)
    assert RankEntry.objects.get(round=frozen, application=application).rank == 2
    assert _pages(client) == before  # frozen, not released
    release = start(frozen, django_capture_on_commit_callbacks, reason="Tested in January")
    run_batch(release, django_capture_on_commit_callbacks)  # rank 1 is told
    assert _pages(client) == before
    application.refresh_from_db()
    assert (application.status, application.result_released_at) == ("reviewed", None)

    campaign_open.shift(10)
    run_batch(release, django_capture_on_commit_callbacks)  # rank 2: this candidate

    after = _pages(client)
    assert "Your result" in after[""]
    assert "You are accepted, and placed in an académie." in after[""]
    assert "Selection result released" in after["timeline/"]
    assert OutboundMessage.objects.filter(dossier=application.number).count() == 1


def test_releasing_before_the_results_date_needs_a_reason_that_is_recorded(
    campaign, django_capture_on_commit_callbacks
):
    frozen = frozen_round(campaign)
    # 14 April 2026, 23:30 in Toronto (already the 15th in UTC): still the day before.
    with time_machine.travel(dt.datetime(2026, 4, 15, 3, 30, tzinfo=dt.UTC), tick=False):
        with pytest.raises(DomainError) as refused:
            start(frozen, django_capture_on_commit_callbacks, reason="  ")
        assert refused.value.code == "early_without_reason"
        assert "The results are due on 15 April 2026" in str(refused.value.message)
        assert not ResultsRelease.objects.exists()

        start(frozen, django_capture_on_commit_callbacks, reason="The ministry asked for today")

    entry = AuditEntry.objects.get(action="results_release.early")
    assert entry.data == {"date": "2026-04-15", "reason": "The ministry asked for today"}
    assert explain(entry.action, entry.data) == (
        "Results released before the results date (2026-04-15), for this reason: "
        "The ministry asked for today"
    )
    assert ResultsRelease.objects.filter(round=frozen).exists()
