"""Offers after the results (issue 9, placements/offers.py): the release's offers and their terms,
accepting, declining, lapsing, withdrawing, the waitlist promotion each freed place triggers
(order, skip reasons, couples, positions), the académie's details and the appointment, the
committee's manual offer, and the e-mails in French and English.

Each test freezes and releases a real round (placements.release makes the offers), then calls
the services as the pages, the admin and the hourly job do.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from candidates.choices import (
    ApplicationStatus,
    CoupleStatus,
    DocumentKind,
    DocumentReview,
    PreviousEvaluation,
)
from candidates.models import Application, Assets, Couple, Document, PreviousParticipation
from demo.files import demo_pdf
from placements.choices import OfferSource, OfferStatus, PromotionOutcome, PromotionReason
from placements.models import Offer, OfferSchool, PromotionLog, Quota, SelectionRound
from placements.offers import (
    OFFER_TRANSITIONS,
    application_withdraw,
    offer_accept,
    offer_deadline,
    offer_decline,
    offer_for,
    offer_manual,
    offer_set_details,
    offer_transition,
    offer_verify_criminal_record,
    offers_expire,
    place_vacancies,
)
from placements.release import results_release_start
from placements.services import round_freeze
from placements.tasks import expire_offers
from selection.services import criteria_ensure
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie, AuditEntry, Campaign, JobRun, OutboundMessage, User
from tests.factories import EASTERN, StaffFactory
from tests.placements.test_release import manager
from tests.placements.test_rounds import academies, committee, draft_round, reviewed_dossiers
from tests.words import en, fr

pytestmark = [pytest.mark.django_db]

#: Results day: 10:00 in Toronto. Offers made then are due 14 days later.
RELEASED_AT = dt.datetime(2026, 4, 20, 14, 0, tzinfo=dt.UTC)
#: 14 days later, at the end of that day on the campaign's clock (Toronto).
DUE = dt.datetime(2026, 5, 4, 23, 59, tzinfo=EASTERN)


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


@pytest.fixture
def clock():
    with time_machine.travel(RELEASED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Call a service and run what it queued on commit (the e-mails' delivery)."""

    def call(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return call


# --- building a released round ----------------------------------------------------------------


def dossiers(campaign, *specs: dict) -> list[Application]:
    """Reviewed dossiers, one per spec: merit (required), level ("either"), prefs (indexes in
    `academies()`, default all three), returning (False)."""
    made = reviewed_dossiers(campaign, [spec["merit"] for spec in specs])
    listed = academies(4)
    for application, spec in zip(made, specs, strict=True):
        prefs = [listed[i] for i in spec.get("prefs", (0, 1, 2))] + [None, None, None]
        Assets.objects.filter(application=application).update(
            school_level=spec.get("level", "either"),
            academie_1=prefs[0],
            academie_2=prefs[1],
            academie_3=prefs[2],
        )
        if spec.get("returning"):
            # The previous académie's evaluation is positive, as staff would have recorded it
            # (an unknown one holds the freeze).
            Application.objects.filter(pk=application.pk).update(
                previous_evaluation=PreviousEvaluation.POSITIVE
            )
            PreviousParticipation.objects.create(
                application=application, school_year="2023-2024", academie=listed[3]
            )
    return made


def couple(first: Application, second: Application, preference: str = "together_only") -> None:
    Couple.objects.create(
        proposer=first,
        partner=second,
        partner_email=second.candidate.email,
        preference=preference,
        status=CoupleStatus.CONFIRMED,
    )


@pytest.fixture
def release(campaign, clock, private_storage, django_capture_on_commit_callbacks):
    """Freeze a round with `places` ({académie index: (primary, secondary)}), release it."""

    def release(places: dict[int, tuple[int, int]], *, waitlist_size: int) -> SelectionRound:
        frozen = round_freeze(
            selection_round=draft_round(campaign, places, waitlist_size=waitlist_size),
            actor=committee(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            results_release_start(selection_round=frozen, actor=manager())
        return frozen

    return release


def fresh(*applications: Application) -> list[Application]:
    return [Application.objects.get(pk=a.pk) for a in applications]


def criminal_record() -> SimpleUploadedFile:
    return SimpleUploadedFile("casier.pdf", demo_pdf(), "application/pdf")


def accept(run, application: Application) -> Offer:
    return run(
        offer_accept,
        offer=offer_for(application),
        actor=application.candidate,
        criminal_record=criminal_record(),
        passport_confirmed=True,
    )


def staff_with(*permissions: str) -> User:
    user = StaffFactory()
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return User.objects.get(pk=user.pk)


def log_rows(**filters) -> list[tuple[str, str, str]]:
    return [
        (row.application.number, row.outcome, row.reason)
        for row in PromotionLog.objects.filter(**filters)
        .select_related("application")
        .order_by("created_at", "position")
    ]


def mails(application: Application, template: str) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(
            dossier=application.number, template=f"placements/email/{template}"
        )
    )


def only_mail(mailoutbox, application):
    (message,) = [m for m in mailoutbox if m.to == [application.candidate.email]]
    return message.subject, message.body, message.alternatives[0].content


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


SCHOOLS = [
    {"name": "École Jules-Ferry", "address": "3 rue des Écoles, 80000 Amiens", "level": "primary"},
    {"name": "École Victor-Hugo", "address": "12 place Hugo, 80000 Amiens", "level": "primary"},
]


# --- offers made at release ------------------------------------------------------------------


@pytest.mark.usefixtures("clock")
def test_release_offers_each_placed_candidate_their_place_with_the_campaigns_terms(
    campaign, django_capture_on_commit_callbacks
):
    overseas = Academie.objects.filter(has_salary_supplement=True).order_by("code").first()
    first, second, waiting = dossiers(campaign, {"merit": "90"}, {"merit": "80"}, {"merit": "70"})
    Assets.objects.filter(application=second).update(academie_1=overseas, school_level="secondary")
    draft = draft_round(campaign, {0: (1, 0)}, waitlist_size=1)
    Quota.objects.create(round=draft, academie=overseas, primary=0, secondary=1)
    frozen = round_freeze(selection_round=draft, actor=committee())
    assert offer_for(first) is None  # the freeze makes no offer

    with django_capture_on_commit_callbacks(execute=True):
        results_release_start(selection_round=frozen, actor=manager())

    offer = offer_for(first)
    assert (offer.source, offer.status, offer.round, offer.academie, offer.level) == (
        OfferSource.RELEASE,
        OfferStatus.PENDING,
        frozen,
        academies()[0],
        "primary",
    )
    assert (offer.offered_at, offer.respond_by) == (RELEASED_AT, DUE)
    assert (offer.contract_start, offer.contract_end) == (
        dt.date(2026, 10, 1),
        dt.date(2027, 4, 30),
    )
    assert offer.contract_months == 7
    assert (offer.monthly_gross_salary, offer.salary_currency) == (Decimal("1036.21"), "EUR")
    assert (offer.overseas_supplement_min_percent, offer.overseas_supplement_max_percent) == (0, 0)
    assert offer.is_open
    far = offer_for(second)
    assert (far.academie, far.level) == (overseas, "secondary")
    assert (far.overseas_supplement_min_percent, far.overseas_supplement_max_percent) == (30, 35)
    assert offer_for(waiting) is None
    assert Offer.objects.count() == 2
    assert AuditEntry.objects.filter(action="offer.make", target_id=str(offer.pk)).exists()


def test_a_campaign_changed_later_does_not_change_an_offer_made(campaign, release):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)

    Campaign.objects.filter(pk=campaign.pk).update(monthly_gross_salary=Decimal("1100.00"))

    assert offer_for(first).monthly_gross_salary == Decimal("1036.21")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_result_e_mail_gives_the_offers_terms_and_deadline(
    campaign, clock, language, mailoutbox, django_capture_on_commit_callbacks
):
    (first,) = dossiers(campaign, {"merit": "90"})
    User.objects.filter(pk=first.candidate_id).update(preferred_language=language)
    frozen = round_freeze(
        selection_round=draft_round(campaign, {0: (1, 0)}, waitlist_size=0), actor=committee()
    )

    with django_capture_on_commit_callbacks(execute=True):
        results_release_start(selection_round=frozen, actor=manager())

    _subject, body, html = only_mail(mailoutbox, first)
    for text in (squash(body), squash(html)):
        assert academies()[0].name in text
        if language == "en":
            assert "Answer by 4 May 2026, 11:59 p.m. Eastern time." in text
            assert "Gross monthly salary: 1,036.21 EUR" in text
            assert "Contract: from 1 October 2026 to 30 April 2027 (7 months)" in text
            assert "the offer lapses and the place goes to the next candidate" in text
        else:
            assert "4 mai 2026" in text
            assert "1\xa0036,21 EUR" in text or "1 036,21 EUR" in text
            assert "1er octobre 2026" in text
    assert "Overseas supplement" not in body


# --- accepting --------------------------------------------------------------------------------


def test_accepting_stores_the_check_confirms_the_passport_and_tells_the_candidate(
    campaign, release, run, private_storage
):
    first, waiting = dossiers(campaign, {"merit": "90"}, {"merit": "70"})
    release({0: (1, 0)}, waitlist_size=1)

    offer = accept(run, first)

    (first,) = fresh(first)
    assert (offer.status, offer.responded_at, offer.passport_confirmed_at) == (
        OfferStatus.ACCEPTED,
        RELEASED_AT,
        RELEASED_AT,
    )
    document = offer.criminal_record
    assert (document.application, document.kind, document.is_current) == (
        first,
        DocumentKind.CRIMINAL_RECORD,
        True,
    )
    assert (document.original_name, document.content_type) == ("casier.pdf", "application/pdf")
    assert document.review_status == DocumentReview.PENDING
    assert document.file.name.startswith(f"dossiers/2026-2027/{first.number}/criminal_record/")
    assert (private_storage / document.file.name).read_bytes() == demo_pdf()
    assert first.status == ApplicationStatus.OFFER_ACCEPTED
    assert first.events.status_changes().last().to_status == ApplicationStatus.OFFER_ACCEPTED
    assert AuditEntry.objects.filter(action="offer.accept", target_id=str(offer.pk)).exists()
    assert len(mails(first, "offer_accepted")) == 1
    assert fresh(waiting)[0].status == ApplicationStatus.WAITLISTED  # nothing freed


@pytest.mark.parametrize(
    ("passport", "upload", "code"),
    [(False, True, "passport"), (True, False, "criminal_record")],
)
def test_accepting_needs_the_passport_and_the_check(campaign, release, run, passport, upload, code):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)

    with pytest.raises(DomainError) as refused:
        run(
            offer_accept,
            offer=offer_for(first),
            actor=first.candidate,
            criminal_record=criminal_record() if upload else None,
            passport_confirmed=passport,
        )

    assert refused.value.code == code
    assert offer_for(first).status == OfferStatus.PENDING
    assert not Document.objects.filter(application=first).exists()
    assert fresh(first)[0].status == ApplicationStatus.PLACED


