"""The offer pages' situation (`placements.selectors.offer_situation`): the candidate's situation
with their offer's state, read by the offer pages instead of comparing statuses."""

from __future__ import annotations

import pytest
from django.utils import translation

from candidates.selectors import candidate_situation, dossier_load
from placements.offers import offer_for
from placements.selectors import OfferState, offer_situation
from tests.placements import test_offer_pages
from tests.placements.test_offer_pages import page

# The released round of the offer pages' tests (fixtures).
campaign, clock, released = (
    test_offer_pages.campaign,
    test_offer_pages.clock,
    test_offer_pages.released,
)

pytestmark = [pytest.mark.django_db]


def _situation(application):
    dossier = dossier_load(application.pk)
    with translation.override("en"):
        return offer_situation(
            dossier, offer=offer_for(dossier), candidate=candidate_situation(dossier)
        )


def test_an_open_offer_and_a_waiting_list_place(client, released):
    offered = _situation(released.first)
    assert offered.state == OfferState.OPEN
    assert (offered.title, offered.awaiting_answer, offered.may_answer) == (
        "Your offer",
        True,
        True,
    )
    assert (offered.holds_place, offered.shows_withdraw) == (False, False)
    assert offered.candidate.may_withdraw is True

    waiting = _situation(released.waiting_1)
    assert waiting.state == OfferState.WAITLISTED
    assert (waiting.title, waiting.may_answer, waiting.shows_withdraw) == (
        "The waiting list",
        False,
        True,
    )
    assert waiting.withdraw_text.startswith("If you no longer wish to be offered a place")

    response = page(client, released.waiting_1.candidate)
    assert response.context["offer_situation"] == waiting
    html = response.content.decode()
    assert f"<h1>{waiting.title}</h1>" in html
    assert waiting.withdraw_text in html


def test_nothing_to_show_to_a_candidate_not_selected(client, released):
    assert _situation(released.not_selected).state is None
    assert page(client, released.not_selected.candidate).status_code == 302
