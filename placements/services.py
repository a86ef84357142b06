"""Selection rounds: every change to a round, its quotas and its frozen results goes through here.

The committee creates a draft round for a campaign (`round_create`), gives it its places per
académie (`quotas_fill`, then edits in the admin) and a waitlist size, previews it as often as
it likes (`round_preview`: the algorithm on today's dossiers, nothing saved), then freezes it
(`round_freeze`): one transaction records the exact input (the snapshot, in
`simulate_selection`'s input format, so anyone can run it again), its SHA-256, the parameters,
and every candidate's rank, decision and placement. A frozen round never changes; a programme
manager may supersede it (`round_supersede`), which opens a new draft round with the same quotas.

The freeze touches no dossier: candidates see nothing until a programme manager releases the
results (`placements.release`: each result recorded on its dossier through
`candidates.services.application_record_result` with its e-mail, in batches). A round whose
release has started can no longer be superseded. The freeze also keeps each académie's cut-off
for next year's candidates (`round_cutoffs`, stored in core).

What the algorithm is given for each dossier of the campaign (`round_input`):
- "reviewed" dossiers with their merit score; "eligible" dossiers whose review is not finished
  are given without a score, so they are listed as not ranked (decision "not selected") and
  the committee sees how many are still waiting. Other statuses are left out (the ineligible
  were refused before review).
- returning assistant: the dossier lists a previous participation; positively evaluated only
  when staff recorded the previous académie's evaluation as positive on the dossier
  (`Application.previous_evaluation`); "not yet known" holds the freeze (`round_freeze_guard`).
- couples: confirmed `Couple` rows whose two dossiers are both in the round; "together only"
  or "together preferred" as declared.
- criteria (for the tie rule): per criterion, the mean of the submitted reviews' points, in
  hundredths of a point (the ranking compares whole numbers: 3.5 points is 350).
- the merit score: the dossier's `MeritScore` when the campaign does not calibrate (today's
  figure, so the snapshot is exactly as before); with calibration on, the calibrated merit
  (`selection.selectors.merit_calibration`), and the snapshot then also keeps, under
  "merit_calibration", every review's exact score and the figures the calibration used, so
  `selection.calibration.calibrate` gives the same merits again from the snapshot alone.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from candidates.choices import ApplicationStatus, CoupleStatus, PreviousEvaluation
from candidates.models import Application, Couple
from placements import allocation
from placements.allocation import (
    AllocationError,
    Candidate,
    CoupleMode,
    SchoolLevel,
    SelectionInput,
    ranking_refusal,
    simulate,
)
from placements.choices import LeftOutReason, RoundStatus
from placements.models import Placement, Quota, RankEntry, ResultsRelease, SelectionRound
from selection import ranking
from selection.calibration import Calibration
from selection.calibration import Method as CalibrationMethod
from selection.choices import ReviewStatus
from selection.models import Criterion, Score
from selection.ranking import DEFAULT_TIE_BREAK_CRITERIA, RankingError, RankInput, rank
from selection.selectors import merit_calibration
from tapif.core.audit import audit_record
from tapif.core.bulk import bulk_insert
from tapif.core.exceptions import DomainError
from tapif.core.messages import explain_message
from tapif.core.models import Academie, Campaign, User
from tapif.core.services import CutoffRow, cutoffs_record

ROUND_STATUSES = (ApplicationStatus.REVIEWED, ApplicationStatus.ELIGIBLE)
CRITERIA_SCALE = 100  # criteria points are given to the ranking in hundredths


def algorithm_version() -> str:
    """The SHA-256 of the ranking and allocation modules' source: the code that decided."""
    digest = hashlib.sha256()
    for module in (ranking, allocation):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()


# --- the input -------------------------------------------------------------------------------


def _tie_break_criteria(campaign: Campaign) -> tuple[str, ...]:
    codes = tuple(
        Criterion.objects.filter(campaign=campaign)
        .order_by("position", "id")
        .values_list("code", flat=True)
    )
    return codes or DEFAULT_TIE_BREAK_CRITERIA