def test_accepting_refuses_a_file_that_is_not_a_document(campaign, release, run):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)

    with pytest.raises(DomainError) as refused:
        run(
            offer_accept,
            offer=offer_for(first),
            actor=first.candidate,
            criminal_record=SimpleUploadedFile("casier.pdf", b"MZ\x90\x00" * 50),
            passport_confirmed=True,
        )

    assert refused.value.code == "type"
    assert offer_for(first).status == OfferStatus.PENDING


def test_accepting_after_the_deadline_or_someone_elses_offer_is_refused(
    campaign, release, run, clock
):
    first, second = dossiers(campaign, {"merit": "90"}, {"merit": "80"})
    release({0: (2, 0)}, waitlist_size=0)

    with pytest.raises(DomainError) as refused:
        run(
            offer_accept,
            offer=offer_for(first),
            actor=second.candidate,
            criminal_record=criminal_record(),
            passport_confirmed=True,
        )
    assert refused.value.code == "forbidden"

    clock.move_to(DUE + dt.timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        accept(run, first)
    assert refused.value.code == "expired"
    assert offer_for(first).status == OfferStatus.PENDING


def test_an_offer_answered_once_cannot_be_answered_again(campaign, release, run):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    accept(run, first)

    with pytest.raises(DomainError) as refused:
        run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert refused.value.code == "not_pending"
    assert offer_for(first).status == OfferStatus.ACCEPTED


# --- declining and the promotion it triggers --------------------------------------------------


def test_declining_gives_the_place_to_the_first_waitlisted_and_moves_the_list_up(
    campaign, release, run, mailoutbox
):
    first, waiting_1, waiting_2 = dossiers(
        campaign, {"merit": "90"}, {"merit": "70"}, {"merit": "60"}
    )
    frozen = release({0: (1, 0)}, waitlist_size=2)
    assert [a.result_waitlist_position for a in fresh(waiting_1, waiting_2)] == [1, 2]
    mailoutbox.clear()

    declined = run(
        offer_decline, offer=offer_for(first), actor=first.candidate, reason="Un emploi à Ottawa."
    )

    first, waiting_1, waiting_2 = fresh(first, waiting_1, waiting_2)
    assert (declined.status, declined.reason, declined.responded_at) == (
        OfferStatus.DECLINED,
        "Un emploi à Ottawa.",
        RELEASED_AT,
    )
    assert first.status == ApplicationStatus.OFFER_DECLINED
    assert first.events.status_changes().last().note == "Un emploi à Ottawa."
    promoted = offer_for(waiting_1)
    assert (promoted.source, promoted.status, promoted.academie, promoted.level) == (
        OfferSource.PROMOTION,
        OfferStatus.PENDING,
        academies()[0],
        "primary",
    )
    assert promoted.respond_by == DUE  # its own deadline, from the day it is made
    assert (waiting_1.status, waiting_1.result_academie, waiting_1.result_level) == (
        ApplicationStatus.PLACED,
        academies()[0],
        "primary",
    )
    assert waiting_1.result_waitlist_position is None
    assert waiting_2.result_waitlist_position == 1
    assert waiting_2.status == ApplicationStatus.WAITLISTED
    assert log_rows(round=frozen) == [
        (waiting_1.number, PromotionOutcome.OFFERED, PromotionReason.LISTED)
    ]
    row = PromotionLog.objects.get()
    assert (row.freed_offer, row.freed_because, row.offer) == (
        declined,
        OfferStatus.DECLINED,
        promoted,
    )
    assert "Offered the primary place freed in" in en(row.explanation)
    assert "Place en primaire libérée à" in fr(row.explanation)
    assert len(mails(first, "offer_declined")) == 1
    assert len(mails(waiting_1, "offer_made")) == 1
    assert mails(waiting_1, "offer_made")[0].dedup_key == f"offer:{promoted.pk}"
    subject, _body, _html = only_mail(mailoutbox, waiting_1)
    assert (
        "[TAPIF] TAPIF 2026-2027: a place in" in subject
        or waiting_1.candidate.preferred_language == "fr"
    )
    assert AuditEntry.objects.filter(action="offer.promote", target_id=str(declined.pk)).exists()


def test_a_freed_place_goes_to_new_candidates_before_returning_assistants(campaign, release, run):
    first, returning, new = dossiers(
        campaign,
        {"merit": "90"},
        {"merit": "95", "returning": True},  # the best merit, but a returning assistant
        {"merit": "60"},
    )
    release({0: (1, 0)}, waitlist_size=1)
    returning, new = fresh(returning, new)
    assert (new.result_waitlist_position, returning.result_waitlist_position) == (1, 2)

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(new).source == OfferSource.PROMOTION
    assert offer_for(returning) is None
    assert fresh(returning)[0].result_waitlist_position == 1


def test_a_returning_assistant_takes_a_place_no_new_candidate_can(campaign, release, run):
    first, returning, new = dossiers(
        campaign,
        {"merit": "90", "level": "primary"},
        {"merit": "95", "returning": True},
        {"merit": "60", "level": "secondary"},
    )
    frozen = release({0: (1, 0)}, waitlist_size=1)

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(new) is None
    assert (offer_for(returning).academie, offer_for(returning).level) == (
        academies()[0],
        "primary",
    )
    new, returning = fresh(new, returning)
    assert log_rows(round=frozen) == [
        (new.number, PromotionOutcome.SKIPPED, PromotionReason.LEVEL),
        (returning.number, PromotionOutcome.OFFERED, PromotionReason.LISTED),
    ]
    skipped = PromotionLog.objects.get(application=new)
    assert en(skipped.explanation) == (
        "Teaches only at secondary level; the place is at primary level."
    )
    assert fr(skipped.explanation) == "N’enseigne qu’en secondaire ; la place est en primaire."


def test_a_freed_place_goes_first_to_who_listed_the_academie_in_rank_order(campaign, release, run):
    first, elsewhere, listed_late, listed_later = dossiers(
        campaign,
        {"merit": "90", "prefs": (0,)},
        {"merit": "80", "prefs": (1, 2)},  # best-ranked on the list, did not ask for it
        {"merit": "70", "prefs": (2, 0)},
        {"merit": "60", "prefs": (0,)},
    )
    frozen = release({0: (1, 0)}, waitlist_size=3)

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(listed_late).source == OfferSource.PROMOTION
    assert offer_for(elsewhere) is None
    assert offer_for(listed_later) is None
    assert log_rows(round=frozen) == [
        (elsewhere.number, PromotionOutcome.SKIPPED, PromotionReason.NOT_LISTED),
        (listed_late.number, PromotionOutcome.OFFERED, PromotionReason.LISTED),
    ]
    skipped = PromotionLog.objects.get(application=elsewhere)
    name = academies()[0].name
    assert en(skipped.explanation) == (
        f"Did not list {name}; the candidate ranked 3, who did, takes the place."
    )
    # the next place freed in that académie goes to the next who listed it
    run(offer_decline, offer=offer_for(listed_late), actor=listed_late.candidate)
    assert offer_for(listed_later).source == OfferSource.PROMOTION


def test_if_nobody_listed_the_academie_the_best_ranked_whose_level_fits_gets_it(
    campaign, release, run
):
    first, secondary_only, fits = dossiers(
        campaign,
        {"merit": "90", "prefs": (0,)},
        {"merit": "80", "prefs": (1,), "level": "secondary"},
        {"merit": "70", "prefs": (2,), "level": "primary"},
    )
    frozen = release({0: (1, 0)}, waitlist_size=2)

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(fits).academie == academies()[0]
    assert log_rows(round=frozen) == [
        (secondary_only.number, PromotionOutcome.SKIPPED, PromotionReason.LEVEL),
        (fits.number, PromotionOutcome.OFFERED, PromotionReason.LEVEL_FITS),
    ]
    row = PromotionLog.objects.get(application=fits)
    assert "no new candidate who listed" in en(row.explanation)


def test_a_place_nobody_can_take_stays_vacant_and_everyone_is_logged(campaign, release, run):
    first, secondary_only = dossiers(
        campaign, {"merit": "90"}, {"merit": "80", "level": "secondary"}
    )
    frozen = release({0: (1, 0)}, waitlist_size=1)

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(secondary_only) is None
    assert log_rows(round=frozen) == [
        (secondary_only.number, PromotionOutcome.SKIPPED, PromotionReason.LEVEL)
    ]
    assert place_vacancies(frozen)[(academies()[0].code, "primary")] == 1
    assert fresh(secondary_only)[0].result_waitlist_position == 1


def test_candidates_who_declined_or_hold_a_place_are_passed_with_their_reason(
    campaign, release, run
):
    first, second, waiting_1, waiting_2, waiting_3 = dossiers(
        campaign,
        {"merit": "95"},
        {"merit": "90"},
        {"merit": "80"},
        {"merit": "70"},
        {"merit": "60"},
    )
    frozen = release({0: (2, 0)}, waitlist_size=3)
    run(offer_decline, offer=offer_for(first), actor=first.candidate)  # → waiting_1
    run(offer_decline, offer=offer_for(waiting_1), actor=waiting_1.candidate)  # → waiting_2
    run(application_withdraw, application=waiting_2, actor=waiting_2.candidate)  # → waiting_3

    assert offer_for(waiting_3).source == OfferSource.PROMOTION
    last_run = PromotionLog.objects.filter(freed_offer=offer_for(waiting_2)).order_by("position")
    assert [(r.application_id, r.reason) for r in last_run] == [
        (waiting_1.pk, PromotionReason.DECLINED),
        (waiting_2.pk, PromotionReason.WITHDRAWN),
        (waiting_3.pk, PromotionReason.LISTED),
    ]
    # a fourth place freed: nobody waits any more; the promoted candidate is not moved
    run(offer_decline, offer=offer_for(second), actor=second.candidate)
    final = PromotionLog.objects.filter(freed_offer=offer_for(second)).order_by("position")
    assert [r.reason for r in final] == [
        PromotionReason.DECLINED,
        PromotionReason.WITHDRAWN,
        PromotionReason.HOLDS_PLACE,
    ]
    assert Offer.objects.filter(application=waiting_3).count() == 1
    assert PromotionLog.objects.filter(round=frozen).count() == 1 + 2 + 3 + 3


# --- couples ----------------------------------------------------------------------------------


def test_a_couple_together_only_waits_for_two_places_in_one_academie(campaign, release, run):
    first, second, partner_a, partner_b = dossiers(
        campaign, {"merit": "90"}, {"merit": "85"}, {"merit": "70"}, {"merit": "60"}
    )
    couple(partner_a, partner_b, "together_only")
    frozen = release({0: (2, 0)}, waitlist_size=2)

    first_decline = run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(partner_a) is None
    assert offer_for(partner_b) is None
    assert log_rows(freed_offer=first_decline) == [
        (partner_a.number, PromotionOutcome.SKIPPED, PromotionReason.COUPLE_TWO_PLACES),
        (partner_b.number, PromotionOutcome.SKIPPED, PromotionReason.COUPLE_TWO_PLACES),
    ]
    assert place_vacancies(frozen)[(academies()[0].code, "primary")] == 1

    second_decline = run(offer_decline, offer=offer_for(second), actor=second.candidate)

    offers = [offer_for(partner_a), offer_for(partner_b)]
    assert [(o.academie, o.level, o.source) for o in offers] == [
        (academies()[0], "primary", OfferSource.PROMOTION)
    ] * 2
    assert log_rows(freed_offer=second_decline) == [
        (partner_a.number, PromotionOutcome.OFFERED, PromotionReason.LISTED),
        (partner_b.number, PromotionOutcome.OFFERED, PromotionReason.LISTED),
    ]
    assert place_vacancies(frozen)[(academies()[0].code, "primary")] == 0
    assert "together with their partner" in en(
        PromotionLog.objects.get(
            application=partner_a, outcome=PromotionOutcome.OFFERED
        ).explanation
    )


def test_a_couple_who_accept_to_be_apart_is_promoted_one_by_one(campaign, release, run):
    first, partner_a, partner_b = dossiers(
        campaign, {"merit": "90"}, {"merit": "70"}, {"merit": "60"}
    )
    couple(partner_a, partner_b, "together_preferred")
    release({0: (1, 0)}, waitlist_size=2)

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    assert offer_for(partner_a).source == OfferSource.PROMOTION
    assert offer_for(partner_b) is None
    assert fresh(partner_b)[0].result_waitlist_position == 1


# --- lapsing ----------------------------------------------------------------------------------


LAST_INSTANT = DUE + dt.timedelta(seconds=59, microseconds=900_000)  # 23:59:59.9 in Toronto
NEXT_DAY = DUE + dt.timedelta(minutes=1)  # 5 May, 00:00:00 in Toronto


def test_an_offer_made_at_any_hour_is_due_at_the_end_of_the_day_on_the_campaigns_clock(
    campaign,
):
    campaign.offer_response_days = 14
    released = dt.datetime(2026, 4, 20, 10, 23, 41, tzinfo=EASTERN)
    assert offer_deadline(campaign, released) == DUE
    # 23:30 in Vancouver is already the 21st in Toronto: the campaign's clock decides
    late = dt.datetime(2026, 4, 20, 23, 30, tzinfo=ZoneInfo("America/Vancouver"))
    assert offer_deadline(campaign, late) == DUE + dt.timedelta(days=1)
    campaign.time_zone = "America/Vancouver"
    assert offer_deadline(campaign, late) == dt.datetime(
        2026, 5, 4, 23, 59, tzinfo=ZoneInfo("America/Vancouver")
    )


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_accepting_and_declining_both_hold_until_the_last_instant_of_the_deadline_minute(
    campaign, release, run, clock, answer
):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    assert offer_for(first).respond_by == DUE

    clock.move_to(LAST_INSTANT)
    assert run(offers_expire) == {"lapsed": 0, "promoted": 0}
    if answer == "accept":
        accept(run, first)
        assert offer_for(first).status == ACCEPTED
    else:
        run(offer_decline, offer=offer_for(first), actor=first.candidate)
        assert Offer.objects.get(application=first).status == DECLINED


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_accepting_and_declining_are_both_refused_from_the_next_minute(
    campaign, release, run, clock, answer
):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)

    clock.move_to(NEXT_DAY)  # the job has not run yet: the offer is still "pending"

    def answering():
        if answer == "accept":
            accept(run, first)
        else:
            run(offer_decline, offer=offer_for(first), actor=first.candidate)

    with pytest.raises(DomainError) as refused:
        answering()
    assert refused.value.code == "expired"
    assert offer_for(first).status == PENDING
    assert not offer_for(first).is_open
    assert run(offers_expire) == {"lapsed": 1, "promoted": 0}


