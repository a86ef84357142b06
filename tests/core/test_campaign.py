import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from tapif.core.models import Academie, AuditEntry, Campaign
from tapif.core.selectors import campaign_current
from tapif.core.services import campaign_make_current
from tests.factories import EASTERN, CampaignFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_reference_campaign_holds_the_programme_page_values(reference_campaign):
    campaign = reference_campaign
    assert campaign.code == "CA27"
    assert campaign.local(campaign.closes_at).replace(second=0) == dt.datetime(
        2026, 2, 27, 23, 59, tzinfo=EASTERN
    )
    assert campaign.language_test_deadline == dt.date(2026, 2, 20)
    assert (campaign.contract_start, campaign.contract_end) == (
        dt.date(2026, 10, 1),
        dt.date(2027, 4, 30),
    )
    assert campaign.passport_valid_until == dt.date(2027, 10, 30)
    assert (campaign.min_age, campaign.max_age, campaign.max_participations) == (20, 35, 3)
    assert (campaign.fee_amount, campaign.fee_currency) == (Decimal("80.00"), "CAD")
    assert campaign.etransfer_memo_for("CA27-00042") == "TAPIF application fee CA27-00042"
    assert campaign.monthly_gross_salary == Decimal("1036.21")
    assert campaign.contract_months == 7
    assert campaign.age_reference_date == dt.date(2026, 10, 1)


def test_thirty_academies_with_five_overseas():
    assert Academie.objects.count() == 30
    overseas = set(Academie.objects.filter(is_overseas=True).values_list("name", flat=True))
    assert overseas == {"Guadeloupe", "Guyane", "Martinique", "La Réunion", "Mayotte"}
    supplement = set(
        Academie.objects.filter(has_salary_supplement=True).values_list("name", flat=True)
    )
    assert supplement == {"Guadeloupe", "Guyane", "Martinique", "La Réunion"}
    assert Academie.objects.filter(name="Normandie").exists()
    assert not Academie.objects.filter(name__in=["Caen", "Rouen"]).exists()


def test_reference_campaign_is_current_after_migrations(reference_campaign):
    assert campaign_current() == reference_campaign


def test_make_current_moves_the_flag_and_records_who(reference_campaign):
    staff = StaffFactory()
    newer = CampaignFactory()

    campaign_make_current(campaign=newer, actor=staff)

    assert campaign_current() == newer
    assert list(Campaign.objects.filter(is_current=True)) == [newer]
    entry = AuditEntry.objects.get(action="campaign.make_current")
    assert (entry.actor, entry.target_id) == (staff, str(newer.pk))
    assert entry.data == {"previous": ["2026-2027"]}


def test_make_current_twice_changes_nothing(reference_campaign):
    campaign_make_current(campaign=reference_campaign, actor=None)
    assert AuditEntry.objects.count() == 0
    assert campaign_current() == reference_campaign


def test_database_refuses_two_current_campaigns(reference_campaign):
    newer = CampaignFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Campaign.objects.filter(pk=newer.pk).update(is_current=True)


def test_database_refuses_a_window_that_closes_before_it_opens():
    with pytest.raises(IntegrityError), transaction.atomic():
        CampaignFactory(
            opens_at=dt.datetime(2030, 3, 1, tzinfo=EASTERN),
            closes_at=dt.datetime(2030, 2, 1, tzinfo=EASTERN),
        )


@pytest.mark.parametrize(
    ("moment", "is_open", "has_closed"),
    [
        (dt.datetime(2025, 9, 30, 23, 59, tzinfo=EASTERN), False, False),
        (dt.datetime(2025, 10, 1, 0, 0, tzinfo=EASTERN), True, False),
        (dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=EASTERN), True, False),
        (dt.datetime(2026, 2, 28, 0, 0, tzinfo=EASTERN), False, True),
        # 23:30 in Vancouver is already past the close in Toronto.
        (dt.datetime(2026, 2, 27, 21, 30, tzinfo=dt.timezone(dt.timedelta(hours=-8))), False, True),
    ],
)
def test_window_is_judged_in_the_campaign_time_zone(
    reference_campaign, moment, is_open, has_closed
):
    assert reference_campaign.is_open(moment) is is_open
    assert reference_campaign.has_closed(moment) is has_closed


def test_window_uses_the_clock_when_no_moment_is_given(reference_campaign):
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, tzinfo=EASTERN), tick=False):
        assert reference_campaign.is_open()
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, tzinfo=EASTERN), tick=False):
        assert not reference_campaign.is_open()