def _criteria_points(application_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per dossier and criterion, the mean of the submitted reviews' points, in hundredths."""
    rows = (
        Score.objects.filter(
            review__application_id__in=application_ids, review__status=ReviewStatus.SUBMITTED
        )
        .values("review__application_id", "criterion__code")
        .annotate(total=Sum("points"), reviews=Count("id"))
    )
    points: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        mean = Decimal(row["total"] * CRITERIA_SCALE) / row["reviews"]
        points[row["review__application_id"]][row["criterion__code"]] = int(
            mean.quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
        )
    return points


def _partners(application_ids: set[int]) -> dict[int, tuple[int, str]]:
    """Each dossier in a confirmed couple whose two dossiers are in the round: partner, mode."""
    partners: dict[int, tuple[int, str]] = {}
    couples = Couple.objects.filter(
        status=CoupleStatus.CONFIRMED,
        proposer_id__in=application_ids,
        partner_id__in=application_ids,
    ).values_list("proposer_id", "partner_id", "preference")
    for proposer, partner, preference in couples:
        partners[proposer] = (partner, preference)
        partners[partner] = (proposer, preference)
    return partners


def round_merit(
    selection_round: SelectionRound, *, method: str | None = None
) -> Calibration | None:
    """The calibrated merits the round uses, by the campaign's calibration setting or by
    `method` ("none" or "standardise", the committee's what-if); None without calibration
    (the stored merits, as ever)."""
    campaign = selection_round.campaign
    if (method or campaign.merit_calibration) == CalibrationMethod.NONE:
        return None
    return merit_calibration(campaign, method=method)


def round_snapshot(selection_round: SelectionRound) -> tuple[dict[str, Any], str]:
    """The snapshot a freeze would record now, and its SHA-256 (the freeze's confirmation)."""
    merit = round_merit(selection_round)
    return snapshot_of(round_input(selection_round, merit=merit), merit=merit)


def round_input(
    selection_round: SelectionRound, *, merit: Calibration | None = None
) -> SelectionInput:
    """What the algorithm is given for this round, read from the database (module docstring).
    `merit` calibrated (not "none") gives the calibrated merits instead of the stored ones."""
    calibrated = merit if merit is not None and merit.method is not CalibrationMethod.NONE else None
    campaign = selection_round.campaign
    quotas = {
        quota.academie.code: allocation.Quota(primary=quota.primary, secondary=quota.secondary)
        for quota in Quota.objects.filter(round=selection_round).select_related("academie")
    }
    applications = list(
        Application.objects.filter(campaign=campaign, status__in=ROUND_STATUSES)
        .select_related("merit", "assets__academie_1", "assets__academie_2", "assets__academie_3")
        .annotate(participations=Count("previous_participations"))
        .order_by("number")
    )
    ids = [application.pk for application in applications]
    criteria = _criteria_points(ids)
    partners = _partners(set(ids))
    number_of = {application.pk: application.number for application in applications}
    candidates = []
    for application in applications:
        reviewed = application.status == ApplicationStatus.REVIEWED
        assets = getattr(application, "assets", None)
        returning = application.participations > 0
        partner = partners.get(application.pk)
        candidates.append(
            Candidate(
                id=application.number,
                score=_score(application, calibrated) if reviewed else None,
                eligible=True,
                returning=returning,
                previous_evaluation_positive=returning
                and application.previous_evaluation == PreviousEvaluation.POSITIVE,
                school_level=SchoolLevel(
                    (assets.school_level if assets else "") or SchoolLevel.EITHER
                ),
                preferences=tuple(a.code for a in assets.academie_choices) if assets else (),
                partner=number_of[partner[0]] if partner else None,
                couple=CoupleMode(partner[1]) if partner else CoupleMode.TOGETHER_PREFERRED,
                french_level=application.french_level or None,
                criteria=criteria.get(application.pk, {}),
            )
        )
    return SelectionInput(
        quotas=quotas,
        waitlist_size=selection_round.waitlist_size,
        candidates=tuple(candidates),
        campaign=campaign.code,
        tie_break_criteria=_tie_break_criteria(campaign),
        academie_names=dict(Academie.objects.values_list("code", "name")),
    )


def _score(application: Application, calibrated: Calibration | None) -> Decimal | None:
    """The merit the round ranks by: the stored one, or the calibrated one (the stored one for
    a dossier the calibration did not see)."""
    stored = getattr(application, "merit", None)
    stored_merit = stored.merit if stored is not None else None
    if calibrated is None:
        return stored_merit
    return calibrated.merits.get(application.number, stored_merit)


def input_to_dict(selection: SelectionInput) -> dict[str, Any]:
    """The input in `simulate_selection`'s format (`allocation.from_json` reads it back)."""
    return {
        "campaign": selection.campaign,
        "tie_break_criteria": list(selection.tie_break_criteria),
        "academie_names": dict(sorted(selection.academie_names.items())),
        "quotas": {
            code: {"primary": quota.primary, "secondary": quota.secondary}
            for code, quota in selection.quotas.items()
        },
        "waitlist_size": selection.waitlist_size,
        "candidates": [
            {
                "id": c.id,
                "score": None if c.score is None else str(c.score),
                "eligible": c.eligible,
                "returning": c.returning,
                "previous_evaluation_positive": c.previous_evaluation_positive,
                "school_level": str(c.school_level),
                "preferences": list(c.preferences),
                "partner": c.partner,
                "couple": str(c.couple),
                "french_level": c.french_level,
                "criteria": dict(c.criteria),
            }
            for c in sorted(selection.candidates, key=lambda c: c.id)
        ],
    }


def snapshot_of(
    selection: SelectionInput, *, merit: Calibration | None = None
) -> tuple[dict[str, Any], str]:
    """The snapshot (plain data) and the SHA-256 of its canonical JSON (sorted keys, compact).
    A calibrated `merit` adds its record and every review's exact score ("merit_calibration");
    without calibration the snapshot is exactly what it always was."""
    data = input_to_dict(selection)
    if merit is not None and merit.method is not CalibrationMethod.NONE:
        data["merit_calibration"] = {
            **merit.record(),
            "reviews": [
                [reviewer, dossier, str(score)]
                for (reviewer, dossier), score in sorted(merit.raw.items())
            ],
        }
    return data, snapshot_sha256(data)


def snapshot_sha256(data: dict[str, Any]) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _run(selection: SelectionInput) -> tuple[ranking.Ranking, allocation.Allocation]:
    """The ranking (for the tie-break of each entry) and the allocation, or a DomainError."""
    try:
        ranked = rank(
            [
                RankInput(c.id, c.score, c.french_level, c.criteria)
                for c in selection.candidates
                if c.eligible
            ],
            campaign_code=selection.campaign,
            criteria_order=selection.tie_break_criteria,
        )
        return ranked, simulate(selection)
    except RankingError as error:
        raise DomainError(explain_message(ranking_refusal(error).message)) from error
    except AllocationError as error:
        raise DomainError(explain_message(error.message)) from error


def round_preview(
    selection_round: SelectionRound, *, method: str | None = None
) -> allocation.Allocation:
    """The round's outcome on today's dossiers and quotas, by the campaign's calibration setting
    (or `method`). Nothing is saved."""
    return round_preview_scored(selection_round, method=method)[0]


def round_preview_scored(
    selection_round: SelectionRound, *, method: str | None = None
) -> tuple[allocation.Allocation, dict[str, Decimal | None]]:
    """`round_preview` with the merit score each candidate was ranked by (calibrated or not)."""
    merit = round_merit(selection_round, method=method)
    selection = round_input(selection_round, merit=merit)
    return _run(selection)[1], {c.id: c.score for c in selection.candidates}


@dataclass(frozen=True)
class CalibrationCompared:
    """One candidate's rank and decision with raw and with calibrated scores."""

    id: str
    raw_score: Decimal | None
    raw_rank: int | None
    raw_decision: str
    calibrated_score: Decimal | None
    calibrated_rank: int | None
    calibrated_decision: str

    @property
    def crosses(self) -> str:
        """ "up" when calibration accepts a candidate raw scores leave out, "down" the other
        way, "" when the acceptance does not change."""
        raw = self.raw_decision == "accepted"
        calibrated = self.calibrated_decision == "accepted"
        return "" if raw == calibrated else ("up" if calibrated else "down")


def round_compare_calibration(selection_round: SelectionRound) -> list[CalibrationCompared]:
    """The committee's what-if: the round previewed with raw and with calibrated scores, side
    by side, best calibrated rank first (then the unranked by number). Nothing is saved."""
    raw = round_preview(selection_round, method=CalibrationMethod.NONE)
    calibrated_merit = merit_calibration(
        selection_round.campaign, method=CalibrationMethod.STANDARDISE
    )
    calibrated_input = round_input(selection_round, merit=calibrated_merit)
    calibrated = _run(calibrated_input)[1]
    raw_scores = {c.id: c.score for c in round_input(selection_round).candidates}
    calibrated_scores = {c.id: c.score for c in calibrated_input.candidates}
    before = {o.id: o for o in raw.outcomes}
    rows = [
        CalibrationCompared(
            id=o.id,
            raw_score=raw_scores.get(o.id),
            raw_rank=before[o.id].rank,
            raw_decision=str(before[o.id].decision),
            calibrated_score=calibrated_scores.get(o.id),
            calibrated_rank=o.rank,
            calibrated_decision=str(o.decision),
        )
        for o in calibrated.outcomes
    ]
    return sorted(rows, key=lambda r: (r.calibrated_rank is None, r.calibrated_rank or 0, r.id))


# --- the round's life ------------------------------------------------------------------------


@transaction.atomic
def round_create(
    *, campaign: Campaign, actor: User | None, waitlist_size: int = 0
) -> SelectionRound:
    """A new draft round, numbered after the campaign's last one. Audited."""
    Campaign.objects.select_for_update().get(pk=campaign.pk)  # one number per round
    last = SelectionRound.objects.filter(campaign=campaign).aggregate(last=Max("number"))["last"]
    selection_round = SelectionRound.objects.create(
        campaign=campaign,
        number=(last or 0) + 1,
        waitlist_size=waitlist_size,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="selection_round.create",
        target=selection_round,
        data={"waitlist_size": waitlist_size},
    )
    return selection_round


def _locked_draft(selection_round: SelectionRound) -> SelectionRound:
    locked = (
        SelectionRound.objects.select_for_update()
        .select_related("campaign")
        .get(pk=selection_round.pk)
    )
    if locked.status != RoundStatus.DRAFT:
        raise DomainError(
            _("Round %(number)s is %(status)s: it cannot be changed any more.")
            % {"number": locked.number, "status": locked.get_status_display()},
            code="round_not_draft",
        )
    return locked


def round_assert_draft(selection_round: SelectionRound) -> SelectionRound:
    """Lock the round until the end of the caller's transaction; refuse unless it is a draft
    (the admin calls it before saving quotas or the waitlist size)."""
    return _locked_draft(selection_round)


@transaction.atomic
def quotas_fill(*, selection_round: SelectionRound, actor: User | None) -> int:
    """Give the draft round a 0 primary / 0 secondary quota for each active académie that has
    none yet (the committee then types the places). Returns how many were added. Audited."""
    locked = _locked_draft(selection_round)
    present = set(Quota.objects.filter(round=locked).values_list("academie_id", flat=True))
    missing = Academie.objects.filter(is_active=True).exclude(pk__in=present).order_by("code")
    created = Quota.objects.bulk_create(
        Quota(round=locked, academie=academie, primary=0, secondary=0) for academie in missing
    )
    if created:
        audit_record(
            actor=actor,
            action="selection_round.quotas_fill",
            target=locked,
            data={"academies": [quota.academie.code for quota in created]},
        )
    return len(created)


FREEZE_PERMISSION = "placements.freeze_round"
FREEZE_INCOMPLETE_PERMISSION = "placements.freeze_round_incomplete"


@dataclass(frozen=True)
class LeftOut:
    """A dossier of the round a freeze now would leave without its due chance, and why."""

    number: str
    reason: str  # a LeftOutReason

    @property
    def reason_label(self) -> str:
        return str(LeftOutReason(self.reason).label)


@dataclass(frozen=True)
class FreezeGuard:
    """What stands in the way of freezing a round now (`round_freeze_guard`)."""

    window_open: bool
    left_out: tuple[LeftOut, ...]

    @property
    def blocks(self) -> bool:
        return self.window_open or bool(self.left_out)

    def message(self) -> str:
        parts = []
        if self.window_open:
            parts.append(_("the campaign's application window is still open"))
        if self.left_out:
            parts.append(
                ngettext(
                    "%(count)s dossier would be left out (%(numbers)s)",
                    "%(count)s dossiers would be left out (%(numbers)s)",
                    len(self.left_out),
                )
                % {
                    "count": len(self.left_out),
                    "numbers": ", ".join(each.number for each in self.left_out[:10])
                    + ("…" if len(self.left_out) > 10 else ""),
                }
            )
        return _(
            "This round cannot be frozen yet: %(what)s. Wait, or have a programme manager "
            "freeze it with a written reason."
        ) % {"what": "; ".join(parts)}


def round_freeze_guard(selection_round: SelectionRound) -> FreezeGuard:
    """Whether freezing now would be premature: the campaign still takes applications, or
    dossiers of the round would be ranked without their due (an eligible dossier with no merit
    score yet, a returning assistant whose previous evaluation is not known yet), listed by
    number with the reason."""
    campaign = selection_round.campaign
    in_round = Application.objects.filter(campaign=campaign, status__in=ROUND_STATUSES)
    not_scored = set(
        in_round.filter(
            Q(status=ApplicationStatus.ELIGIBLE)
            | Q(status=ApplicationStatus.REVIEWED, merit__isnull=True)
        ).values_list("number", flat=True)
    )
    not_evaluated = set(
        in_round.filter(
            previous_participations__isnull=False,
            previous_evaluation=PreviousEvaluation.UNKNOWN,
        ).values_list("number", flat=True)
    )
    left_out = [
        LeftOut(number=number, reason=reason)
        for reason, numbers in (
            (LeftOutReason.NOT_SCORED, not_scored),
            (LeftOutReason.EVALUATION_UNKNOWN, not_evaluated),
        )
        for number in sorted(numbers)
    ]
    return FreezeGuard(window_open=not campaign.has_closed(), left_out=tuple(left_out))


def round_assert_freezable(selection_round: SelectionRound) -> None:
    """Refuse, before any confirmation is shown, a round that is not a draft or whose campaign
    already has a frozen round."""
    if not selection_round.is_draft:
        raise DomainError(
            _("Round %(number)s is %(status)s: it cannot be changed any more.")
            % {"number": selection_round.number, "status": selection_round.get_status_display()},
            code="round_not_draft",
        )
    campaign = selection_round.campaign
    if SelectionRound.objects.filter(campaign=campaign, status=RoundStatus.FROZEN).exists():
        raise DomainError(
            _(
                "The campaign %(campaign)s already has a frozen round: supersede it before "
                "freezing another."
            )
            % {"campaign": campaign},
            code="round_already_frozen",
        )


@transaction.atomic
def round_freeze(
    *, selection_round: SelectionRound, actor: User, reason: str = ""
) -> SelectionRound:
    """Freeze the draft round: rank and place today's dossiers and record it all, at once.

    Locks the round; refuses unless it is a draft, has places, and its campaign has no frozen
    round (the database's "one frozen round per campaign" settles two freezes at the same
    moment). Refuses too while `round_freeze_guard` finds the freeze premature, unless the
    actor may freeze an incomplete round (a programme manager) and gives a `reason`: it is
    kept on the round (`freeze_reason`) and, with the dossiers left out, in the audit row.
    Writes the snapshot and its SHA-256, the parameters, who and when, one `RankEntry`
    and one `Placement` per candidate, and an audit row. Dossier statuses are not touched.
    """
    locked = _locked_draft(selection_round)
    guard = round_freeze_guard(locked)
    reason = reason.strip()
    if guard.blocks:
        if not reason or not actor.has_perm(FREEZE_INCOMPLETE_PERMISSION):
            raise DomainError(guard.message(), code="round_freeze_premature")
        locked.freeze_reason = reason
        audit_record(  # before the freeze's own row: why, then what
            actor=actor,
            action="selection_round.freeze_incomplete",
            target=locked,
            data={
                "reason": reason,
                "window_open": guard.window_open,
                "left_out": [[each.number, each.reason] for each in guard.left_out],
            },
        )
    elif not actor.has_perm(FREEZE_PERMISSION):
        raise DomainError(
            _("Freezing a complete round is the committee's."), code="round_freeze_not_allowed"
        )
    campaign = locked.campaign
    if SelectionRound.objects.filter(campaign=campaign, status=RoundStatus.FROZEN).exists():
        raise DomainError(
            _(
                "The campaign %(campaign)s already has a frozen round: supersede it before "
                "freezing another."
            )
            % {"campaign": campaign},
            code="round_already_frozen",
        )
    merit = round_merit(locked)
    selection = round_input(locked, merit=merit)
    if not any(q.primary or q.secondary for q in selection.quotas.values()):
        raise DomainError(
            _("Round %(number)s has no places: give the académies their quotas first.")
            % {"number": locked.number},
            code="round_without_places",
        )
    snapshot, digest = snapshot_of(selection, merit=merit)
    ranked, outcome = _run(selection)
    locked.status = RoundStatus.FROZEN
    locked.snapshot = snapshot
    locked.snapshot_sha256 = digest
    locked.parameters = {
        "tie_break_criteria": list(selection.tie_break_criteria),
        "algorithm_version": algorithm_version(),
        "criteria_points": "mean of the submitted reviews, in hundredths of a point",
        "returning_evaluation": "as recorded on the dossier: only a positive one is offered",
        "merit_calibration": merit.record() if merit else {"method": str(CalibrationMethod.NONE)},
    }
    locked.frozen_by = actor
    locked.frozen_at = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the constraint's refusal is a clean error
            locked.save(
                update_fields=[
                    "status",
                    "snapshot",
                    "snapshot_sha256",
                    "parameters",
                    "frozen_by",
                    "frozen_at",
                    "freeze_reason",
                ]
            )
    except IntegrityError:
        raise DomainError(
            _(
                "The campaign %(campaign)s already has a frozen round: supersede it before "
                "freezing another."
            )
            % {"campaign": campaign},
            code="round_already_frozen",
        ) from None
    _write_results(locked, ranked, outcome)
    cutoffs_record(campaign, round_cutoffs(locked), actor=actor)
    audit_record(
        actor=actor,
        action="selection_round.freeze",
        target=locked,
        data={
            "snapshot_sha256": digest,
            "candidates": len(outcome.outcomes),
            "accepted": sum(o.decision == "accepted" for o in outcome.outcomes),
            "merit_calibration": str(merit.method if merit else CalibrationMethod.NONE),
        },
    )
    return locked


def _write_results(
    selection_round: SelectionRound, ranked: ranking.Ranking, outcome: allocation.Allocation
) -> None:
    numbers = [o.id for o in outcome.outcomes]
    applications = dict(
        Application.objects.filter(
            campaign=selection_round.campaign, number__in=numbers
        ).values_list("number", "pk")
    )
    academies = dict(Academie.objects.values_list("code", "pk"))
    by_id = {entry.id: entry for entry in ranked.ranked}
    # Plain rows, not model instances: a round holds tens of thousands of them (issue 16).
    bulk_insert(
        RankEntry,
        [
            "round",
            "application",
            "rank",
            "merit",
            "tie_break",
            "decision",
            "waitlist_position",
            "flags",
        ],
        (
            (
                selection_round.pk,
                applications[o.id],
                o.rank,
                by_id[o.id].score if o.id in by_id else None,
                (by_id[o.id].tie_break or "") if o.id in by_id else "",
                str(o.decision),
                o.waitlist_position,
                [str(flag) for flag in o.flags],
            )
            for o in outcome.outcomes
        ),
    )
    bulk_insert(
        Placement,
        ["round", "application", "academie", "level", "preference_obtained", "explanation"],
        (
            (
                selection_round.pk,
                applications[o.id],
                academies[o.academie] if o.academie else None,
                str(o.level) if o.level else "",
                o.preference_obtained,
                o.explanation,
            )
            for o in outcome.outcomes
        ),
    )


@transaction.atomic
def round_supersede(*, selection_round: SelectionRound, actor: User, reason: str) -> SelectionRound:
    """Set a frozen round aside, with the reason, and open a new draft round with its quotas
    and waitlist size (returned) that may then be frozen. The superseded round keeps its
    entries and placements as they were. Refused once the round's results release has started
    (candidates have, or are getting, their results). Audited."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the round is superseded."), code="reason_required")
    locked = (
        SelectionRound.objects.select_for_update()
        .select_related("campaign")
        .get(pk=selection_round.pk)
    )
    if locked.status != RoundStatus.FROZEN:
        raise DomainError(
            _("Only a frozen round can be superseded; round %(number)s is %(status)s.")
            % {"number": locked.number, "status": locked.get_status_display()},
            code="round_not_frozen",
        )
    if ResultsRelease.objects.filter(round=locked).exists():
        raise DomainError(
            _(
                "The results of round %(number)s are released or being released: it can no "
                "longer be superseded."
            )
            % {"number": locked.number},
            code="round_released",
        )
    successor = round_create(
        campaign=locked.campaign, actor=actor, waitlist_size=locked.waitlist_size
    )
    Quota.objects.bulk_create(
        Quota(round=successor, academie_id=q.academie_id, primary=q.primary, secondary=q.secondary)
        for q in Quota.objects.filter(round=locked)
    )
    locked.status = RoundStatus.SUPERSEDED
    locked.superseded_by = successor
    locked.superseded_at = timezone.now()
    locked.superseded_reason = reason
    locked.save(update_fields=["status", "superseded_by", "superseded_at", "superseded_reason"])
    audit_record(
        actor=actor,
        action="selection_round.supersede",
        target=locked,
        data={"reason": reason, "successor": successor.number},
    )
    return successor


# --- after the freeze: cut-offs ---------------------------------------------------------------


def round_cutoffs(selection_round: SelectionRound) -> list[CutoffRow]:
    """How competitive each académie was at each level in a frozen round: one row per académie
    and level that had places (its quota), with the requests read from the round's snapshot
    (first choice; any of the choices; a candidate taking "either" level asks for both) and
    the rank of the last candidate placed there at the freeze (None when nobody was)."""
    first_choice: Counter[tuple[str, str]] = Counter()
    any_choice: Counter[tuple[str, str]] = Counter()
    for candidate in (selection_round.snapshot or {}).get("candidates", []):
        if not candidate.get("eligible", True):
            continue
        preferences = list(dict.fromkeys(candidate.get("preferences") or []))
        level = candidate.get("school_level") or SchoolLevel.EITHER
        for asked in allocation.LEVELS_TAUGHT[SchoolLevel(level)]:
            if preferences:
                first_choice[preferences[0], asked] += 1
            for code in preferences:
                any_choice[code, asked] += 1
    ranks = dict(
        RankEntry.objects.filter(round=selection_round).values_list("application_id", "rank")
    )
    last_rank: dict[tuple[int, str], int] = {}
    placed = Placement.objects.filter(round=selection_round, academie__isnull=False).values_list(
        "academie_id", "level", "application_id"
    )
    for academie_id, level, application_id in placed:
        rank_of = ranks.get(application_id)
        if rank_of is not None:
            key = (academie_id, level)
            last_rank[key] = max(last_rank.get(key, 0), rank_of)
    rows = []
    for quota in Quota.objects.filter(round=selection_round).select_related("academie"):
        for level, places in (("primary", quota.primary), ("secondary", quota.secondary)):
            if not places:
                continue
            code = quota.academie.code
            rows.append(
                CutoffRow(
                    academie_id=quota.academie_id,
                    level=level,
                    places=places,
                    last_rank_placed=last_rank.get((quota.academie_id, level)),
                    first_choice_requests=first_choice[code, level],
                    any_choice_requests=any_choice[code, level],
                )
            )
    return rows