def test_the_expiry_job_runs_often_enough_that_nothing_lapses_more_than_minutes_late():
    minutes = sorted(settings.CELERY_BEAT_SCHEDULE["expire-offers"]["schedule"].minute)
    gaps = [b - a for a, b in zip(minutes, [*minutes[1:], minutes[0] + 60], strict=True)]
    assert max(gaps) <= 5


def test_an_unanswered_offer_lapses_and_its_place_moves_on_once(
    campaign, release, run, clock, mailoutbox
):
    first, waiting = dossiers(campaign, {"merit": "90"}, {"merit": "70"})
    release({0: (1, 0)}, waitlist_size=1)
    offer = offer_for(first)
    mailoutbox.clear()

    clock.move_to(DUE)  # the deadline itself: still open
    assert run(offers_expire) == {"lapsed": 0, "promoted": 0}
    clock.move_to(DUE + dt.timedelta(minutes=1))
    assert run(offers_expire) == {"lapsed": 1, "promoted": 1}

    offer.refresh_from_db()
    first, waiting = fresh(first, waiting)
    assert offer.status == OfferStatus.LAPSED
    assert first.status == ApplicationStatus.OFFER_DECLINED
    assert first.events.status_changes().last().actor is None
    promoted = offer_for(waiting)
    assert (promoted.source, promoted.respond_by) == (
        OfferSource.PROMOTION,
        DUE + dt.timedelta(days=15),  # made on 5 May at 00:00: due on 19 May
    )
    assert PromotionLog.objects.get().freed_because == OfferStatus.LAPSED
    lapsed_mail = mails(first, "offer_lapsed")
    assert [m.dedup_key for m in lapsed_mail] == [f"offer-lapsed:{offer.pk}"]
    _subject, body, _html = only_mail(mailoutbox, first)
    assert "4 May 2026" in body or "4 mai 2026" in body

    # run again: nothing more lapses, nobody is told twice, no second promotion
    assert run(offers_expire) == {"lapsed": 0, "promoted": 0}
    assert len(mails(first, "offer_lapsed")) == 1
    assert Offer.objects.filter(application=waiting).count() == 1


