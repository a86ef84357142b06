"""The campaign's dashboard: each figure's numbers checked against a direct query; the page
draws each chart with its table, and each figure downloads as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from candidates.choices import DossierEventKind
from candidates.models import Application, Assets, DossierEvent, Identity, Studies
from evaluations.models import EvaluationRequest
from placements.dashboard import dashboard_figures
from placements.models import Quota
from placements.services import round_create
from tapif.core.models import Academie, AcademieCutoff, Institution, User
from tests.factories import EASTERN, CampaignFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 2, 10, 12, tzinfo=EASTERN)


def moment(day: int) -> dt.datetime:
    return dt.datetime(2026, 1, day, 10, tzinfo=EASTERN)


@pytest.fixture
def campaign_data(reference_campaign):
    campaign = reference_campaign
    first, second, third = Academie.objects.filter(is_active=True).order_by("code")[:3]
    university = Institution.objects.filter(status="approved").first()
    statuses = ["draft", "draft", "submitted", "complete", "eligible", "reviewed", "accepted"]
    dossiers = []
    for index, status in enumerate(statuses):
        user = User.objects.create(
            email=f"dash{index}@example.ca", kind="candidate", date_joined=moment(1 + index)
        )
        dossier = Application.objects.create(
            campaign=campaign,
            candidate=user,
            number=f"DB-{index:05d}",
            status=status,
            created_at=moment(2 + index),
            submitted_at=moment(10 + index) if status != "draft" else None,
            payment_status=["", "declared", "verified"][index % 3],
            french_level=["", "B2", "C1"][index % 3],
            french_level_source=["", "evaluation", "official_test"][index % 3],
        )
        dossiers.append(dossier)
        if index % 2 == 0:
            Identity.objects.create(application=dossier, province=["ON", "QC"][index % 4 // 2])
        if index % 3 == 0:
            Studies.objects.create(application=dossier, institution=university)
        Assets.objects.create(
            application=dossier,
            academie_1=[first, second][index % 2],
            academie_2=third if index % 2 else None,
        )
    # The history: each dossier reached its statuses on successive days.
    order = ["complete", "eligible", "reviewed", "accepted"]
    for dossier in dossiers:
        if dossier.status in order:
            for step, status in enumerate(order[: order.index(dossier.status) + 1]):
                DossierEvent.objects.create(
                    application=dossier,
                    kind=DossierEventKind.STATUS_CHANGED,
                    from_status="submitted",
                    to_status=status,
                    created_at=moment(20 + step),
                )
    requests = [(3, "invited"), (10, "opened"), (40, "invited"), (5, "submitted")]
    for dossier, (days, status) in zip(dossiers[2:], requests, strict=False):
        EvaluationRequest.objects.create(
            application=dossier,
            evaluator_name="Prof",
            evaluator_email=f"p{days}@example.ca",
            relationship="current_professor",
            language="fr",
            status=status,
            sent_at=NOW - dt.timedelta(days=days),
            token_expires_at=NOW + dt.timedelta(days=30),
        )
    draft = round_create(campaign=campaign, actor=None)
    Quota.objects.create(round=draft, academie=first, primary=2, secondary=1)
    previous = CampaignFactory(years=-1)
    AcademieCutoff.objects.create(
        campaign=previous, academie=first, level="primary", places=3, last_rank_placed=17
    )
    return campaign, dossiers, (first, second, third)


def table(figures, key):
    return next(f for f in figures if f.key == key)


def test_each_number_matches_a_direct_query(campaign_data):
    campaign, _dossiers, (first, second, third) = campaign_data
    figures = dashboard_figures(campaign=campaign, now=NOW)
    in_campaign = Application.objects.filter(campaign=campaign)

    funnel = dict(table(figures, "funnel").rows)
    assert (
        funnel["Accounts"]
        == User.objects.filter(kind="candidate", date_joined__gte=campaign.opens_at).count()
    )
    assert funnel["Dossiers started"] == in_campaign.count() == 7
    assert funnel["Submitted"] == in_campaign.filter(submitted_at__isnull=False).count() == 5
    for label, status in [
        ("Complete", "complete"),
        ("Eligible", "eligible"),
        ("Reviewed", "reviewed"),
        ("Accepted", "accepted"),
        ("Appointed", "appointed"),
    ]:
        assert funnel[label] == (
            DossierEvent.objects.filter(application__campaign=campaign, to_status=status)
            .values("application")
            .distinct()
            .count()
        ), label
    assert funnel["Complete"] == 4

    by_day = table(figures, "funnel_by_day")
    assert by_day.rows[-1][0] == "2026-02-10"
    assert by_day.rows[-1][1:] == list(funnel.values())  # cumulated to today
    day_12 = next(row for row in by_day.rows if row[0] == "2026-01-12")
    assert day_12[3] == in_campaign.filter(submitted_at__lte=moment(12)).count() == 1
    assert next(label for _day, label in by_day.markers) == "Applications close"

    provinces = dict(table(figures, "provinces").rows)
    assert (
        provinces["ON"]
        == Identity.objects.filter(application__campaign=campaign, province="ON").count()
    )
    assert provinces["QC"] == Identity.objects.filter(province="QC").count()
    assert provinces["Not given"] == in_campaign.filter(identity__isnull=True).count()

    universities = dict(table(figures, "universities").rows)
    university = Studies.objects.filter(application__campaign=campaign).first().institution
    assert (
        universities[university.name]
        == Studies.objects.filter(application__campaign=campaign, institution=university).count()
    )

    french = {(row[0], row[1]): row[2] for row in table(figures, "french").rows}
    assert (
        french["B2", "the professor's evaluation"]
        == in_campaign.filter(french_level="B2", french_level_source="evaluation").count()
    )
    assert (
        french["C1", "the verified official test"] == in_campaign.filter(french_level="C1").count()
    )

    evaluations = dict(table(figures, "evaluations").rows)
    pending = EvaluationRequest.objects.filter(status__in=["invited", "opened"])
    assert (
        evaluations["0 to 7 days"]
        == pending.filter(sent_at__gte=NOW - dt.timedelta(days=7)).count()
        == 1
    )
    assert evaluations["8 to 14 days"] == 1
    assert (
        evaluations["31 days or more"]
        == pending.filter(sent_at__lt=NOW - dt.timedelta(days=30)).count()
        == 1
    )

    payments = dict(table(figures, "payments").rows)
    assert payments["No fee declared"] == in_campaign.filter(payment_status="").count()
    assert payments["Verified"] == in_campaign.filter(payment_status="verified").count()
    assert payments["Declared"] == in_campaign.filter(payment_status="declared").count()

    academies = {row[0]: row[1:] for row in table(figures, "academies").rows}
    submitted_assets = Assets.objects.filter(application__campaign=campaign).exclude(
        application__status="draft"
    )
    assert academies[first.name][0] == submitted_assets.filter(academie_1=first).count()
    assert academies[third.name][1] == submitted_assets.filter(academie_2=third).count()
    assert academies[first.name][2] == 3  # the draft round's 2 + 1 places
    assert academies[first.name][3] == 17  # last year's last rank placed, primary
    assert academies[second.name][3] == "—"


def test_page_draws_each_figure_with_its_table_and_csv(client, campaign_data):
    campaign, _dossiers, _academies = campaign_data
    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Programme manager"))
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "fr"

    home = client.get("/admin/").content.decode()
    assert "/admin/committee/dashboard/" in home

    page = client.get("/admin/committee/dashboard/").content.decode()
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 8
    assert "Dossiers par province" in page
    assert "<caption>" in page

    response = client.get(f"/admin/committee/dashboard/payments.csv?campaign={campaign.pk}")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Frais", "Dossiers"]
    verified = Application.objects.filter(campaign=campaign, payment_status="verified").count()
    assert ["Vérifié", str(verified)] in rows


def test_the_funnel_by_day_runs_from_the_opening_to_the_contracts_end(campaign_data):
    campaign, _dossiers, _academies = campaign_data
    later = timezone.now() + dt.timedelta(days=1000)
    by_day = table(dashboard_figures(campaign=campaign, now=later), "funnel_by_day")
    assert by_day.rows[0][0] == campaign.opens_at.astimezone(campaign.zone).date().isoformat()
    assert by_day.rows[-1][0] == campaign.contract_end.isoformat()
