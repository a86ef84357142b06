"""Offers of a place, the candidates' answers, withdrawals, waitlist promotion, appointment.

Every change here goes through one function, in one transaction, with an audit row and the
e-mail written to the outbox inside that transaction (`tapif.core.outbox.mail_user`); the dossier
learns each fact through a `candidates` service (status on its timeline, académie, waitlist
position).

The life of an offer (`Offer`, statuses in `placements.choices.OfferStatus`):

- made at release for every placed candidate (`offer_from_release`, called by
  `placements.release` in the batch that records the result), by a waitlist promotion, or by
  the committee (`offer_manual`); the campaign's contract terms are copied onto it and the
  candidate has `campaign.offer_response_days` days to answer (`respond_by`);
- the candidate accepts (`offer_accept`: the criminal record check, level 1, uploaded as a
  dossier document, and the passport's validity confirmed; dossier "offer accepted") or declines
  (`offer_decline`, optional reason; dossier "offer declined"), both until the deadline (the end
  of a day on the campaign's clock, `offer_deadline`); not answered in time, the job
  `offers_expire`, every five minutes, lets it lapse (dossier "offer declined", the reason says so);
- a candidate withdraws at any time (`application_withdraw`, optional reason): a pending offer
  is declined, an accepted one "withdrawn"; a waitlisted candidate leaves the list;
- staff record the town and up to three schools the académie gives (`offer_set_details`) and
  verify the criminal record check (`offer_verify_criminal_record`); once both are done,
  whichever comes last, the assistant is appointed (dossier "appointed", `appointed_at`) and told.

Promotion. A place given back (declined, lapsed, withdrawn) is offered at once, in the same
transaction, to the waitlist as `placements.promotion` decides (its docstring has the rules:
new candidates before returning assistants, rank order, who listed the académie first, the
level, couples). Every candidate it passes is written to `PromotionLog` with the reason; the
one chosen gets an offer with its own deadline and an e-mail, their dossier moves "waitlisted"
→ "placed", and the waitlist positions of those still waiting are recomputed (and shown to
them). A place is offered again only while the round has a vacancy there: the académie's quota
at that level minus the offers holding a place (pending or accepted) and the placements not yet
released; a couple going together may take a second vacancy in the same académie.

Locks. Every function here that can free or give a place locks the selection round's row first
(`select_for_update`), then the offers and dossiers it touches: two places freed at the same
moment are promoted one after the other, the second seeing the first's offer, so nobody is
offered two places and no place goes to two people. The database adds its own guard: one offer
holding a place per dossier (`placements_one_held_offer_per_dossier`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.choices import ApplicationStatus, DocumentKind, DocumentReview
from candidates.models import Application, Document
from candidates.selectors import application_may_withdraw
from candidates.services import (
    application_record_offer,
    application_record_waitlist_position,
    application_transition,
    document_record_verified,
    document_upload,
)
from placements import promotion
from placements.choices import (
    HOLDING_OFFER_STATUSES,
    OfferSource,
    OfferStatus,
    PromotionOutcome,
    PromotionReason,
    RankDecision,
    RoundStatus,
)
from placements.models import (
    Offer,
    OfferSchool,
    Placement,
    PromotionLog,
    Quota,
    RankEntry,
    SelectionRound,
)
from tapif.core.audit import audit_record
from tapif.core.choices import SchoolLevel
from tapif.core.exceptions import DomainError
from tapif.core.messages import message
from tapif.core.models import Academie, User
from tapif.core.moments import day_words
from tapif.core.outbox import mail_user
from tapif.core.schedule import deadline_passed, end_of_day, local_date, minute_started

logger = logging.getLogger(__name__)

#: E-mail templates (templates/placements/email/<name>_subject.txt, _body.txt, _body.html).
MAIL_OFFERED = "placements/email/offer_made"
MAIL_ACCEPTED = "placements/email/offer_accepted"
MAIL_DECLINED = "placements/email/offer_declined"
MAIL_LAPSED = "placements/email/offer_lapsed"
MAIL_WITHDRAWN = "placements/email/offer_withdrawn"
MAIL_APPOINTED = "placements/email/offer_appointed"

_STANDING = {
    ApplicationStatus.WAITLISTED: promotion.Standing.WAITING,
    ApplicationStatus.PLACED: promotion.Standing.HOLDS_PLACE,
    ApplicationStatus.OFFER_ACCEPTED: promotion.Standing.HOLDS_PLACE,
    ApplicationStatus.APPOINTED: promotion.Standing.HOLDS_PLACE,
    ApplicationStatus.OFFER_DECLINED: promotion.Standing.DECLINED,
    ApplicationStatus.WITHDRAWN: promotion.Standing.WITHDRAWN,
}


# --- reading ----------------------------------------------------------------------------------


def offer_for(application: Application) -> Offer | None:
    """The dossier's latest offer (None before any), with what its pages show."""
    return (
        Offer.objects.filter(application=application)
        .select_related("academie", "round", "criminal_record")
        .order_by("-offered_at", "-id")
        .first()
    )