def test_the_hourly_task_records_its_run(campaign, release, run, clock):
    (_first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    clock.move_to(DUE + dt.timedelta(hours=1))

    assert run(expire_offers) == {"lapsed": 1, "promoted": 0}

    job = JobRun.objects.get(job="offer_expiry")
    assert (job.status, job.summary) == ("done", {"lapsed": 1, "promoted": 0})


def test_a_promoted_offer_lapses_in_turn_and_the_place_moves_to_the_next(
    campaign, release, run, clock
):
    first, waiting_1, waiting_2 = dossiers(
        campaign, {"merit": "90"}, {"merit": "70"}, {"merit": "60"}
    )
    release({0: (1, 0)}, waitlist_size=2)
    run(offer_decline, offer=offer_for(first), actor=first.candidate)
    clock.move_to(RELEASED_AT + dt.timedelta(days=15))

    assert run(offers_expire) == {"lapsed": 1, "promoted": 1}

    assert offer_for(waiting_1).status == OfferStatus.LAPSED
    assert offer_for(waiting_2).status == OfferStatus.PENDING
    assert fresh(waiting_1)[0].status == ApplicationStatus.OFFER_DECLINED


# --- withdrawing ------------------------------------------------------------------------------


def appoint(run, application: Application) -> Offer:
    accept(run, application)
    verifier = staff_with("placements.verify_criminal_record")
    run(
        offer_set_details,
        offer=offer_for(application),
        town="Amiens",
        schools=SCHOOLS,
        actor=verifier,
    )
    return run(offer_verify_criminal_record, offer=offer_for(application), actor=verifier)


def test_a_withdrawal_after_appointment_frees_the_place_for_the_waitlist(campaign, release, run):
    first, waiting = dossiers(campaign, {"merit": "90"}, {"merit": "70"})
    release({0: (1, 0)}, waitlist_size=1)
    offer = appoint(run, first)
    assert fresh(first)[0].status == ApplicationStatus.APPOINTED

    withdrawn = run(
        application_withdraw, application=first, actor=first.candidate, reason="Raisons de santé"
    )

    offer.refresh_from_db()
    assert (offer.status, offer.reason) == (OfferStatus.WITHDRAWN, "Raisons de santé")
    assert offer.appointed_at is not None  # it was appointed, then withdrew
    assert withdrawn.status == ApplicationStatus.WITHDRAWN
    assert withdrawn.events.status_changes().last().note == "Raisons de santé"
    assert offer_for(waiting).source == OfferSource.PROMOTION
    assert PromotionLog.objects.get().freed_because == OfferStatus.WITHDRAWN
    assert len(mails(first, "offer_withdrawn")) == 1
    audit = AuditEntry.objects.get(action="application.withdraw")
    assert audit.data["before"] == ApplicationStatus.APPOINTED


def test_withdrawing_before_answering_declines_the_offer(campaign, release, run):
    first, waiting = dossiers(campaign, {"merit": "90"}, {"merit": "70"})
    release({0: (1, 0)}, waitlist_size=1)

    run(application_withdraw, application=first, actor=first.candidate)

    assert offer_for(first).status == OfferStatus.DECLINED
    assert fresh(first)[0].status == ApplicationStatus.WITHDRAWN
    assert offer_for(waiting).source == OfferSource.PROMOTION


def test_a_waitlisted_candidate_who_withdraws_leaves_the_list_and_those_behind_move_up(
    campaign, release, run
):
    _first, waiting_1, waiting_2, waiting_3 = dossiers(
        campaign, {"merit": "90"}, {"merit": "70"}, {"merit": "60"}, {"merit": "50"}
    )
    release({0: (1, 0)}, waitlist_size=3)

    run(application_withdraw, application=waiting_1, actor=waiting_1.candidate)

    waiting_1, waiting_2, waiting_3 = fresh(waiting_1, waiting_2, waiting_3)
    assert waiting_1.status == ApplicationStatus.WITHDRAWN
    assert [w.result_waitlist_position for w in (waiting_1, waiting_2, waiting_3)] == [
        None,
        1,
        2,
    ]
    assert not PromotionLog.objects.exists()  # no place was freed
    assert len(mails(waiting_1, "offer_withdrawn")) == 1


def test_withdrawing_twice_changes_nothing_and_others_cannot(campaign, release, run):
    first, other = dossiers(campaign, {"merit": "90"}, {"merit": "80"})
    release({0: (2, 0)}, waitlist_size=0)

    with pytest.raises(DomainError) as refused:
        run(application_withdraw, application=first, actor=other.candidate)
    assert refused.value.code == "forbidden"

    run(application_withdraw, application=first, actor=first.candidate)
    run(application_withdraw, application=first, actor=first.candidate)
    assert fresh(first)[0].events.status_changes().filter(to_status="withdrawn").count() == 1
    assert len(mails(first, "offer_withdrawn")) == 1


def test_a_declined_candidate_cannot_withdraw(campaign, release, run):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    with pytest.raises(DomainError) as refused:
        run(application_withdraw, application=first, actor=first.candidate)

    assert refused.value.code == "not_withdrawable"


# --- the académie's details and the appointment -------------------------------------------


@pytest.mark.parametrize("details_first", [True, False])
def test_appointed_once_the_check_is_verified_and_the_schools_set_whichever_comes_last(
    campaign, release, run, details_first, mailoutbox
):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    accept(run, first)
    staff = staff_with("placements.verify_criminal_record", "placements.change_offer")
    steps = [
        lambda: run(
            offer_set_details, offer=offer_for(first), town="Amiens", schools=SCHOOLS, actor=staff
        ),
        lambda: run(offer_verify_criminal_record, offer=offer_for(first), actor=staff),
    ]
    if not details_first:
        steps.reverse()

    steps[0]()
    assert fresh(first)[0].status == ApplicationStatus.OFFER_ACCEPTED
    assert offer_for(first).appointed_at is None
    mailoutbox.clear()
    steps[1]()

    offer = offer_for(first)
    assert offer.appointed_at == RELEASED_AT
    assert fresh(first)[0].status == ApplicationStatus.APPOINTED
    assert offer.town == "Amiens"
    assert [(s.name, s.level) for s in offer.schools.all()] == [
        ("École Jules-Ferry", "primary"),
        ("École Victor-Hugo", "primary"),
    ]
    assert (offer.criminal_record_verified_by, offer.criminal_record.review_status) == (
        staff,
        DocumentReview.ACCEPTED,
    )
    _subject, body, html = only_mail(mailoutbox, first)
    for text in (body, html):
        assert "Amiens" in text
        assert "École Jules-Ferry" in text
        assert "3 rue des Écoles, 80000 Amiens" in text
    assert mails(first, "offer_appointed")[0].dedup_key == f"offer-appointed:{offer.pk}"
    # doing either again changes nothing and sends nothing
    steps[0]()
    steps[1]()
    assert len(mails(first, "offer_appointed")) == 1
    assert AuditEntry.objects.filter(action="offer.appoint").count() == 1


def test_details_are_checked_and_replace_what_was_there(campaign, release, run):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    staff = staff_with("placements.change_offer")
    offer = offer_for(first)

    with pytest.raises(DomainError) as refused:
        run(offer_set_details, offer=offer, town="Amiens", schools=SCHOOLS * 2, actor=staff)
    assert refused.value.code == "too_many_schools"
    with pytest.raises(DomainError) as refused:
        run(
            offer_set_details,
            offer=offer,
            town="Amiens",
            schools=[{"name": "École", "address": "", "level": "primary"}],
            actor=staff,
        )
    assert refused.value.code == "school"
    assert not OfferSchool.objects.exists()

    run(offer_set_details, offer=offer, town="Amiens", schools=SCHOOLS, actor=staff)
    run(offer_set_details, offer=offer, town="Abbeville", schools=SCHOOLS[1:], actor=staff)

    offer.refresh_from_db()
    assert offer.town == "Abbeville"
    assert [s.name for s in offer.schools.all()] == ["École Victor-Hugo"]
    entry = AuditEntry.objects.filter(action="offer.details").order_by("id").last()
    assert entry.data["before"]["town"] == "Amiens"
    assert entry.data["after"]["schools"] == SCHOOLS[1:]
    assert fresh(first)[0].status == ApplicationStatus.PLACED  # not accepted: not appointed


def test_verifying_needs_the_permission_and_an_accepted_offer(campaign, release, run):
    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)

    with pytest.raises(DomainError) as refused:
        run(
            offer_verify_criminal_record,
            offer=offer_for(first),
            actor=staff_with("placements.verify_criminal_record"),
        )
    assert refused.value.code == "not_accepted"
    accept(run, first)
    with pytest.raises(DomainError) as refused:
        run(offer_verify_criminal_record, offer=offer_for(first), actor=StaffFactory())
    assert refused.value.code == "forbidden"
    assert offer_for(first).criminal_record_verified_at is None


