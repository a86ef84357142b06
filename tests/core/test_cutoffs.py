"""Académie cut-offs (issue 7): recorded by each frozen round, read by next year's candidates
on section 5 ("How competitive each académie was last year")."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from candidates.models import Assets
from placements.services import round_cutoffs, round_freeze
from selection.services import criteria_ensure
from tapif.core.exceptions import DomainError
from tapif.core.models import AcademieCutoff, AuditEntry, Campaign
from tapif.core.selectors import cutoffs_of_previous_campaign
from tapif.core.services import CutoffRow, cutoffs_record
from tests.candidates.factories import ApplicationFactory
from tests.factories import CampaignFactory, SuperuserFactory
from tests.placements.test_rounds import academies, committee, draft_round, reviewed_dossiers
from tests.words import cells

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def campaign(reference_campaign) -> Campaign:
    criteria_ensure(reference_campaign)
    return reference_campaign


def row(academie, level="primary", places=2, last=5, first=7, any_=9) -> CutoffRow:
    return CutoffRow(
        academie_id=academie.pk,
        level=level,
        places=places,
        last_rank_placed=last,
        first_choice_requests=first,
        any_choice_requests=any_,
    )


def shape(campaign) -> set[tuple]:
    return set(
        AcademieCutoff.objects.filter(campaign=campaign).values_list(
            "academie__code",
            "level",
            "places",
            "last_rank_placed",
            "first_choice_requests",
            "any_choice_requests",
        )
    )


# --- the service -------------------------------------------------------------------------------


def test_cutoffs_record_replaces_the_campaigns_rows(campaign):
    first, second, _third = academies()
    other = CampaignFactory(years=-1)
    cutoffs_record(other, [row(first, last=40)])
    cutoffs_record(campaign, [row(first), row(first, "secondary", 1, None, 3, 4)])

    cutoffs_record(campaign, [row(second, places=3, last=12)])

    assert shape(campaign) == {(second.code, "primary", 3, 12, 7, 9)}
    assert shape(other) == {(first.code, "primary", 2, 40, 7, 9)}  # other campaigns untouched
    assert AuditEntry.objects.filter(action="campaign.cutoffs_record").count() == 3


def test_cutoffs_record_refuses_a_bad_row_and_keeps_the_old_ones(campaign):
    first, second, _third = academies()
    cutoffs_record(campaign, [row(first)])
    with pytest.raises(DomainError):
        cutoffs_record(campaign, [row(second), row(second)])
    with pytest.raises(DomainError):
        cutoffs_record(campaign, [row(second, level="either")])
    assert shape(campaign) == {(first.code, "primary", 2, 5, 7, 9)}


def test_database_keeps_one_cutoff_per_academie_and_level(campaign):
    first, *_ = academies()
    cutoffs_record(campaign, [row(first)])
    with pytest.raises(IntegrityError), transaction.atomic():
        AcademieCutoff.objects.create(campaign=campaign, academie=first, level="primary", places=1)


# --- computed by the freeze --------------------------------------------------------------------


def test_round_freeze_records_places_requests_and_last_rank_placed(campaign):
    a, b, c = academies()
    d1, d2, d3, d4 = reviewed_dossiers(campaign, ["90", "80", "70", "60"])
    for dossier, level, prefs in (
        (d1, "primary", (a, b, c)),
        (d2, "secondary", (a, b, c)),
        (d3, "secondary", (b, a, None)),
        (d4, "primary", (c, None, None)),
    ):
        Assets.objects.filter(application=dossier).update(
            school_level=level, academie_1=prefs[0], academie_2=prefs[1], academie_3=prefs[2]
        )
    selection_round = draft_round(campaign, {0: (1, 1), 1: (0, 1), 2: (0, 0)})

    frozen = round_freeze(selection_round=selection_round, actor=committee())

    assert shape(campaign) == {
        (a.code, "primary", 1, 1, 1, 1),  # d1
        (a.code, "secondary", 1, 2, 1, 2),  # d2 placed; d2 and d3 asked
        (b.code, "secondary", 1, 3, 1, 2),  # d3 placed (first choice); d2 asked it second
    }  # no row for a level without places (b primary, c)
    assert {(r.academie_id, r.level, r.last_rank_placed) for r in round_cutoffs(frozen)} == {
        (a.pk, "primary", 1),
        (a.pk, "secondary", 2),
        (b.pk, "secondary", 3),
    }


def test_a_place_nobody_took_has_no_last_rank(campaign):
    reviewed_dossiers(campaign, ["90"])  # either level: takes one of a's two places
    round_freeze(selection_round=draft_round(campaign, {0: (1, 1)}), actor=committee())
    rows = {level: last for _code, level, _p, last, _f, _a in shape(campaign)}
    assert sorted(rows.values(), key=lambda v: v is None) == [1, None]


# --- the selector ------------------------------------------------------------------------------


def test_previous_campaign_cutoffs_only(campaign):
    first, second, _third = academies()
    assert cutoffs_of_previous_campaign(campaign) == []
    assert cutoffs_of_previous_campaign(None) == []
    cutoffs_record(campaign, [row(first)])  # this year's own round: not "last year"
    assert cutoffs_of_previous_campaign(campaign) == []

    older = CampaignFactory(years=-2)
    cutoffs_record(older, [row(first, last=99)])
    last_year = CampaignFactory(years=-1)
    cutoffs_record(last_year, [row(second, "secondary"), row(first, "secondary"), row(first)])

    rows = cutoffs_of_previous_campaign(campaign)
    assert {r.campaign for r in rows} == {last_year}
    names = [(r.academie.name, r.level) for r in rows]
    assert names == sorted(names)
    assert len(rows) == 3


# --- the candidate's section 5 -----------------------------------------------------------------


@pytest.mark.usefixtures("campaign_open")
def test_section_five_shows_last_years_table_once_it_exists(client, campaign):
    first, second, _third = academies()
    application = ApplicationFactory()
    client.force_login(application.candidate)
    html = cells(client.get("/en/dossier/assets/").content.decode())
    assert "How competitive each académie was last year" not in html

    last_year = CampaignFactory(years=-1)
    cutoffs_record(
        last_year,
        [
            row(first, places=4, last=17, first=31),
            row(second, "secondary", places=2, last=None, first=1),
        ],
    )
    html = cells(client.get("/en/dossier/assets/").content.decode())
    assert "How competitive each académie was last year" in html
    assert f"Selection {last_year.school_year}" in html
    assert '<th scope="col">Rank of the last candidate placed</th>' in html
    assert f'<th scope="row">{first.name}</th>' in html
    for cell in ("<td>4</td>", "<td>31</td>", "<td>17</td>"):
        assert cell in html
    assert "nobody placed" in html

    assert client.get("/fr/dossier/assets/").status_code == 200


def test_cutoffs_admin_is_read_only(client, campaign):
    first, *_ = academies()
    cutoffs_record(campaign, [row(first)])
    client.force_login(SuperuserFactory())
    url = "/admin/core/academiecutoff/"
    assert client.get(url).status_code == 200
    assert client.get(url + "add/").status_code == 403
    cutoff = AcademieCutoff.objects.get()
    page = client.get(f"{url}{cutoff.pk}/change/")
    assert page.status_code == 200
    assert b'name="places"' not in page.content