def place_vacancies(selection_round: SelectionRound) -> dict[tuple[str, str], int]:
    """(académie code, level) → places of the round no one holds now (module docstring)."""
    free: Counter[tuple[str, str]] = Counter()
    for code, primary, secondary in Quota.objects.filter(round=selection_round).values_list(
        "academie__code", "primary", "secondary"
    ):
        free[(code, SchoolLevel.PRIMARY.value)] += primary
        free[(code, SchoolLevel.SECONDARY.value)] += secondary
    held = Offer.objects.filter(round=selection_round, status__in=HOLDING_OFFER_STATUSES)
    for code, level in held.values_list("academie__code", "level"):
        free[(code, level)] -= 1
    unreleased = (
        Placement.objects.filter(
            round=selection_round,
            academie__isnull=False,
            application__status__in=(ApplicationStatus.REVIEWED, ApplicationStatus.ACCEPTED),
        )
        .exclude(
            Exists(Offer.objects.filter(round=selection_round, application=OuterRef("application")))
        )
        .values_list("academie__code", "level")
    )
    for code, level in unreleased:
        free[(code, level)] -= 1
    return {key: max(0, count) for key, count in free.items()}


def _waitlist_round(application: Application) -> SelectionRound | None:
    """The frozen round on whose waitlist the dossier is (or was)."""
    entry = (
        RankEntry.objects.filter(
            application=application,
            decision=RankDecision.WAITLISTED,
            round__status=RoundStatus.FROZEN,
        )
        .select_related("round")
        .first()
    )
    return entry.round if entry is not None else None


# --- locks ------------------------------------------------------------------------------------


def _lock_round(round_id: int) -> SelectionRound:
    return SelectionRound.objects.select_for_update().select_related("campaign").get(pk=round_id)


def _lock_offer(offer: Offer) -> Offer:
    """The offer's round first, then the offer itself (the order every function here uses)."""
    return _lock_offer_by_id(offer.pk, offer.round_id)


def _lock_offer_by_id(offer_id: int, round_id: int) -> Offer:
    _lock_round(round_id)
    return (
        Offer.objects.select_for_update(of=("self",))
        .select_related(
            "application__candidate", "application__campaign", "academie", "round__campaign"
        )
        .get(pk=offer_id)
    )


# --- an offer's status ------------------------------------------------------------------------

#: The moves an offer's status may make: while pending, the candidate accepts or declines it (a
#: withdrawal declines it too) or its deadline passes; an accepted offer is withdrawn when the
#: candidate leaves. The other statuses are final.
OFFER_TRANSITIONS: dict[str, set[str]] = {
    OfferStatus.PENDING: {OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.LAPSED},
    OfferStatus.ACCEPTED: {OfferStatus.WITHDRAWN},
    OfferStatus.DECLINED: set(),
    OfferStatus.LAPSED: set(),
    OfferStatus.WITHDRAWN: set(),
}


@transaction.atomic
def offer_transition(*, offer: Offer, to_status: str, **changes) -> Offer:
    """Move `offer` to `to_status` if the table allows it, writing `changes` to its other fields.

    The caller holds the round's lock (`_lock_offer`, the order every function here uses); this
    locks the offer's row and reads its status there, raises DomainError for a move the table
    does not allow (writing nothing), and saves with `update_fields`. The callers move the
    dossier, write the audit row and the e-mail, and promote a freed place.
    """
    current = Offer.objects.select_for_update().values_list("status", flat=True).get(pk=offer.pk)
    if to_status not in OFFER_TRANSITIONS[current]:
        raise DomainError(
            _("An offer cannot go from “%(from)s” to “%(to)s”.")
            % {"from": OfferStatus(current).label, "to": OfferStatus(to_status).label},
            code="transition",
        )
    offer.status = to_status
    for name, value in changes.items():
        setattr(offer, name, value)
    offer.save(update_fields=["status", *changes])
    return offer


# --- making offers ----------------------------------------------------------------------------


def _language(user: User) -> str:
    return "en" if (user.preferred_language or "fr").startswith("en") else "fr"


def offer_deadline(campaign, offered_at: dt.datetime) -> dt.datetime:
    """The answer is due at the end of the day, on the campaign's clock, that falls
    `offer_response_days` days after the offer: released at 10:23 on 20 April with 14 days, it
    is due on 4 May at 23:59 (and holds for the whole of that minute, as every deadline)."""
    zone = campaign.zone
    due_on = local_date(offered_at, zone) + dt.timedelta(days=campaign.offer_response_days)
    return end_of_day(due_on, zone)