# --- the committee's manual offer --------------------------------------------------------------


def test_the_committee_offers_a_place_by_hand_with_a_reason(campaign, release, run, mailoutbox):
    _first, waiting_1, waiting_2 = dossiers(
        campaign, {"merit": "90"}, {"merit": "70"}, {"merit": "60"}
    )
    frozen = release({0: (1, 0)}, waitlist_size=2)
    member = staff_with("placements.offer_place")
    mailoutbox.clear()

    offer = run(
        offer_manual,
        application=waiting_2,
        academie=academies()[1],
        level="secondary",
        actor=member,
        reason="L’académie ouvre un poste supplémentaire.",
    )

    assert (offer.source, offer.created_by, offer.note, offer.academie, offer.level) == (
        OfferSource.MANUAL,
        member,
        "L’académie ouvre un poste supplémentaire.",
        academies()[1],
        "secondary",
    )
    waiting_1, waiting_2 = fresh(waiting_1, waiting_2)
    assert waiting_2.status == ApplicationStatus.PLACED
    assert (waiting_1.result_waitlist_position, waiting_2.result_waitlist_position) == (1, None)
    row = PromotionLog.objects.get(round=frozen)
    assert (row.application, row.outcome, row.reason, row.offer, row.created_by) == (
        waiting_2,
        PromotionOutcome.OFFERED,
        PromotionReason.MANUAL,
        offer,
        member,
    )
    assert "L’académie ouvre un poste supplémentaire." in fr(row.explanation)
    audit = AuditEntry.objects.get(action="offer.manual")
    assert audit.data["vacant_places"] == 0
    assert audit.actor == member
    _subject, body, _html = only_mail(mailoutbox, waiting_2)
    if waiting_2.candidate.preferred_language == "en":
        assert "The selection committee of the TAPIF 2026-2027 programme offers you" in body


