"""Releasing a frozen round's results: every candidate told, in batches, at the campaign's rate.

A programme manager starts the release (`results_release_start`, from the round's admin page).
One `ResultsRelease` row per round fixes, at that moment, the list of dossiers to tell and the
order they are told in:

1. every dossier the round ranked with a decision to release (accepted, waitlisted, not
   selected), in rank order;
2. then the campaign's ineligible dossiers, by number (their reason, again, with the news that
   the selection is over).

Nobody else is written to: drafts (never submitted), withdrawn dossiers, and dossiers still in
progress (submitted, complete or incomplete, eligible or reviewed without a rank in the round).
The confirmation page counts them so staff can finish them first; they keep their status.

Batches (`results_release_batch`, run by the Celery task `release_results_batch`) each take the
next dossiers under the release's row lock and, in ONE transaction, for each: record the result
on the dossier (`candidates.services.application_record_result`; from that moment the candidate
sees it on their home page), write its e-mail to the outbox (`tapif.core.outbox.mail_user`, dedup
key `result:<round>:<application>`, in the candidate's language; a placed candidate's offer,
`placements.offers.offer_from_release`, is made there too and the e-mail gives its deadline)
and advance the cursor. The e-mail therefore exists exactly when the result does: a crash in the
middle of a batch rolls the whole batch back, and a re-run never writes a second result, offer
or e-mail.

The rate: a batch holds `messages_per_minute * RESULTS_RELEASE_BATCH_SECONDS / 60` dossiers (at
least one; the interval stretches when the rate is below one e-mail per interval) and runs at
least one interval after the previous one: a batch asked for sooner (a resumed task and a
delayed one arriving together) refuses and changes nothing. Each batch schedules the next one
(`apply_async` with the interval as countdown) once it commits; if that chain breaks (a worker
killed between batches, the broker down), beat's `results_releases_resume` dispatches a batch
for every running release whose last batch is older than two intervals.

A batch that raises is rolled back and its error recorded on the release; after
`MAX_FAILED_BATCHES` failures in a row the release is "failed" and waits for a programme manager
(starting it again from the round's page resumes it where it stopped).

With no broker (the embedded default: Celery eager), the task runs the whole release at once, in
a loop, when the release starts.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.choices import ApplicationStatus
from candidates.messages import failure_text
from candidates.models import Application, EligibilityDecision
from candidates.services import application_record_result
from placements.choices import RankDecision, ReleaseKind, ReleaseOutcome, ReleaseStatus, RoundStatus
from placements.models import Placement, RankEntry, ResultsRelease, SelectionRound
from placements.offers import offer_from_release
from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_all
from tapif.core.models import Campaign, OutboundMessage, User
from tapif.core.moments import day_words
from tapif.core.outbox import dispatch_together, mail_user
from tapif.core.schedule import local_date

logger = logging.getLogger(__name__)

#: Seconds between two batches unless settings.RESULTS_RELEASE_BATCH_SECONDS says otherwise.
DEFAULT_BATCH_SECONDS = 10
#: Batches failing in a row before the release stops and waits for staff.
MAX_FAILED_BATCHES = 3

#: The decisions of a frozen round that reach the dossier at release.
RELEASED_DECISIONS = {
    RankDecision.ACCEPTED: ApplicationStatus.ACCEPTED,
    RankDecision.WAITLISTED: ApplicationStatus.WAITLISTED,
    RankDecision.NOT_SELECTED: ApplicationStatus.NOT_SELECTED,
}

#: The e-mail each outcome writes (templates/placements/email/<name>_*).
TEMPLATES = {
    ReleaseOutcome.PLACED: "placements/email/result_accepted",
    ReleaseOutcome.ACCEPTED: "placements/email/result_accepted",
    ReleaseOutcome.WAITLISTED: "placements/email/result_waitlisted",
    ReleaseOutcome.NOT_SELECTED: "placements/email/result_not_selected",
    ReleaseOutcome.INELIGIBLE: "placements/email/result_ineligible",
}

#: Dossier statuses a release leaves out, as the confirmation page groups them.
NEVER_SUBMITTED = (ApplicationStatus.DRAFT,)


def dedup_prefix(selection_round: SelectionRound) -> str:
    """The start of every result e-mail's dedup key for this round."""
    return f"result:{selection_round.pk}:"


