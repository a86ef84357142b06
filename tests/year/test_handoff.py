"""The hand-off to académies: each académie's assistants and the national file, in CSV, .xlsx
and PDF, from a frozen round only; the pages and the command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zlib

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from candidates.choices import CoupleStatus
from candidates.models import Couple, Identity
from placements.choices import OfferSource, OfferStatus
from placements.handoff import ACADEMIE_COLUMNS, ALL_COLUMNS, COLUMNS, handoff_file, handoff_rows
from placements.models import Offer, OfferSchool
from placements.services import round_freeze
from tapif.core.exceptions import DomainError
from tests.factories import StaffFactory
from tests.placements.test_rounds import academies, committee, draft_round, reviewed_dossiers

pytestmark = pytest.mark.django_db


def offer(application, academie, status=OfferStatus.ACCEPTED, level="primary"):
    campaign = application.campaign
    now = timezone.now()
    return Offer.objects.create(
        application=application,
        round=application._round,
        academie=academie,
        level=level,
        source=OfferSource.RELEASE,
        status=status,
        offered_at=now - dt.timedelta(days=2),
        respond_by=now + dt.timedelta(days=5),
        contract_start=campaign.contract_start,
        contract_end=campaign.contract_end,
        monthly_gross_salary=campaign.monthly_gross_salary,
        salary_currency=campaign.salary_currency,
        town="Caen" if status == OfferStatus.ACCEPTED else "",
    )


@pytest.fixture
def handed(reference_campaign):
    """A frozen round: two assistants in the first académie (a couple, one with schools), one
    in the second, one offer declined."""
    dossiers = reviewed_dossiers(reference_campaign, ["90", "80", "70", "60"])
    frozen = round_freeze(
        selection_round=draft_round(reference_campaign, {0: (2, 2), 1: (2, 2)}), actor=committee()
    )
    first, second, _third = academies()
    names = [("Zoé", "Ouellet"), ("Marc", "Bélanger"), ("Ann", "Smith"), ("Lee", "Wong")]
    for dossier, (given, family) in zip(dossiers, names, strict=True):
        dossier._round = frozen
        Identity.objects.create(
            application=dossier,
            legal_first_names=given,
            legal_last_name=family,
            date_of_birth=dt.date(2000, 1, 2),
            phone="613 555 0100",
        )
    kept = offer(dossiers[0], first)
    OfferSchool.objects.create(offer=kept, name="École Jules-Ferry", address="1 rue X, Caen")
    offer(dossiers[1], first, status=OfferStatus.PENDING, level="secondary")
    offer(dossiers[2], second)
    offer(dossiers[3], second, status=OfferStatus.DECLINED)
    Couple.objects.create(
        proposer=dossiers[0],
        partner=dossiers[1],
        partner_email=dossiers[1].candidate.email,
        preference="together_only",
        status=CoupleStatus.CONFIRMED,
    )
    return frozen, dossiers, first, second


def pdf_streams(content: bytes) -> list[bytes]:
    """The PDF's streams, uncompressed (its catalogue sits in a compressed object stream)."""
    found = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.S):
        try:
            found.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return found


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_academie_csv_lists_its_assistants_with_the_documented_columns(handed):
    frozen, dossiers, first, _second = handed

    content, name = handoff_file(
        selection_round=frozen, academie=first, file_format="csv", language="en"
    )

    rows = rows_of(content)
    assert name == f"tapif-2026-2027-{first.code}.csv"
    assert rows[0] == [str(COLUMNS[key].heading) for key in ACADEMIE_COLUMNS]
    assert rows[1] == [
        dossiers[0].number,
        "Ouellet",
        "Zoé",
        dossiers[0].candidate.email,
        "613 555 0100",
        "Primary",
        "2026-10-01",
        "2027-04-30",
        "Accepted",
        dossiers[1].number,
        "Caen",
        "École Jules-Ferry, 1 rue X, Caen",
    ]
    assert rows[2][:2] == [dossiers[1].number, "Bélanger"]
    assert rows[2][8:10] == ["Awaiting the answer", dossiers[0].number]
    assert len(rows) == 3


def test_national_file_holds_every_assistant_holding_a_place_in_french(handed):
    frozen, dossiers, first, second = handed

    content, _name = handoff_file(
        selection_round=frozen, academie=None, file_format="csv", language="fr"
    )

    rows = rows_of(content)
    assert len(rows[0]) == len(ALL_COLUMNS)
    assert rows[0][0] == "Numéro de candidat"
    numbers = [row[0] for row in rows[1:]]
    assert sorted(numbers) == sorted(d.number for d in dossiers[:3])  # not the declined offer
    assert {row[8] for row in rows[1:]} == {first.name, second.name}


def test_xlsx_opens_as_a_spreadsheet_with_the_same_rows(handed):
    from openpyxl import load_workbook

    frozen, _dossiers, first, _second = handed
    csv_rows = rows_of(
        handoff_file(selection_round=frozen, academie=first, file_format="csv", language="en")[0]
    )

    content, name = handoff_file(
        selection_round=frozen, academie=first, file_format="xlsx", language="en"
    )

    sheet = load_workbook(io.BytesIO(content)).active
    values = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert name.endswith(".xlsx")
    assert values == csv_rows


def test_pdf_is_a_tagged_pdf(handed):
    frozen, _dossiers, first, _second = handed

    content, _name = handoff_file(
        selection_round=frozen, academie=first, file_format="pdf", language="fr"
    )

    assert content.startswith(b"%PDF")
    catalogue = b"".join(pdf_streams(content))
    assert b"/StructTreeRoot" in catalogue  # tagged: its structure is readable
    assert b"/Lang (fr)" in catalogue


def test_a_draft_round_is_not_handed_off(reference_campaign):
    from placements.handoff import handoff_round

    draft = draft_round(reference_campaign, {0: (1, 1)})
    with pytest.raises(DomainError, match="Only a frozen round"):
        handoff_round(draft.pk)


def test_rows_are_read_in_a_fixed_number_of_queries(handed, django_assert_num_queries):
    frozen, *_ = handed
    with django_assert_num_queries(3):  # offers, schools, couples
        rows = handoff_rows(selection_round=frozen)
    assert len(rows) == 3


def test_command_writes_the_file(handed, tmp_path):
    frozen, _dossiers, first, _second = handed
    target = tmp_path / "out.xlsx"
    call_command(
        "academie_handoff",
        "--round",
        str(frozen.pk),
        "--academie",
        first.code,
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    assert target.read_bytes().startswith(b"PK")
    with pytest.raises(CommandError):
        call_command("academie_handoff", "--round", str(frozen.pk), "--academie", "nowhere")


def test_pages_list_the_academies_and_serve_the_files(client, handed):
    frozen, dossiers, first, _second = handed
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Programme manager"))
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = client.get(f"/admin/committee/{frozen.pk}/handoff/").content.decode()
    assert first.name in page
    assert f"/admin/committee/{frozen.pk}/handoff/{first.code}.xlsx" in page

    response = client.get(f"/admin/committee/{frozen.pk}/handoff/{first.code}.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert dossiers[0].number in response.content.decode("utf-8-sig")