@pytest.mark.parametrize(
    ("permitted", "reason", "level", "who", "code"),
    [
        (False, "Poste ouvert", "primary", "waiting", "forbidden"),
        (True, "  ", "primary", "waiting", "reason"),
        (True, "Poste ouvert", "secondary", "primary_only", "level"),
        (True, "Poste ouvert", "primary", "placed", "not_waitlisted"),
    ],
)
def test_a_manual_offer_is_refused_when_it_should_be(
    campaign, release, run, permitted, reason, level, who, code
):
    placed, waiting, primary_only = dossiers(
        campaign, {"merit": "90"}, {"merit": "70"}, {"merit": "60", "level": "primary"}
    )
    release({0: (1, 0)}, waitlist_size=2)
    actor = staff_with("placements.offer_place") if permitted else StaffFactory()
    target = {"waiting": waiting, "primary_only": primary_only, "placed": placed}[who]

    with pytest.raises(DomainError) as refused:
        run(
            offer_manual,
            application=target,
            academie=academies()[0],
            level=level,
            actor=actor,
            reason=reason,
        )

    assert refused.value.code == code
    assert Offer.objects.count() == 1
    assert not PromotionLog.objects.exists()


# --- e-mails in both languages -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_promotion_e_mail_gives_the_place_terms_and_deadline(
    campaign, release, run, mailoutbox, language
):
    first, waiting = dossiers(campaign, {"merit": "90"}, {"merit": "70"})
    User.objects.filter(pk=waiting.candidate_id).update(preferred_language=language)
    release({0: (1, 0)}, waitlist_size=1)
    mailoutbox.clear()

    run(offer_decline, offer=offer_for(first), actor=first.candidate)

    subject, body, html = only_mail(mailoutbox, waiting)
    for text in (squash(body), squash(html)):
        assert academies()[0].name in text
        assert waiting.number in text
        assert f"/{language}/dossier/" in text
        if language == "en":
            assert "it is offered to you (dossier" in text
            assert "Primary" in text
            assert "Answer by 4 May 2026, 11:59 p.m. Eastern time." in text
            assert "Gross monthly salary: 1,036.21 EUR" in text
            assert "valid until 30 October 2027" in text
        else:
            assert "Primaire" in text
            assert "4 mai 2026" in text
            assert "30 octobre 2027" in text
            assert re.search(r"1\s036,21 EUR", text)
    if language == "en":
        assert (
            subject
            == f"[TAPIF] TAPIF 2026-2027: a place in {academies()[0].name} is offered to you"
        )