# --- the pace ----------------------------------------------------------------------------------


def batch_seconds() -> int:
    """The interval between batches (a Django setting, so a test worker can shrink it)."""
    return max(1, int(getattr(settings, "RESULTS_RELEASE_BATCH_SECONDS", DEFAULT_BATCH_SECONDS)))


@dataclass(frozen=True)
class Pace:
    """How many dossiers a batch tells, and the seconds between two batches."""

    size: int
    interval: int

    def duration(self, total: int) -> int:
        """Seconds from the first batch to the last for `total` dossiers."""
        return max(0, math.ceil(total / self.size) - 1) * self.interval


def pace(messages_per_minute: int, seconds: int | None = None) -> Pace:
    """`messages_per_minute * seconds / 60` dossiers a batch (at least one); below one e-mail
    an interval, one a batch and the interval stretched so the rate still holds."""
    seconds = batch_seconds() if seconds is None else seconds
    size = max(1, messages_per_minute * seconds // 60)
    return Pace(size=size, interval=max(seconds, math.ceil(60 * size / messages_per_minute)))


# --- who is told ------------------------------------------------------------------------------


def release_recipients(selection_round: SelectionRound) -> list[tuple[int, str]]:
    """The dossiers a release of this round tells, in order (module docstring)."""
    ranked = (
        RankEntry.objects.filter(
            round=selection_round, rank__isnull=False, decision__in=RELEASED_DECISIONS
        )
        .order_by("rank", "application__number")
        .values_list("application_id", flat=True)
    )
    ineligible = (
        Application.objects.filter(
            campaign_id=selection_round.campaign_id, status=ApplicationStatus.INELIGIBLE
        )
        .order_by("number")
        .values_list("pk", flat=True)
    )
    return [(pk, ReleaseKind.RANKED.value) for pk in ranked] + [
        (pk, ReleaseKind.INELIGIBLE.value) for pk in ineligible
    ]


@dataclass(frozen=True)
class ReleasePlan:
    """What releasing a round would do, for the confirmation page."""

    recipients: list[tuple[int, str]]
    by_outcome: dict[str, int]  # placed, accepted, waitlisted, not_selected, ineligible
    left_out: dict[str, int]  # dossier status → how many get nothing
    messages_per_minute: int
    pace: Pace

    @property
    def total(self) -> int:
        return len(self.recipients)

    @property
    def duration(self) -> int:
        return self.pace.duration(self.total)


def release_plan(selection_round: SelectionRound) -> ReleasePlan:
    """Who a release would tell now, by kind of result, who it leaves out, and how long."""
    recipients = release_recipients(selection_round)
    told = [pk for pk, _kind in recipients]
    placed = set(
        Placement.objects.filter(round=selection_round, academie__isnull=False).values_list(
            "application_id", flat=True
        )
    )
    decisions = dict(
        RankEntry.objects.filter(round=selection_round).values_list("application_id", "decision")
    )
    by_outcome: Counter[str] = Counter()
    for pk, kind in recipients:
        if kind == ReleaseKind.INELIGIBLE:
            by_outcome[ReleaseOutcome.INELIGIBLE] += 1
        elif pk in placed:
            by_outcome[ReleaseOutcome.PLACED] += 1
        else:
            by_outcome[decisions[pk]] += 1
    left_out = dict(
        Application.objects.filter(campaign_id=selection_round.campaign_id)
        .exclude(pk__in=told)
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by("status")
    )
    rate = selection_round.campaign.results_messages_per_minute
    return ReleasePlan(
        recipients=recipients,
        by_outcome={outcome: by_outcome[outcome] for outcome in TEMPLATES},
        left_out=left_out,
        messages_per_minute=rate,
        pace=pace(rate),
    )


# --- starting ----------------------------------------------------------------------------------


def release_is_early(campaign: Campaign, now: dt.datetime | None = None) -> bool:
    """Whether today, in the campaign's zone, is before its `results_release_date`."""
    return local_date(now or timezone.now(), campaign.zone) < campaign.results_release_date


@transaction.atomic
def results_release_start(
    *, selection_round: SelectionRound, actor: User, reason: str = ""
) -> ResultsRelease:
    """Start releasing a frozen round's results; the first batch is dispatched on commit.

    Locks the round. Refused unless the round is frozen, and, before the campaign's results
    date (`release_is_early`), unless `reason` says why: it is recorded in the audit log
    (`results_release.early`, with the date) and on the release's audit row. A round has one
    release: starting again returns it unchanged (a double click), or, if it had failed, sets
    it running again from where it stopped. Writes the release (the dossiers to tell fixed now,
    the campaign's rate) and an audit row. The caller checks the
    "placements.release_results" permission.
    """
    locked = (
        SelectionRound.objects.select_for_update()
        .select_related("campaign")
        .get(pk=selection_round.pk)
    )
    existing = ResultsRelease.objects.select_for_update().filter(round=locked).first()
    if existing is not None:
        if existing.status == ReleaseStatus.FAILED:
            existing.status, existing.failed_batches = ReleaseStatus.RUNNING, 0
            existing.save(update_fields=["status", "failed_batches"])
            audit_record(
                actor=actor,
                action="results_release.resume",
                target=locked,
                data={"processed": existing.processed, "error": existing.error},
            )
            transaction.on_commit(lambda: dispatch_batch(existing.pk), robust=True)
        return existing
    if locked.status != RoundStatus.FROZEN:
        raise DomainError(
            _("Only a frozen round's results can be released; round %(number)s is %(status)s.")
            % {"number": locked.number, "status": locked.get_status_display()},
            code="round_not_frozen",
        )
    now = timezone.now()
    reason = reason.strip()
    early = release_is_early(locked.campaign, now)
    if early and not reason:
        raise DomainError(
            _(
                "The results are due on %(date)s: to release them before that date, say why "
                "(the reason is kept in the audit log)."
            )
            % {"date": day_words(locked.campaign.results_release_date)},
            code="early_without_reason",
        )
    recipients = release_recipients(locked)
    release = ResultsRelease.objects.create(
        round=locked,
        started_by=actor,
        started_at=now,
        recipients=[list(item) for item in recipients],
        total=len(recipients),
        counts={},
        messages_per_minute=locked.campaign.results_messages_per_minute,
        status=ReleaseStatus.RUNNING if recipients else ReleaseStatus.DONE,
        finished_at=None if recipients else now,
    )
    kinds = Counter(kind for _pk, kind in recipients)
    audit_record(
        actor=actor,
        action="results_release.start",
        target=locked,
        data={
            "dossiers": len(recipients),
            "ranked": kinds[ReleaseKind.RANKED],
            "ineligible": kinds[ReleaseKind.INELIGIBLE],
            "messages_per_minute": release.messages_per_minute,
            **({"early_reason": reason} if early else {}),
        },
    )
    if early:
        audit_record(
            actor=actor,
            action="results_release.early",
            target=locked,
            data={"date": locked.campaign.results_release_date.isoformat(), "reason": reason},
        )
    if recipients:
        transaction.on_commit(lambda: dispatch_batch(release.pk), robust=True)
    return release


def dispatch_batch(release_id: int, *, countdown: int | None = None) -> None:
    """Queue a batch; a broker that is down leaves it to `results_releases_resume`."""
    from placements.tasks import release_results_batch  # the tasks import this module

    try:
        release_results_batch.apply_async(kwargs={"release_id": release_id}, countdown=countdown)
    except Exception:  # the broker is unreachable: beat's resume job picks the release up
        logger.exception("Results release %s: the next batch could not be queued", release_id)


# --- one batch ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    """What a call to `results_release_batch` did: `outcome` is "told" (a batch ran),
    "too_soon" (refused: the interval has not passed), "done", "failed" or "missing"."""

    outcome: str
    told: int = 0
    more: bool = False


def results_release_batch(release_id: int, *, paced: bool = True) -> Batch:
    """Tell the next batch of the release's dossiers (module docstring), in one transaction.

    Locks the release; returns at once if it is gone or not running. `paced` (a worker):
    refuse before the interval has passed since the last batch, and queue the next batch once
    this one commits. Unpaced (Celery eager, no broker): no wait, no queueing; the caller loops
    while `more`. An exception rolls the batch back, is recorded on the release, and is raised
    again; after MAX_FAILED_BATCHES in a row the release is marked failed.
    """
    try:
        with transaction.atomic():
            return _batch(release_id, paced=paced)
    except Exception as error:
        _record_failure(release_id, error)
        raise


def _batch(release_id: int, *, paced: bool) -> Batch:
    release = (
        ResultsRelease.objects.select_for_update(of=("self",))
        .select_related("round__campaign")
        .filter(pk=release_id)
        .first()
    )
    if release is None:
        return Batch("missing")
    if release.status != ReleaseStatus.RUNNING:
        return Batch(release.status)
    now = timezone.now()
    step = pace(release.messages_per_minute)
    if (
        paced
        and release.last_batch_at is not None
        and (now - release.last_batch_at).total_seconds() < step.interval
    ):
        return Batch("too_soon", more=True)
    selection_round = release.round
    if selection_round.status != RoundStatus.FROZEN:
        raise DomainError(
            _("Round %(number)s is no longer frozen (%(status)s): its release stops.")
            % {"number": selection_round.number, "status": selection_round.get_status_display()},
            code="round_not_frozen",
        )
    chunk = release.recipients[release.processed : release.processed + step.size]
    counts = Counter(release.counts)
    skipped = list(release.skipped_dossiers)
    with dispatch_together():  # the batch's e-mails: one task, one connection to the server
        for loaded in _load(selection_round, chunk):
            outcome = _tell(selection_round, loaded, actor=release.started_by)
            counts[outcome.outcome] += 1
            if outcome.outcome == ReleaseOutcome.SKIPPED:
                skipped.append(outcome.number)
    release.processed += len(chunk)
    release.counts = dict(counts)
    release.skipped_dossiers = skipped
    release.last_batch_at = now
    release.failed_batches = 0
    release.error = ""
    fields = ["processed", "counts", "skipped_dossiers", "last_batch_at", "failed_batches", "error"]
    done = release.processed >= release.total
    if done:
        release.status, release.finished_at = ReleaseStatus.DONE, now
        fields += ["status", "finished_at"]
    release.save(update_fields=fields)
    if done:
        audit_record(
            actor=release.started_by,
            action="results_release.finish",
            target=selection_round,
            data={**release.counts, "dossiers": release.total, "skipped_dossiers": skipped},
        )
    elif paced:
        transaction.on_commit(
            lambda: dispatch_batch(release_id, countdown=step.interval), robust=True
        )
    return Batch(ReleaseStatus.DONE if done else "told", told=len(chunk), more=not done)


@dataclass
class _Loaded:
    """One dossier of a batch with what its e-mail needs, read in bulk."""

    application: Application
    kind: str
    entry: RankEntry | None = None
    placement: Placement | None = None
    # The latest eligibility decision's failures: {"rule", "code", "params"} or a justification.
    reasons: list[dict[str, Any]] = field(default_factory=list)


def _load(selection_round: SelectionRound, chunk: list) -> list[_Loaded]:
    """The chunk's dossiers, their rank entries, placements and eligibility reasons,
    in a fixed number of queries; a dossier deleted since the start is left out."""
    ids = [application_id for application_id, _kind in chunk]
    applications = Application.objects.select_related("candidate", "campaign").in_bulk(ids)
    entries = {
        entry.application_id: entry
        for entry in RankEntry.objects.filter(round=selection_round, application_id__in=ids)
    }
    placements = {
        p.application_id: p
        for p in Placement.objects.filter(
            round=selection_round, application_id__in=ids
        ).select_related("academie")
    }
    reasons: dict[int, list[dict[str, Any]]] = {}
    for decision in EligibilityDecision.objects.filter(application_id__in=ids).order_by(
        "application_id", "decided_at", "id"
    ):  # the latest decision counts: later rows overwrite earlier ones
        reasons[decision.application_id] = list(decision.failures)
    return [
        _Loaded(
            application=applications[application_id],
            kind=kind,
            entry=entries.get(application_id),
            placement=placements.get(application_id),
            reasons=reasons.get(application_id, []),
        )
        for application_id, kind in chunk
        if application_id in applications
    ]


@dataclass(frozen=True)
class _Told:
    outcome: str
    number: str


def _tell(selection_round: SelectionRound, loaded: _Loaded, *, actor: User | None) -> _Told:
    """Record one dossier's result and write its e-mail, or skip a dossier that can no longer
    take it (withdrawn, or found eligible again since the release started)."""
    application = loaded.application
    number = application.number
    offer = None
    if loaded.kind == ReleaseKind.INELIGIBLE:
        if application.status != ApplicationStatus.INELIGIBLE:  # found eligible again since
            return _Told(ReleaseOutcome.SKIPPED, number)
        outcome = ReleaseOutcome.INELIGIBLE
    else:
        entry, placement = loaded.entry, loaded.placement
        try:
            with transaction.atomic():
                application = application_record_result(
                    application=application,
                    decision_status=RELEASED_DECISIONS[RankDecision(entry.decision)],
                    academie=placement.academie if placement is not None else None,
                    level=placement.level if placement is not None else "",
                    waitlist_position=entry.waitlist_position,
                    explanation=placement.explanation if placement is not None else [],
                    actor=actor,
                )
                if application.result_academie_id is not None:  # placed: the offer, to answer
                    offer = offer_from_release(
                        application=application, selection_round=selection_round, actor=actor
                    )
        except DomainError:  # withdrawn meanwhile, or released before with another result
            return _Told(ReleaseOutcome.SKIPPED, number)
        outcome = (
            ReleaseOutcome.PLACED
            if application.result_academie_id is not None
            else ReleaseOutcome(entry.decision)
        )
    candidate = loaded.application.candidate
    french = (candidate.preferred_language or "fr").startswith("fr")
    with translation.override("fr" if french else "en"):
        explanation = explain_all(application.result_explanation)
        reasons = [failure_text(failure) for failure in loaded.reasons]
    message = mail_user(
        user=candidate,
        template_prefix=TEMPLATES[outcome],
        context={
            "application": application,
            "campaign": application.campaign,
            "explanation": explanation,
            "reasons": reasons,
            "offer": offer,
        },
        dedup_key=f"{dedup_prefix(selection_round)}{application.pk}",
    )
    return _Told(ReleaseOutcome.ALREADY_WRITTEN if message is None else outcome, number)


def _record_failure(release_id: int, error: Exception) -> None:
    """The batch was rolled back: keep its error; stop the release after too many in a row."""
    described = (
        error.message if isinstance(error, DomainError) else f"{type(error).__name__}: {error}"
    )[:2000]
    logger.error("Results release %s: a batch failed: %s", release_id, described)
    with transaction.atomic():
        release = ResultsRelease.objects.select_for_update().filter(pk=release_id).first()
        if release is None or release.status != ReleaseStatus.RUNNING:
            return
        release.failed_batches += 1
        release.error = described
        fields = ["failed_batches", "error"]
        if release.failed_batches >= MAX_FAILED_BATCHES or isinstance(error, DomainError):
            release.status = ReleaseStatus.FAILED
            fields.append("status")
            audit_record(
                actor=None,
                action="results_release.fail",
                target=release.round,
                data={"processed": release.processed, "error": described},
            )
        release.save(update_fields=fields)


# --- beat --------------------------------------------------------------------------------------


def results_releases_resume() -> dict[str, int]:
    """Dispatch a batch for every running release whose chain of batches broke: no batch for
    two intervals (a worker killed between batches, a task lost). Run by beat every minute."""
    now = timezone.now()
    resumed = 0
    for release in ResultsRelease.objects.filter(status=ReleaseStatus.RUNNING).order_by("pk"):
        last = release.last_batch_at or release.started_at
        if (now - last).total_seconds() >= 2 * pace(release.messages_per_minute).interval:
            dispatch_batch(release.pk)
            resumed += 1
    return {"resumed": resumed}


# --- progress, for the admin ------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    release: ResultsRelease
    mail: dict[str, int]  # outbox status → how many of the round's result e-mails

    @property
    def percent(self) -> int:
        total = self.release.total
        return 100 if not total else self.release.processed * 100 // total

    @property
    def outcomes(self) -> list[tuple[str, str, int]]:
        """(outcome, label, how many) for each outcome the release has met so far."""
        counts = self.release.counts
        return [
            (outcome.value, outcome.label, counts[outcome.value])
            for outcome in ReleaseOutcome
            if counts.get(outcome.value)
        ]


def release_progress(release: ResultsRelease) -> Progress:
    """The release with its e-mails' delivery, read from the outbox by the round's dedup key."""
    mail = dict(
        OutboundMessage.objects.filter(dedup_key__startswith=dedup_prefix(release.round))
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by("status")
    )
    return Progress(
        release=release, mail={str(s): mail.get(s, 0) for s in OutboundMessage.Status.values}
    )
