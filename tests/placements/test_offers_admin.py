"""Offers in the admin (issue 9): the list and its filters, an offer's page with its facts read
only and the académie's town and schools recorded through the service, "Verify the criminal
record check", the committee's "Offer a place to a waitlisted candidate…" and who may use it,
and the read-only promotion log."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from candidates.choices import ApplicationStatus
from placements.admin import OfferAdmin
from placements.choices import OfferSource, OfferStatus, PromotionReason
from placements.models import Offer, OfferSchool, PromotionLog
from placements.offers import offer_decline, offer_for
from tapif.core.models import AuditEntry
from tests.factories import StaffFactory
from tests.placements import test_offers
from tests.placements.test_offers import SCHOOLS, accept, dossiers, fresh, staff_with
from tests.placements.test_rounds import academies, log_in

pytestmark = [pytest.mark.django_db]

# The offers tests' fixtures: a released round on a fixed day, services run with their e-mails.
campaign = test_offers.campaign
clock = test_offers.clock
run = test_offers.run
release = test_offers.release

OFFERS = "/admin/placements/offer/"
LOG = "/admin/placements/promotionlog/"
OFFER_PLACE = "/admin/placements/offer/offer-place/"

VIEW = ("placements.view_offer", "placements.view_promotionlog", "candidates.view_document")


def text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def change_url(offer: Offer) -> str:
    return reverse("admin:placements_offer_change", args=[offer.pk])


def details_post(offer: Offer, town: str, schools: list[dict], *, existing: int = 0) -> dict:
    data = {
        "town_entry": town,
        "schools-TOTAL_FORMS": str(len(schools)),
        "schools-INITIAL_FORMS": str(existing),
        "schools-MIN_NUM_FORMS": "0",
        "schools-MAX_NUM_FORMS": "3",
    }
    for index, school in enumerate(schools):
        for key, value in school.items():
            data[f"schools-{index}-{key}"] = value
        data[f"schools-{index}-offer"] = str(offer.pk)
    return data


@pytest.fixture
def placed(campaign, release, run):
    """Two placed (their offers pending), two on the waitlist."""
    made = dossiers(campaign, {"merit": "90"}, {"merit": "80"}, {"merit": "70"}, {"merit": "60"})
    frozen = release({0: (1, 0), 1: (0, 1)}, waitlist_size=2)
    return frozen, fresh(*made)


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_each_offer_with_its_status_and_filters(client, placed):
    _frozen, (first, second, _waiting_1, _waiting_2) = placed
    log_in(client, staff_with(*VIEW))

    page = client.get(OFFERS)

    assert page.status_code == 200
    body = text(page)
    assert first.number in body
    assert second.number in body
    assert "Awaiting the answer" in body
    filters = {str(spec.title) for spec in page.context["cl"].filter_specs}
    assert {"status", "offered by", "académie", "school level"} <= filters
    searched = text(client.get(OFFERS, {"q": second.number}))
    assert second.number in searched
    assert first.number not in searched
    by_name = text(client.get(OFFERS, {"q": first.candidate.last_name}))
    assert first.number in by_name
    assert text(client.get(OFFERS, {"status__exact": "accepted"})).count(first.number) == 0


def test_each_row_opens_its_offer_and_the_number_its_dossier(client, placed):
    _frozen, (first, *_rest) = placed
    offer = Offer.objects.get(application=first)
    log_in(client, staff_with(*VIEW))

    html = client.get(OFFERS).content.decode()

    name = first.candidate.get_full_name()
    assert re.search(rf'<a href="{change_url(offer)}[^"]*">{re.escape(name)}</a>', html)
    dossier = reverse("admin:candidates_application_change", args=[first.pk])
    assert f'<a href="{dossier}">{first.number}</a>' in html
    assert not re.search(r"<a [^>]*>\s*<a ", html)  # no link nested in another (an empty one)


def test_offer_words_agree_in_french_and_a_withdrawn_offer_asks_no_check(client, placed):
    _frozen, (first, second, *_rest) = placed
    accepted = Offer.objects.get(application=first)
    Offer.objects.filter(pk=accepted.pk).update(status=OfferStatus.ACCEPTED)
    withdrawn = Offer.objects.get(application=second)
    Offer.objects.filter(pk=withdrawn.pk).update(status=OfferStatus.WITHDRAWN)
    for offer in (accepted, withdrawn):
        offer.refresh_from_db()
    with translation.override("fr"):
        assert str(OfferStatus.ACCEPTED.label) == "Acceptée"
        assert str(OfferStatus.DECLINED.label) == "Refusée"
    model_admin = OfferAdmin(Offer, None)
    withdrawn.criminal_record_id = accepted.criminal_record_id = -1  # a check to look at
    assert model_admin.check_display(accepted) == "To verify"
    assert model_admin.check_display(withdrawn) == "—"


def test_the_list_reads_a_fixed_number_of_queries(client, campaign, release, run):
    dossiers(campaign, *({"merit": str(90 - i)} for i in range(6)))
    release({0: (3, 0), 1: (0, 3)}, waitlist_size=0)
    log_in(client, staff_with(*VIEW))
    client.get(OFFERS)  # warm the session and the content types

    with CaptureQueriesContext(connection) as six:
        assert client.get(OFFERS).status_code == 200
    Offer.objects.filter(pk__in=list(Offer.objects.values_list("pk", flat=True)[:5])).delete()
    with CaptureQueriesContext(connection) as one:
        assert client.get(OFFERS).status_code == 200

    assert len(six) == len(one)


# --- an offer's page --------------------------------------------------------------------------


def test_the_offer_page_shows_its_facts_and_records_town_and_schools_through_the_service(
    client, placed, run
):
    _frozen, (first, *_rest) = placed
    accept(run, first)
    offer = offer_for(first)
    staff = staff_with(*VIEW, "placements.change_offer")
    log_in(client, staff)

    body = text(client.get(change_url(offer)))
    assert first.number in body
    assert "1,036.21 EUR" in body
    assert "casier.pdf" in body
    assert "To verify" in body
    assert reverse("candidates:document_download", kwargs={"pk": offer.criminal_record_id}) in (
        client.get(change_url(offer)).content.decode()
    )

    response = client.post(change_url(offer), details_post(offer, "Amiens", SCHOOLS))

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.town == "Amiens"
    assert [s.name for s in offer.schools.all()] == ["École Jules-Ferry", "École Victor-Hugo"]
    entry = AuditEntry.objects.get(action="offer.details")
    assert (entry.actor, entry.data["after"]["town"]) == (staff, "Amiens")
    assert fresh(first)[0].status == ApplicationStatus.OFFER_ACCEPTED  # not verified yet


def test_more_schools_than_allowed_are_refused_on_the_form(client, placed):
    _frozen, (first, *_rest) = placed
    offer = offer_for(first)
    log_in(client, staff_with(*VIEW, "placements.change_offer"))
    four = [*SCHOOLS, *SCHOOLS]

    data = details_post(offer, "Amiens", four)
    data["schools-MAX_NUM_FORMS"] = "1000"
    response = client.post(change_url(offer), data)

    assert response.status_code == 200
    assert "An assistant works in at most 3 schools." in text(response) or (
        "Please submit at most 3 forms." in text(response)
    )
    assert not OfferSchool.objects.exists()
    assert Offer.objects.get(pk=offer.pk).town == ""


def test_staff_without_the_change_permission_see_the_offer_read_only(client, placed):
    _frozen, (first, *_rest) = placed
    offer = offer_for(first)
    log_in(client, staff_with(*VIEW))

    page = client.get(change_url(offer))
    refused = client.post(change_url(offer), details_post(offer, "Amiens", SCHOOLS))

    assert page.status_code == 200
    assert 'name="town_entry"' not in page.content.decode()
    assert refused.status_code == 403
    assert Offer.objects.get(pk=offer.pk).town == ""


def test_a_declined_offer_is_read_only_even_for_staff_who_may_change_offers(client, placed, run):
    _frozen, (first, *_rest) = placed
    run(offer_decline, offer=offer_for(first), actor=first.candidate)
    log_in(client, staff_with(*VIEW, "placements.change_offer"))

    page = client.get(change_url(offer_for(first)))

    assert page.status_code == 200
    assert 'name="town_entry"' not in page.content.decode()


# --- verifying the criminal record check ----------------------------------------------------


def test_verifying_the_check_from_the_list_appoints_once_the_schools_are_set(client, placed, run):
    _frozen, (first, second, *_rest) = placed
    accept(run, first)
    offer = offer_for(first)
    staff = staff_with(*VIEW, "placements.change_offer", "placements.verify_criminal_record")
    log_in(client, staff)
    client.post(change_url(offer), details_post(offer, "Amiens", SCHOOLS))

    response = client.post(
        OFFERS,
        {
            "action": "verify_criminal_record",
            "_selected_action": [str(offer.pk), str(offer_for(second).pk)],
            "index": "0",
        },
        follow=True,
    )

    body = text(response)
    assert "1 criminal record check verified." in body
    assert f"{second.number}: Only an accepted offer" in body
    offer.refresh_from_db()
    assert offer.criminal_record_verified_by == staff
    assert offer.appointed_at is not None
    assert fresh(first)[0].status == ApplicationStatus.APPOINTED


def test_the_verify_action_is_offered_only_with_its_permission(client, placed):
    log_in(client, staff_with(*VIEW))

    form = client.get(OFFERS).context["action_form"]
    names = set() if form is None else {n for n, _label in form.fields["action"].choices if n}

    assert "verify_criminal_record" not in names


# --- "Offer a place to…" ----------------------------------------------------------------------


def test_the_committee_offers_a_place_by_hand_from_the_admin(client, placed, mailoutbox):
    _frozen, (_first, _second, waiting_1, waiting_2) = placed
    member = staff_with(*VIEW, "placements.offer_place")
    log_in(client, member)

    listing = client.get(OFFERS).content.decode()
    assert f'href="{OFFER_PLACE}"' in listing
    form_page = client.get(OFFER_PLACE, {"academie": academies()[2].pk, "level": "primary"})
    assert form_page.status_code == 200
    choices = [label for _value, label in form_page.context["form"].fields["application"].choices]
    assert [c.split(" · ")[0] for c in choices if c and "·" in c] == [
        waiting_1.number,
        waiting_2.number,
    ]
    assert "No place of the round is vacant now." in text(form_page)

    missing = client.post(
        OFFER_PLACE,
        {
            "round": form_page.context["selection_round"].pk,
            "application": waiting_2.pk,
            "academie": academies()[2].pk,
            "level": "primary",
            "reason": "   ",
        },
    )
    assert missing.status_code == 200
    assert not Offer.objects.filter(application=waiting_2).exists()

    done = client.post(
        OFFER_PLACE,
        {
            "round": form_page.context["selection_round"].pk,
            "application": waiting_2.pk,
            "academie": academies()[2].pk,
            "level": "primary",
            "reason": "Poste ajouté par l’académie",
        },
    )

    offer = offer_for(waiting_2)
    assert done.status_code == 302
    assert done["Location"] == change_url(offer)
    assert (offer.source, offer.academie, offer.created_by, offer.note) == (
        OfferSource.MANUAL,
        academies()[2],
        member,
        "Poste ajouté par l’académie",
    )
    assert PromotionLog.objects.get().reason == PromotionReason.MANUAL
    assert fresh(waiting_1)[0].result_waitlist_position == 1


def test_only_staff_allowed_to_offer_places_reach_the_form(client, placed):
    _frozen, (_first, _second, waiting_1, _waiting_2) = placed
    log_in(client, staff_with(*VIEW))

    assert OFFER_PLACE not in client.get(OFFERS).content.decode()
    assert client.get(OFFER_PLACE).status_code == 403
    posted = client.post(
        OFFER_PLACE,
        {
            "application": waiting_1.pk,
            "academie": academies()[0].pk,
            "level": "primary",
            "reason": "x",
        },
    )
    assert posted.status_code == 403
    assert not Offer.objects.filter(application=waiting_1).exists()


def test_non_staff_are_sent_to_log_in(client, placed):
    _frozen, (first, *_rest) = placed
    client.force_login(first.candidate)

    assert client.get(OFFER_PLACE).status_code == 302
    assert client.get(OFFERS).status_code == 302


# --- the promotion log ------------------------------------------------------------------------


def test_the_promotion_log_lists_every_candidate_considered_read_only(
    client, campaign, release, run
):
    first, secondary_only, fits = dossiers(
        campaign,
        {"merit": "90"},
        {"merit": "80", "level": "secondary"},
        {"merit": "70"},
    )
    release({0: (1, 0)}, waitlist_size=2)
    declined = run(offer_decline, offer=offer_for(first), actor=first.candidate)
    log_in(client, staff_with(*VIEW))

    page = client.get(LOG)

    body = text(page)
    assert secondary_only.number in body
    assert fits.number in body
    assert "Teaches only at secondary level; the place is at primary level." in body
    assert f"{first.number} ( Declined )" in body or f"{first.number} (Declined)" in body
    run_id = PromotionLog.objects.first().run_id
    assert client.get(LOG, {"run_id": str(run_id)}).status_code == 200
    assert client.get(LOG, {"freed_offer__id__exact": declined.pk}).status_code == 200
    row = PromotionLog.objects.first()
    assert (
        client.post(reverse("admin:placements_promotionlog_change", args=[row.pk])).status_code
        == 403
    )
    assert client.get(reverse("admin:placements_promotionlog_add")).status_code == 403
    assert offer_for(fits).status == OfferStatus.PENDING


def test_a_staff_member_without_the_view_permission_cannot_read_offers(client, placed):
    log_in(client, StaffFactory())

    assert client.get(OFFERS).status_code == 403
    assert client.get(LOG).status_code == 403


def test_the_promotion_log_filters_by_what_freed_the_place(client, campaign, release, run):
    first, second, waiting_1, waiting_2 = dossiers(
        campaign, {"merit": "90"}, {"merit": "85"}, {"merit": "70"}, {"merit": "60"}
    )
    release({0: (2, 0)}, waitlist_size=2)
    run(offer_decline, offer=offer_for(first), actor=first.candidate)
    accept(run, second)
    run(test_offers.application_withdraw, application=second, actor=second.candidate)
    log_in(client, staff_with(*VIEW))

    page = client.get(LOG, {"freed_because": "declined"})
    withdrawn = client.get(LOG, {"freed_because": "withdrawn"})

    choices = [c["display"] for c in page.context["cl"].filter_specs[2].choices(page.context["cl"])]
    assert [str(c) for c in choices] == [
        "All",
        "Declined",
        "Lapsed (no answer in time)",
        "Withdrawn after accepting",
    ]
    assert list(page.context["cl"].result_list.values_list("application_id", flat=True)) == [
        waiting_1.pk
    ]
    assert sorted(
        withdrawn.context["cl"].result_list.values_list("application_id", "reason")
    ) == sorted([(waiting_1.pk, "holds_place"), (waiting_2.pk, "listed")])
    assert offer_for(waiting_2).source == OfferSource.PROMOTION