def test_an_offer_that_cannot_lapse_does_not_stop_the_others(campaign, release, run, clock):
    first, second = dossiers(campaign, {"merit": "90"}, {"merit": "80"})
    release({0: (2, 0)}, waitlist_size=0)
    # a dossier changed behind the services' back: its transition is refused
    Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.NOT_SELECTED)
    clock.move_to(DUE + dt.timedelta(hours=1))

    assert run(offers_expire) == {"lapsed": 1, "promoted": 0}

    assert offer_for(first).status == OfferStatus.PENDING  # rolled back, tried again next hour
    assert offer_for(second).status == OfferStatus.LAPSED


def test_a_rejected_criminal_record_check_is_replaced_then_the_new_one_verified(
    campaign, release, run, mailoutbox
):
    from candidates.choices import DocumentRejection
    from candidates.services import document_reject, document_replace_rejected

    (first,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    accept(run, first)
    staff = staff_with("placements.verify_criminal_record", "placements.change_offer")
    refused_check = offer_for(first).criminal_record

    run(
        document_reject,
        document=refused_check,
        actor=staff,
        reason=DocumentRejection.UNREADABLE,
    )

    assert fresh(first)[0].status == ApplicationStatus.OFFER_ACCEPTED  # the offer still holds
    told = OutboundMessage.objects.get(template="candidates/email/document_rejected")
    assert told.dossier == first.number
    with pytest.raises(DomainError) as refused:
        run(offer_verify_criminal_record, offer=offer_for(first), actor=staff)
    assert refused.value.code == "criminal_record_rejected"

    new_check = run(
        document_replace_rejected,
        application=fresh(first)[0],
        kind=DocumentKind.CRIMINAL_RECORD,
        upload=criminal_record(),
        actor=first.candidate,
    )
    run(offer_set_details, offer=offer_for(first), town="Amiens", schools=SCHOOLS, actor=staff)
    run(offer_verify_criminal_record, offer=offer_for(first), actor=staff)

    offer = offer_for(first)
    assert offer.criminal_record == new_check
    assert Document.objects.get(pk=new_check.pk).review_status == DocumentReview.ACCEPTED
    assert fresh(first)[0].status == ApplicationStatus.APPOINTED


# --- the offer's transition table -------------------------------------------------------------
# An offer's status moves only as `offers.OFFER_TRANSITIONS` allows, through
# `offers.offer_transition`: every allowed move is made by a service (accept, decline, withdraw,
# the hourly lapse), and any other move raises and changes nothing.

PENDING, ACCEPTED, DECLINED = OfferStatus.PENDING, OfferStatus.ACCEPTED, OfferStatus.DECLINED
LAPSED, WITHDRAWN = OfferStatus.LAPSED, OfferStatus.WITHDRAWN


def _accept(run, clock, candidate: Application) -> None:
    accept(run, candidate)


def _decline(run, clock, candidate: Application) -> None:
    run(offer_decline, offer=offer_for(candidate), actor=candidate.candidate)


def _withdraw(run, clock, candidate: Application) -> None:
    run(application_withdraw, application=candidate, actor=candidate.candidate)


def _lapse(run, clock, candidate: Application) -> None:
    clock.move_to(DUE + dt.timedelta(minutes=1))
    run(offers_expire)


def _accept_then_withdraw(run, clock, candidate: Application) -> None:
    accept(run, candidate)
    assert offer_for(candidate).status == ACCEPTED
    _withdraw(run, clock, candidate)


#: Each allowed move, by each service that makes it (from a pending offer made at release).
OFFER_PATHS: dict[str, tuple[tuple[str, str], Callable]] = {
    "offer_accept": ((PENDING, ACCEPTED), _accept),
    "offer_decline": ((PENDING, DECLINED), _decline),
    "application_withdraw, pending": ((PENDING, DECLINED), _withdraw),
    "offers_expire": ((PENDING, LAPSED), _lapse),
    "application_withdraw, accepted": ((ACCEPTED, WITHDRAWN), _accept_then_withdraw),
}
OFFER_ALLOWED = {(a, b) for a, targets in OFFER_TRANSITIONS.items() for b in targets}
OFFER_DISALLOWED = sorted(
    (a, b) for a in OfferStatus.values for b in OfferStatus.values if (a, b) not in OFFER_ALLOWED
)


def test_the_offer_table_covers_every_status_and_every_allowed_move_has_a_service():
    assert set(OFFER_TRANSITIONS) == set(OfferStatus.values)
    assert {pair for pair, _path in OFFER_PATHS.values()} == OFFER_ALLOWED
    assert len(OFFER_DISALLOWED) == 25 - 4


@pytest.mark.parametrize("name", sorted(OFFER_PATHS))
def test_an_allowed_offer_move_goes_through_its_service(campaign, release, run, clock, name):
    (_from_status, to_status), path = OFFER_PATHS[name]
    (candidate,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    offer = offer_for(candidate)
    assert offer.status == PENDING

    path(run, clock, candidate)

    offer.refresh_from_db()
    assert offer.status == to_status


@pytest.fixture
def pending_offer(campaign, release) -> Offer:
    """A pending offer made at release, for one candidate."""
    (candidate,) = dossiers(campaign, {"merit": "90"})
    release({0: (1, 0)}, waitlist_size=0)
    return offer_for(candidate)


@pytest.mark.usefixtures("clock")
def test_an_offer_move_the_table_does_not_allow_raises_and_changes_nothing(pending_offer):
    offer = pending_offer
    for from_status, to_status in OFFER_DISALLOWED:
        Offer.objects.filter(pk=offer.pk).update(status=from_status)
        offer.refresh_from_db()
        before = Offer.objects.filter(pk=offer.pk).values().get()
        audits = AuditEntry.objects.count()

        with translation.override("en"), pytest.raises(DomainError) as error:
            offer_transition(offer=offer, to_status=to_status, reason="Changed my mind")

        assert error.value.code == "transition"
        assert str(error.value) == (
            f"An offer cannot go from “{OfferStatus(from_status).label}” "
            f"to “{OfferStatus(to_status).label}”."
        )
        assert Offer.objects.filter(pk=offer.pk).values().get() == before
        assert AuditEntry.objects.count() == audits


@pytest.mark.usefixtures("clock")
def test_an_offers_refusal_reads_in_french(pending_offer):
    offer = pending_offer
    Offer.objects.filter(pk=offer.pk).update(status=DECLINED)

    with translation.override("fr"), pytest.raises(DomainError) as error:
        offer_transition(offer=offer, to_status=ACCEPTED)

    assert str(error.value) == "Une offre ne peut pas passer de « Refusée » à « Acceptée »."