def _create(
    *,
    application: Application,
    selection_round: SelectionRound,
    academie: Academie,
    level: str,
    source: OfferSource,
    actor: User | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Offer:
    """A pending offer with the campaign's terms as they are now (module docstring)."""
    campaign = application.campaign
    now = now or timezone.now()
    supplement = academie.has_salary_supplement
    return Offer.objects.create(
        application=application,
        round=selection_round,
        academie=academie,
        level=level,
        source=source,
        status=OfferStatus.PENDING,
        offered_at=now,
        respond_by=offer_deadline(campaign, now),
        contract_start=campaign.contract_start,
        contract_end=campaign.contract_end,
        monthly_gross_salary=campaign.monthly_gross_salary,
        salary_currency=campaign.salary_currency,
        overseas_supplement_min_percent=(
            campaign.overseas_supplement_min_percent if supplement else 0
        ),
        overseas_supplement_max_percent=(
            campaign.overseas_supplement_max_percent if supplement else 0
        ),
        created_by=actor if source == OfferSource.MANUAL else None,
        note=note,
    )


def _mail(offer: Offer, template: str, *, dedup: str | None = None, **context) -> None:
    application = offer.application
    mail_user(
        user=application.candidate,
        template_prefix=template,
        context={
            "application": application,
            "campaign": application.campaign,
            "offer": offer,
            **context,
        },
        dedup_key=dedup,
        dossier=application.number,
    )


def offer_from_release(
    *, application: Application, selection_round: SelectionRound, actor: User | None
) -> Offer:
    """The offer of the place a release has just recorded on the dossier (its académie and
    level), made in the release batch's transaction: the result e-mail names its deadline.
    Idempotent: a batch run again finds the offer it made."""
    existing = Offer.objects.filter(
        application=application, round=selection_round, source=OfferSource.RELEASE
    ).first()
    if existing is not None:
        return existing
    if application.result_academie_id is None:
        raise DomainError(
            _("Dossier %(number)s has no académie to offer.") % {"number": application.number},
            code="no_academie",
        )
    offer = _create(
        application=application,
        selection_round=selection_round,
        academie=application.result_academie,
        level=application.result_level,
        source=OfferSource.RELEASE,
    )
    audit_record(
        actor=actor,
        action="offer.make",
        target=offer,
        data={
            "source": OfferSource.RELEASE,
            "academie": offer.academie.code,
            "level": offer.level,
            "respond_by": offer.respond_by.isoformat(),
        },
    )
    return offer


# --- the candidate's answer ------------------------------------------------------------------


def _refuse_unless_pending(offer: Offer) -> None:
    """Only a pending offer takes an answer (the table's moves out of "pending")."""
    if offer.status != OfferStatus.PENDING:
        raise DomainError(
            _("This offer is no longer waiting for an answer (it is “%(status)s”).")
            % {"status": offer.get_status_display()},
            code="not_pending",
        )


def _refuse_unless_open(offer: Offer, now: dt.datetime) -> None:
    """Pending and in time: the one rule for accepting and for declining (the deadline holds for
    its whole minute, `tapif.core.schedule.deadline_passed`; the job then lets it lapse)."""
    _refuse_unless_pending(offer)
    if deadline_passed(offer.respond_by, now):
        raise DomainError(
            _("The deadline to answer this offer has passed: it can no longer be answered."),
            code="expired",
        )


def _refuse_unless_owner(offer: Offer, actor: User) -> None:
    if offer.application.candidate_id != actor.pk:
        raise DomainError(_("This offer is not yours."), code="forbidden")


@transaction.atomic
def offer_accept(
    *,
    offer: Offer,
    actor: User,
    criminal_record: UploadedFile | None,
    passport_confirmed: bool,
) -> Offer:
    """The candidate accepts a pending offer before its deadline.

    Requires the criminal record check (level 1), stored as the dossier's document of that kind
    (checked by its content like every upload), and the confirmation that the passport is valid
    as the campaign asks. Locks the round and the offer; the offer becomes "accepted" (answered
    now, the passport confirmed, the document linked), the dossier "offer accepted"; audited;
    the candidate's confirmation e-mail is written. DomainError for anything missing or late.
    """
    now = timezone.now()
    offer = _lock_offer(offer)
    _refuse_unless_owner(offer, actor)
    _refuse_unless_open(offer, now)
    if not passport_confirmed:
        raise DomainError(
            _("Confirm that your passport is valid until %(date)s.")
            % {"date": day_words(offer.application.campaign.passport_valid_until)},
            code="passport",
        )
    if criminal_record is None:
        raise DomainError(
            _("Upload your criminal record check (level 1): it is needed for your appointment."),
            code="criminal_record",
        )
    document = document_upload(
        application=offer.application,
        kind=DocumentKind.CRIMINAL_RECORD,
        upload=criminal_record,
        actor=actor,
        allow_after_submission=True,
    )
    offer_transition(
        offer=offer,
        to_status=OfferStatus.ACCEPTED,
        responded_at=now,
        passport_confirmed_at=now,
        criminal_record=document,
    )
    offer.application = application_transition(
        application=offer.application, to_status=ApplicationStatus.OFFER_ACCEPTED, actor=actor
    )
    audit_record(
        actor=actor,
        action="offer.accept",
        target=offer,
        data={"document": document.pk, "passport_confirmed": True},
    )
    _mail(offer, MAIL_ACCEPTED)
    return offer


@transaction.atomic
def offer_decline(*, offer: Offer, actor: User, reason: str = "") -> Offer:
    """The candidate (or staff, for them) declines a pending offer, with an optional reason.

    Allowed until the deadline, as accepting is (then the offer lapses: the job that records it
    runs every few minutes). Locks the round and the offer; the offer becomes "declined", the
    dossier "offer declined" with the reason on its timeline; audited; confirmation e-mail; the
    freed place is promoted in the same transaction (module docstring).
    """
    reason = reason.strip()
    offer = _lock_offer(offer)
    if not actor.is_staff:
        _refuse_unless_owner(offer, actor)
    now = timezone.now()
    _refuse_unless_open(offer, now)
    offer_transition(offer=offer, to_status=OfferStatus.DECLINED, responded_at=now, reason=reason)
    offer.application = application_transition(
        application=offer.application,
        to_status=ApplicationStatus.OFFER_DECLINED,
        actor=actor,
        reason=reason,
    )
    audit_record(actor=actor, action="offer.decline", target=offer, data={"reason": reason})
    _mail(offer, MAIL_DECLINED)
    _promote(selection_round=offer.round, freed=offer, actor=actor, now=now)
    return offer


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """The candidate (or staff, for them) withdraws from the programme, with an optional reason.

    Any time the dossier's table allows it; after the results: a placed candidate's pending
    offer is declined, an accepted (or appointed) one becomes "withdrawn", and the place so
    freed is promoted at once; a waitlisted candidate leaves the list and those behind move up.
    Locks the round, the offer and the dossier; the dossier becomes "withdrawn" with the reason
    on its timeline; audited; confirmation e-mail. Withdrawing twice changes nothing.
    """
    reason = reason.strip()

    def held() -> tuple[int, int] | None:
        return (
            Offer.objects.filter(application=application, status__in=HOLDING_OFFER_STATUSES)
            .values_list("pk", "round_id")
            .first()
        )

    # The round first (as everywhere here), then the offer read again under that lock: a place
    # offered to this candidate a moment ago by another promotion is seen, and freed.
    before_lock = held()
    found = _waitlist_round(application) if before_lock is None else None
    round_id = before_lock[1] if before_lock is not None else (found.pk if found else None)
    selection_round = _lock_round(round_id) if round_id is not None else None
    now_held = held()
    offer = _lock_offer_by_id(*now_held) if now_held is not None else None
    if offer is not None:
        selection_round = offer.round
    locked = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    before = locked.status
    if before == ApplicationStatus.WITHDRAWN:
        return locked
    if not application_may_withdraw(locked):
        raise DomainError(
            _("This dossier is “%(status)s”: it can no longer be withdrawn.")
            % {"status": ApplicationStatus(before).label},
            code="not_withdrawable",
        )
    if not actor.is_staff and locked.candidate_id != actor.pk:
        raise DomainError(_("This dossier is not yours."), code="forbidden")
    now = timezone.now()
    if offer is not None:
        if offer.status == OfferStatus.PENDING:  # never answered: withdrawing declines it
            offer_transition(
                offer=offer, to_status=OfferStatus.DECLINED, responded_at=now, reason=reason
            )
        else:
            offer_transition(offer=offer, to_status=OfferStatus.WITHDRAWN, reason=reason)
    withdrawn = application_transition(
        application=locked, to_status=ApplicationStatus.WITHDRAWN, actor=actor, reason=reason
    )
    if withdrawn.result_waitlist_position is not None:
        withdrawn = application_record_waitlist_position(application=withdrawn, position=None)
    audit_record(
        actor=actor,
        action="application.withdraw",
        target=withdrawn,
        data={
            "before": before,
            "offer": offer.pk if offer is not None else None,
            "offer_status": offer.status if offer is not None else None,
            "reason": reason,
        },
    )
    mail_user(
        user=withdrawn.candidate,
        template_prefix=MAIL_WITHDRAWN,
        context={
            "application": withdrawn,
            "campaign": withdrawn.campaign,
            "offer": offer,
            "before": before,
            "reason": reason,
        },
        dossier=withdrawn.number,
    )
    if offer is not None:
        offer.application = withdrawn
        _promote(selection_round=selection_round, freed=offer, actor=actor, now=now)
    elif selection_round is not None and before == ApplicationStatus.WAITLISTED:
        waitlist_recompute(selection_round=selection_round)
    return withdrawn


# --- lapsing ----------------------------------------------------------------------------------


def offers_expire(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every five minutes: every pending offer past its deadline lapses, one transaction each.

    Each: locks the round and the offer, checks again that it is pending and late (a candidate
    answering at the same moment wins, or the job does: never both), marks it "lapsed", moves
    the dossier to "offer declined" with the reason, tells the candidate (dedup key
    `offer-lapsed:<offer>`) and promotes the place. Idempotent: run again, it finds nothing.
    Returns {"lapsed": offers lapsed, "promoted": offers made to the waitlist}.
    """
    now = now or timezone.now()
    due = list(
        Offer.objects.filter(status=OfferStatus.PENDING, respond_by__lt=minute_started(now))
        .order_by("respond_by", "pk")
        .values_list("pk", "round_id")
    )
    lapsed = promoted = 0
    for offer_id, round_id in due:
        try:
            with transaction.atomic():
                offer = _lock_offer_by_id(offer_id, round_id)
                if offer.status != OfferStatus.PENDING or not deadline_passed(
                    offer.respond_by, now
                ):
                    continue
                promoted += len(_lapse(offer, now))
                lapsed += 1
        except DomainError:  # rolled back, tried again next run; others go on
            logger.exception("Offer %s could not lapse", offer_id)
    return {"lapsed": lapsed, "promoted": promoted}


def _lapse(offer: Offer, now: dt.datetime) -> list[Offer]:
    offer_transition(offer=offer, to_status=OfferStatus.LAPSED)
    candidate = offer.application.candidate
    with translation.override(_language(candidate)):
        why = _("No answer to the offer by its deadline: the offer lapsed.")
    offer.application = application_transition(
        application=offer.application,
        to_status=ApplicationStatus.OFFER_DECLINED,
        actor=None,
        reason=why,
    )
    audit_record(
        actor=None,
        action="offer.lapse",
        target=offer,
        data={"respond_by": offer.respond_by.isoformat()},
    )
    _mail(offer, MAIL_LAPSED, dedup=f"offer-lapsed:{offer.pk}")
    return _promote(selection_round=offer.round, freed=offer, actor=None, now=now)


# --- promotion --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    entry: RankEntry
    application: Application


def _snapshot_candidates(selection_round: SelectionRound) -> dict[str, dict]:
    return {c["id"]: c for c in (selection_round.snapshot or {}).get("candidates", [])}


def _waitlist(
    selection_round: SelectionRound, *, lock: bool
) -> tuple[list[_Entry], list[promotion.Waitlisted]]:
    """The round's waitlist entries with their dossiers (locked in id order when `lock`), and
    each as the promotion reads it: rank, group, level, preferences (the frozen snapshot's),
    where they stand now, and their couple."""
    entries = list(
        RankEntry.objects.filter(round=selection_round, decision=RankDecision.WAITLISTED)
        .exclude(rank__isnull=True)
        .order_by("rank")
    )
    ids = [entry.application_id for entry in entries]
    applications = Application.objects.filter(pk__in=ids).select_related("candidate", "campaign")
    if lock:
        applications = applications.select_for_update(of=("self",)).order_by("pk")
    by_pk = {application.pk: application for application in applications}
    snapshot = _snapshot_candidates(selection_round)
    held_in = dict(
        Offer.objects.filter(round=selection_round, status__in=HOLDING_OFFER_STATUSES).values_list(
            "application__number", "academie__code"
        )
    )
    listed: list[_Entry] = []
    waitlisted: list[promotion.Waitlisted] = []
    for entry in entries:
        application = by_pk[entry.application_id]
        data = snapshot.get(application.number, {})
        standing = _STANDING.get(application.status, promotion.Standing.NOT_WAITING)
        if standing == promotion.Standing.WAITING and application.result_released_at is None:
            standing = promotion.Standing.NOT_WAITING
        partner = data.get("partner")
        listed.append(_Entry(entry, application))
        waitlisted.append(
            promotion.Waitlisted(
                id=application.number,
                rank=entry.rank,
                returning=bool(data.get("returning")),
                school_level=promotion.SchoolLevel(data.get("school_level") or "either"),
                preferences=tuple(data.get("preferences") or ()),
                standing=standing,
                partner=partner,
                couple=promotion.CoupleMode(data.get("couple") or "together_preferred"),
                partner_academie=held_in.get(partner) if partner else None,
            )
        )
    return listed, waitlisted


def _promote(
    *,
    selection_round: SelectionRound,
    freed: Offer,
    actor: User | None,
    now: dt.datetime,
) -> list[Offer]:
    """Offer the place `freed` gave back to the waitlist (module docstring); runs inside the
    caller's transaction, which holds the round's lock. Returns the offers made (none, one, or
    two for a couple)."""
    place = promotion.Place(freed.academie.code, promotion.Level(freed.level))
    vacancies = place_vacancies(selection_round)
    if vacancies.get((place.academie, place.level), 0) < 1:
        audit_record(
            actor=actor,
            action="offer.promote",
            target=freed,
            data={"academie": place.academie, "level": place.level, "vacant": False},
        )
        return []
    vacancies[(place.academie, place.level)] -= 1  # the freed place itself
    entries, waitlisted = _waitlist(selection_round, lock=True)
    by_number = {item.application.number: item for item in entries}
    names = dict(Academie.objects.values_list("code", "name"))
    academies = {a.code: a for a in Academie.objects.filter(code__in=[place.academie])}
    decided = promotion.promote(
        place,
        waitlisted,
        vacancies={
            promotion.Place(code, promotion.Level(level)): n
            for (code, level), n in vacancies.items()
        },
        names=names,
    )
    run_id = uuid.uuid4()
    offers: dict[str, Offer] = {}
    for number, got in decided.offers:
        application = by_number[number].application
        with translation.override(_language(application.candidate)):
            why = _("A place freed in %(academie)s (%(level)s) is offered to you.") % {
                "academie": names.get(got.academie, got.academie),
                "level": SchoolLevel(got.level).label,
            }
        academie = academies[got.academie]
        application = application_record_offer(
            application=application, academie=academie, level=got.level, actor=actor, reason=why
        )
        offer = _create(
            application=application,
            selection_round=selection_round,
            academie=academie,
            level=got.level,
            source=OfferSource.PROMOTION,
            now=now,
        )
        offers[number] = offer
    PromotionLog.objects.bulk_create(
        PromotionLog(
            run_id=run_id,
            round=selection_round,
            academie=academies[place.academie],
            level=place.level,
            freed_offer=freed,
            freed_because=freed.status,
            application=by_number[considered.id].application,
            position=position,
            outcome=PromotionOutcome.OFFERED if considered.offered else PromotionOutcome.SKIPPED,
            reason=PromotionReason(considered.reason.value),
            explanation=[considered.explanation],
            offer=offers.get(considered.id),
            created_by=actor,
            created_at=now,
        )
        for position, considered in enumerate(decided.considered, start=1)
    )
    audit_record(
        actor=actor,
        action="offer.promote",
        target=freed,
        data={
            "run": str(run_id),
            "academie": place.academie,
            "level": place.level,
            "offered": sorted(offers),
            "skipped": sum(1 for c in decided.considered if not c.offered),
        },
    )
    for offer in offers.values():
        audit_record(
            actor=actor,
            action="offer.make",
            target=offer,
            data={
                "source": OfferSource.PROMOTION,
                "academie": offer.academie.code,
                "level": offer.level,
                "respond_by": offer.respond_by.isoformat(),
                "run": str(run_id),
            },
        )
        _mail(offer, MAIL_OFFERED, dedup=f"offer:{offer.pk}")
    if offers:
        waitlist_recompute(selection_round=selection_round)
    return list(offers.values())


def waitlist_recompute(*, selection_round: SelectionRound) -> int:
    """Give every candidate still waiting their position now: 1, 2, 3… in the committee's
    waitlist order, those promoted or withdrawn since no longer counted. Returns how many
    dossiers' positions changed. Call it inside the transaction that moved the list."""
    waiting = (
        RankEntry.objects.filter(
            round=selection_round,
            decision=RankDecision.WAITLISTED,
            application__status=ApplicationStatus.WAITLISTED,
            application__result_released_at__isnull=False,
        )
        .select_related("application")
        .order_by("waitlist_position", "rank")
    )
    changed = 0
    for position, entry in enumerate(waiting, start=1):
        if entry.application.result_waitlist_position != position:
            application_record_waitlist_position(application=entry.application, position=position)
            changed += 1
    return changed


# --- the committee's offer --------------------------------------------------------------------


def may_offer_manually(actor: User) -> bool:
    return actor.has_perm("placements.offer_place")


@transaction.atomic
def offer_manual(
    *, application: Application, academie: Academie, level: str, actor: User, reason: str
) -> Offer:
    """The committee (or the programme manager) offers a place to a waitlisted candidate by
    hand: "Offer this place to…". The reason is required and kept on the offer, in the
    promotion log and the audit log.

    Refused without the "placements.offer_place" permission, without a reason, for a dossier
    not waiting on a frozen round's waitlist, or at a level the candidate does not teach. The
    round's vacancy at that place is recorded but not required (the committee decides). Locks
    the round and the dossier; the dossier moves "waitlisted" → "placed"; the candidate gets the
    offer e-mail; the waitlist positions are recomputed.
    """
    if not may_offer_manually(actor):
        raise DomainError(_("You are not allowed to offer places."), code="forbidden")
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why this place is offered by hand."), code="reason")
    if level not in SchoolLevel.values:
        raise DomainError(_("Choose primary or secondary."), code="level")
    found = _waitlist_round(application)
    if found is None:
        raise DomainError(
            _("Dossier %(number)s is not on a frozen round's waitlist.")
            % {"number": application.number},
            code="not_waitlisted",
        )
    selection_round = _lock_round(found.pk)
    _entries, waitlisted = _waitlist(selection_round, lock=True)
    application = Application.objects.select_related("candidate", "campaign").get(pk=application.pk)
    mine = next((w for w in waitlisted if w.id == application.number), None)
    if mine is None or mine.standing != promotion.Standing.WAITING:
        raise DomainError(
            _("Dossier %(number)s is “%(status)s”: only a waitlisted candidate is offered a place.")
            % {
                "number": application.number,
                "status": ApplicationStatus(application.status).label,
            },
            code="not_waitlisted",
        )
    if not promotion.teaches(mine.school_level, promotion.Level(level)):
        raise DomainError(
            _("This candidate does not teach at %(level)s level.")
            % {"level": SchoolLevel(level).label.lower()},
            code="level",
        )
    vacant = place_vacancies(selection_round).get((academie.code, level), 0)
    now = timezone.now()
    with translation.override(_language(application.candidate)):
        why = _("The selection committee offers you a place in %(academie)s (%(level)s).") % {
            "academie": academie.name,
            "level": SchoolLevel(level).label,
        }
    application = application_record_offer(
        application=application, academie=academie, level=level, actor=actor, reason=why
    )
    offer = _create(
        application=application,
        selection_round=selection_round,
        academie=academie,
        level=level,
        source=OfferSource.MANUAL,
        actor=actor,
        note=reason,
        now=now,
    )
    run_id = uuid.uuid4()
    PromotionLog.objects.create(
        run_id=run_id,
        round=selection_round,
        academie=academie,
        level=level,
        application=application,
        position=1,
        outcome=PromotionOutcome.OFFERED,
        reason=PromotionReason.MANUAL,
        explanation=[
            message(
                "placement.manual_offer", name=actor.get_full_name() or actor.email, reason=reason
            )
        ],
        offer=offer,
        created_by=actor,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action="offer.manual",
        target=offer,
        data={
            "academie": academie.code,
            "level": level,
            "reason": reason,
            "vacant_places": vacant,
            "run": str(run_id),
        },
    )
    _mail(offer, MAIL_OFFERED, dedup=f"offer:{offer.pk}")
    waitlist_recompute(selection_round=selection_round)
    return offer


def manual_offer_candidates(selection_round: SelectionRound) -> list[Application]:
    """The dossiers the committee may offer a place to by hand: still waiting on the round's
    waitlist, in waitlist order."""
    return list(
        Application.objects.filter(
            rank_entries__round=selection_round,
            rank_entries__decision=RankDecision.WAITLISTED,
            status=ApplicationStatus.WAITLISTED,
            result_released_at__isnull=False,
        )
        .select_related("candidate")
        .order_by("rank_entries__waitlist_position", "number")
    )


# --- what the académie communicates, and the appointment -----------------------------------


@dataclass(frozen=True)
class SchoolInput:
    name: str
    address: str
    level: str


def schools_clean(schools: Iterable[Mapping[str, str]], limit: int) -> list[SchoolInput]:
    """The schools as recorded (blank rows left out), or a DomainError saying what is wrong."""
    cleaned = []
    for school in schools:
        name = (school.get("name") or "").strip()
        address = (school.get("address") or "").strip()
        level = (school.get("level") or "").strip()
        if not (name or address):
            continue
        if not name or not address:
            raise DomainError(_("Give each school its name and its address."), code="school")
        if level not in SchoolLevel.values:
            raise DomainError(
                _("Give each school its level (primary or secondary)."), code="school_level"
            )
        cleaned.append(SchoolInput(name=name, address=address, level=level))
    if len(cleaned) > limit:
        raise DomainError(
            _("An assistant works in at most %(count)s schools.") % {"count": limit},
            code="too_many_schools",
        )
    return cleaned


@transaction.atomic
def offer_set_details(*, offer: Offer, town: str, schools: list[dict], actor: User) -> Offer:
    """Staff record what the académie communicated: the town and up to the campaign's number of
    schools (3), each with its name, address and level. Replaces what was recorded before.

    Allowed on an offer holding its place (pending or accepted). Locks the round and the offer;
    audited (before and after). When the offer is accepted, its criminal record check verified
    and now a town and at least one school are set, the assistant is appointed (`_appoint`).
    """
    offer = _lock_offer(offer)
    if offer.status not in HOLDING_OFFER_STATUSES:
        raise DomainError(
            _("This offer is “%(status)s”: it no longer holds a place.")
            % {"status": offer.get_status_display()},
            code="not_holding",
        )
    town = town.strip()
    cleaned = schools_clean(schools, offer.application.campaign.max_schools)
    before = {
        "town": offer.town,
        "schools": [
            {"name": s.name, "address": s.address, "level": s.level} for s in offer.schools.all()
        ],
    }
    after = {
        "town": town,
        "schools": [{"name": s.name, "address": s.address, "level": s.level} for s in cleaned],
    }
    if before == after:
        return offer
    offer.town = town
    offer.save(update_fields=["town"])
    offer.schools.all().delete()
    OfferSchool.objects.bulk_create(
        OfferSchool(offer=offer, name=s.name, address=s.address, level=s.level) for s in cleaned
    )
    audit_record(
        actor=actor, action="offer.details", target=offer, data={"before": before, "after": after}
    )
    _appoint_if_ready(offer, actor)
    return offer


@transaction.atomic
def offer_verify_criminal_record(*, offer: Offer, actor: User) -> Offer:
    """Staff verified the accepted offer's criminal record check: the document reads
    "accepted" and the offer records who and when. The assistant is appointed if the town and a
    school are already set (`_appoint`). Refused on an offer not accepted or without the
    document, or for staff without "placements.verify_criminal_record". Doing it twice changes
    nothing."""
    if not actor.has_perm("placements.verify_criminal_record"):
        raise DomainError(
            _("You are not allowed to verify criminal record checks."), code="forbidden"
        )
    offer = _lock_offer(offer)
    if offer.status != OfferStatus.ACCEPTED or offer.criminal_record_id is None:
        raise DomainError(
            _("Only an accepted offer's criminal record check can be verified."),
            code="not_accepted",
        )
    if offer.criminal_record_verified_at is not None:
        return offer
    offer.criminal_record = _current_criminal_record(offer)
    document_record_verified(document=offer.criminal_record, actor=actor)
    offer.criminal_record_verified_at = timezone.now()
    offer.criminal_record_verified_by = actor
    offer.save(
        update_fields=[
            "criminal_record",
            "criminal_record_verified_at",
            "criminal_record_verified_by",
        ]
    )
    audit_record(
        actor=actor,
        action="offer.verify_criminal_record",
        target=offer,
        data={"document": offer.criminal_record_id},
    )
    _appoint_if_ready(offer, actor)
    return offer


def _current_criminal_record(offer: Offer) -> Document:
    """The check to verify: the dossier's current one (a rejected check the candidate replaced
    is followed to its new version); refused while the current version stands rejected."""
    current = (
        Document.objects.select_for_update()
        .filter(application=offer.application, kind=DocumentKind.CRIMINAL_RECORD, is_current=True)
        .first()
    ) or offer.criminal_record
    if current.review_status == DocumentReview.REJECTED:
        raise DomainError(
            _(
                "This criminal record check was rejected: it can be verified once the "
                "candidate has uploaded a new one."
            ),
            code="criminal_record_rejected",
        )
    return current


def offer_ready_for_appointment(offer: Offer) -> bool:
    return (
        offer.status == OfferStatus.ACCEPTED
        and offer.criminal_record_verified_at is not None
        and bool(offer.town)
        and offer.schools.exists()
    )


def _appoint_if_ready(offer: Offer, actor: User) -> None:
    """Appoint the assistant once everything is there: the dossier "appointed", the offer's
    `appointed_at`, audited, and the assistant's e-mail (dedup `offer-appointed:<offer>`)."""
    if offer.appointed_at is not None or not offer_ready_for_appointment(offer):
        return
    offer.appointed_at = timezone.now()
    offer.save(update_fields=["appointed_at"])
    offer.application = application_transition(
        application=offer.application, to_status=ApplicationStatus.APPOINTED, actor=actor
    )
    audit_record(actor=actor, action="offer.appoint", target=offer, data={"town": offer.town})
    _mail(offer, MAIL_APPOINTED, dedup=f"offer-appointed:{offer.pk}")
