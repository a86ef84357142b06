"""The selection committee's pages under /admin/committee/ (issue 7): rounds, the ranked list
(preview for a draft round, stored rows for a frozen one), per académie, couples, CSV and PDF."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from candidates.choices import CouplePreference, CoupleStatus
from candidates.models import Assets, Couple
from placements.models import Placement, RankEntry
from placements.services import round_freeze
from selection.services import criteria_ensure
from tapif.core.roles import AUDITOR, PROGRAMME_MANAGER
from tests.factories import StaffFactory
from tests.placements.test_rounds import (
    academies,
    committee,
    draft_round,
    log_in,
    member_of,
    reviewed_dossiers,
)
from tests.words import en, fr

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def campaign(reference_campaign):
    criteria_ensure(reference_campaign)
    return reference_campaign


def url(name: str, selection_round=None) -> str:
    args = [selection_round.pk] if selection_round is not None else []
    return reverse(f"committee:{name}", args=args)


@pytest.fixture
def round_of_four(campaign):
    """Four dossiers (merits 90, 80, 70, 60) for 1 primary + 1 secondary place at the first
    académie and a waitlist of 1: two accepted, one waitlisted, one not selected."""
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70", "60"])
    selection_round = draft_round(campaign, {0: (1, 1)}, waitlist_size=1)
    return selection_round, dossiers


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["round", "academies", "couples", "export_csv", "export_pdf"])
def test_round_pages_forbidden_without_the_view_permission(client, round_of_four, name):
    selection_round, _dossiers = round_of_four
    log_in(client, StaffFactory())

    assert client.get(url(name, selection_round)).status_code == 403


def test_index_forbidden_without_the_view_permission_and_login_required(client):
    assert client.get(url("index")).status_code == 302  # to the admin's login
    log_in(client, StaffFactory())
    assert client.get(url("index")).status_code == 403


@pytest.mark.parametrize("role", [PROGRAMME_MANAGER, AUDITOR])
def test_other_roles_holding_the_view_permission_may_read(client, round_of_four, role):
    selection_round, dossiers = round_of_four
    log_in(client, member_of(role))

    assert dossiers[0].number in page(client.get(url("round", selection_round)))


def test_pages_refuse_post(client, round_of_four):
    selection_round, _dossiers = round_of_four
    log_in(client, committee())

    assert client.post(url("round", selection_round)).status_code == 405


# --- rounds ------------------------------------------------------------------------------------


def test_index_lists_the_current_campaigns_rounds(client, round_of_four):
    selection_round, _dossiers = round_of_four
    log_in(client, committee())

    content = page(client.get(url("index")))

    assert url("round", selection_round) in content
    assert "Draft" in content


# --- the ranked list ---------------------------------------------------------------------------


def test_draft_round_shows_the_live_preview_and_saves_nothing(client, round_of_four):
    selection_round, dossiers = round_of_four
    log_in(client, committee())

    response = client.get(url("round", selection_round))

    content = page(response)
    assert "Preview — nothing saved" in content
    rows = response.context["rows"]
    assert [item["row"].number for item in rows] == [d.number for d in dossiers]
    assert [item["row"].rank for item in rows] == [1, 2, 3, 4]
    assert [item["row"].decision for item in rows] == [
        "accepted",
        "accepted",
        "waitlisted",
        "not_selected",
    ]
    assert {item["row"].academie_name for item in rows[:2]} == {academies()[0].name}
    assert str(rows[0]["row"].merit) == "90.00"
    assert rows[0]["explanation"] == en(rows[0]["row"].explanation_messages)
    assert rows[0]["explanation"].startswith("Rank 1 of 4. Accepted. Placed in ")
    assert {code: n for _label, code, n in response.context["counts"]} == {
        "accepted": 2,
        "waitlisted": 1,
        "not_selected": 1,
        "ineligible": 0,
    }
    assert "P0 N0" in content
    assert "Waitlisted (no. 1)" in content
    assert not RankEntry.objects.exists()
    assert not Placement.objects.exists()


def test_frozen_round_shows_the_stored_rows_without_preview(client, round_of_four):
    selection_round, dossiers = round_of_four
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    # Reviews changing after the freeze do not change what the round shows.
    reviewed_dossiers(frozen.campaign, ["99"])
    log_in(client, committee())

    response = client.get(url("round", frozen))

    content = page(response)
    assert "Preview — nothing saved" not in content
    assert frozen.snapshot_sha256 in content
    rows = [item["row"] for item in response.context["rows"]]
    assert [row.number for row in rows] == [d.number for d in dossiers]
    stored = Placement.objects.get(round=frozen, application=dossiers[0])
    assert (rows[0].academie_name, rows[0].level, rows[0].explanation_messages) == (
        stored.academie.name,
        stored.level,
        stored.explanation,
    )
    assert rows[0].explanation("en") == en(stored.explanation)
    assert rows[0].explanation("fr") == fr(stored.explanation)
    assert rows[2].waitlist_position == 1


def test_frozen_list_takes_a_fixed_number_of_queries(client, campaign):
    """One query for the rows whatever their number: 1 and 6 dossiers cost the same."""
    counts = []
    for merits in (["90"], ["90", "85", "80", "75", "70", "65"]):
        selection_round = draft_round(campaign, {0: (1, 1)})
        reviewed_dossiers(campaign, merits)
        frozen = round_freeze(selection_round=selection_round, actor=committee())
        log_in(client, committee())
        with CaptureQueriesContext(connection) as queries:
            page(client.get(url("round", frozen)))
        counts.append(len(queries))
        frozen.status = "superseded"
        frozen.save(update_fields=["status"])
    assert counts[0] == counts[1]


def test_list_filters_by_decision_level_academie_and_search(client, round_of_four):
    selection_round, dossiers = round_of_four
    log_in(client, committee())
    target = url("round", selection_round)

    def numbers(**query) -> list[str]:
        return [item["row"].number for item in client.get(target, query).context["rows"]]

    assert numbers(decision="accepted") == [dossiers[0].number, dossiers[1].number]
    assert numbers(decision="waitlisted") == [dossiers[2].number]
    assert numbers(academie=academies()[0].code) == [dossiers[0].number, dossiers[1].number]
    assert len(numbers(level="primary")) == 1
    assert numbers(q=dossiers[3].number.lower()) == [dossiers[3].number]
    assert numbers(q="p2 n2") == [dossiers[2].number]
    assert numbers(decision="nonsense") == [d.number for d in dossiers]  # unknown: ignored
    assert numbers(couples="1") == []


def couple(first, second, preference=CouplePreference.TOGETHER_PREFERRED) -> Couple:
    return Couple.objects.create(
        proposer=first,
        partner=second,
        partner_email=second.candidate.email,
        preference=preference,
        status=CoupleStatus.CONFIRMED,
        confirmed_at=timezone.now(),
    )


def test_couples_only_filter_keeps_both_partners(client, round_of_four):
    selection_round, dossiers = round_of_four
    couple(dossiers[0], dossiers[3])
    log_in(client, committee())

    response = client.get(url("round", selection_round), {"couples": "1"})

    assert [item["row"].number for item in response.context["rows"]] == [
        dossiers[0].number,
        dossiers[3].number,
    ]
    assert f"couple with {dossiers[3].number}" in page(response)


# --- per académie ------------------------------------------------------------------------------


def _academie_rows(response) -> dict:
    return {row.code: row for row in response.context["academies"]}


def test_academies_preview_shows_places_demand_and_cut_offs(client, round_of_four):
    selection_round, _dossiers = round_of_four
    first, second, _third = academies()
    log_in(client, committee())

    response = client.get(url("academies", selection_round))

    content = page(response)
    assert "Preview — nothing saved" in content
    rows = _academie_rows(response)
    row = rows[first.code]
    assert (row.places, row.filled) == (
        {"primary": 1, "secondary": 1},
        {"primary": 1, "secondary": 1},
    )
    assert (row.first_choice_requests, row.any_choice_requests) == (4, 4)
    assert str(row.ratio) == "2.00"
    assert sorted(row.cutoff_rank.values()) == [1, 2]
    assert rows[second.code].first_choice_requests == 0
    assert rows[second.code].any_choice_requests == 4
    assert rows[second.code].ratio is None  # no places
    assert first.name in content


def test_academies_frozen_matches_the_preview(client, round_of_four):
    selection_round, _dossiers = round_of_four
    log_in(client, committee())
    before = _academie_rows(client.get(url("academies", selection_round)))
    frozen = round_freeze(selection_round=selection_round, actor=committee())

    response = client.get(url("academies", frozen))

    assert "Preview — nothing saved" not in page(response)
    assert _academie_rows(response) == before


def test_academies_of_a_different_school_level(client, campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80"])
    first, second, _third = academies()
    Assets.objects.filter(application=dossiers[1]).update(
        academie_1=second, academie_2=first, school_level="primary"
    )
    selection_round = draft_round(campaign, {0: (0, 1), 1: (1, 0)})
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    log_in(client, committee())

    rows = _academie_rows(client.get(url("academies", frozen)))

    assert rows[first.code].filled == {"primary": 0, "secondary": 1}
    assert rows[first.code].cutoff_rank == {"primary": None, "secondary": 1}
    assert rows[second.code].filled == {"primary": 1, "secondary": 0}
    assert rows[second.code].cutoff_rank == {"primary": 2, "secondary": None}
    assert (rows[first.code].first_choice_requests, rows[second.code].first_choice_requests) == (
        1,
        1,
    )


# --- couples -----------------------------------------------------------------------------------


def test_couples_page_shows_both_partners_and_the_outcome(client, campaign):
    dossiers = reviewed_dossiers(campaign, ["90", "80", "70"])
    selection_round = draft_round(campaign, {0: (1, 2)})
    couple(dossiers[1], dossiers[0])
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    log_in(client, committee())

    response = client.get(url("couples", frozen))

    content = page(response)
    (item,) = response.context["couples"]
    assert (item["couple"].first.number, item["couple"].second.number) == (
        dossiers[0].number,
        dossiers[1].number,
    )
    assert item["couple"].together is True
    assert item["preference"] == "Together preferred"
    assert "Couple placed together" in item["flags"]
    assert dossiers[2].number not in content
    assert ">Yes<" in content


def test_couples_page_without_couples(client, round_of_four):
    selection_round, _dossiers = round_of_four
    log_in(client, committee())

    assert "No confirmed couple in this round." in page(client.get(url("couples", selection_round)))


# --- exports -----------------------------------------------------------------------------------


def test_csv_export_is_the_filtered_list_with_a_bom(client, round_of_four):
    selection_round, dossiers = round_of_four
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    log_in(client, committee())

    response = client.get(url("export_csv", frozen), {"decision": "accepted"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert (
        f'filename="committee-{frozen.campaign.code}-round-{frozen.number}.csv"'
        in (response["Content-Disposition"])
    )
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Rank", "Dossier", "Candidate", "Merit score", "Decision"]
    assert [row[:5] for row in rows[1:]] == [
        ["1", dossiers[0].number, "P0 N0", "90.00", "Accepted"],
        ["2", dossiers[1].number, "P1 N1", "80.00", "Accepted"],
    ]
    assert {row[6] for row in rows[1:]} == {academies()[0].name}
    assert rows[1][10] == en(
        Placement.objects.get(round=frozen, application=dossiers[0]).explanation
    )


def test_pdf_export_has_the_header_and_the_ranked_list(client, round_of_four, private_storage):
    """Stored as an issued letter: on local storage it is streamed (on S3 the answer is a
    redirect to a signed address, as for every letter)."""
    from pypdf import PdfReader

    selection_round, dossiers = round_of_four
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    log_in(client, committee())

    response = client.get(url("export_pdf", frozen))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    flat = "".join(text.split())
    assert frozen.snapshot_sha256 in flat
    assert "P0 N0" in text
    assert dossiers[3].number in text
    assert "".join(academies()[0].name.split()) in flat
    assert "Frozen" in text
    assert str(frozen.campaign.school_year) in text


def test_on_s3_the_pdf_export_is_a_private_object_behind_a_signed_redirect(
    client, round_of_four, s3_bucket
):
    from urllib.parse import parse_qs, urlsplit

    from pypdf import PdfReader

    from tests.conftest import BUCKET

    selection_round, _dossiers = round_of_four
    frozen = round_freeze(selection_round=selection_round, actor=committee())
    log_in(client, committee())

    response = client.get(url("export_pdf", frozen))

    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert "X-Amz-Signature" in parse_qs(location.query)
    (key,) = [o["Key"] for o in s3_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert location.path == f"/{BUCKET}/{key}"
    grants = s3_bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [g["Permission"] for g in grants] == ["FULL_CONTROL"]  # the owner only
    stored = s3_bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages)
    assert frozen.snapshot_sha256 in "".join(text.split())


def test_the_ranked_list_is_shown_a_page_at_a_time_keeping_the_filters(
    client, round_of_four, monkeypatch
):
    from placements import views

    monkeypatch.setattr(views, "RANKED_LIST_PAGE_SIZE", 3)
    selection_round, dossiers = round_of_four
    log_in(client, committee())
    target = url("round", selection_round)
    first = client.get(target, {"decision": "", "page": "1"})
    assert [item["row"].number for item in first.context["rows"]] == [
        d.number for d in dossiers[:3]
    ]
    html = page(first)
    assert "Page 1 of 2" in html or "Page 1 sur 2" in html
    assert 'href="?decision=&amp;page=2" rel="next"' in html
    second = client.get(target, {"page": "2"})
    assert [item["row"].number for item in second.context["rows"]] == [dossiers[3].number]
    assert "4 candidates shown of 4" in page(second) or "4 candidats" in page(second)
