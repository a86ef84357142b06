"""Next year's campaign in one action: settings copied, dates a year later, criteria and
quotas copied by their apps' contributors; the admin action and the command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from placements.models import Quota, SelectionRound
from placements.services import round_create
from selection.models import Criterion, CriterionLevel
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie, AuditEntry, Campaign
from tapif.core.rollover import code_next, date_next_year, moment_next_year, school_year_next
from tests.factories import EASTERN, StaffFactory

pytestmark = pytest.mark.django_db


def test_pure_helpers_shift_a_year():
    assert school_year_next("2026-2027") == "2027-2028"
    assert code_next("CA27") == "CA28"
    assert code_next("X09") == "X10"
    assert date_next_year(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)
    # 23:59 in Toronto stays 23:59 in Toronto, whatever daylight saving does.
    summer = dt.datetime(2026, 7, 1, 23, 59, tzinfo=EASTERN)
    assert moment_next_year(summer, EASTERN) == dt.datetime(2027, 7, 1, 23, 59, tzinfo=EASTERN)


def test_rollover_copies_settings_with_dates_a_year_later(reference_campaign):
    source = reference_campaign
    source.fee_amount = Decimal("85.00")
    source.deadline_reminder_days = "10,3"
    source.retention_draft_days = 45
    source.evaluator_reminder_max = 2
    source.save()
    staff = StaffFactory()

    target = Campaign.objects.get(pk=_rollover(source, staff).pk)

    assert (target.school_year, target.code, target.is_current) == ("2027-2028", "CA28", False)
    assert target.local(target.closes_at).replace(second=0) == dt.datetime(
        2027, 2, 27, 23, 59, tzinfo=EASTERN
    )
    assert target.opens_at.astimezone(EASTERN).date() == date_next_year(
        source.opens_at.astimezone(EASTERN).date()
    )
    assert target.language_test_deadline == dt.date(2027, 2, 20)
    assert (target.contract_start, target.contract_end) == (
        dt.date(2027, 10, 1),
        dt.date(2028, 4, 30),
    )
    assert target.passport_valid_until == dt.date(2028, 10, 30)
    assert target.results_release_date == date_next_year(source.results_release_date)
    assert target.fee_amount == Decimal("85.00")
    assert target.deadline_reminder_days == "10,3"
    assert target.retention_draft_days == 45
    assert target.evaluator_reminder_max == 2
    assert target.max_participations == source.max_participations
    entry = AuditEntry.objects.get(action="campaign.rollover")
    assert entry.actor == staff
    assert entry.data["from"] == "2026-2027"


def _rollover(source, actor):
    from tapif.core.rollover import campaign_rollover

    return campaign_rollover(campaign=source, actor=actor)


def test_rollover_copies_criteria_weights_rubric_and_quotas(reference_campaign):
    source = reference_campaign
    criterion = Criterion.objects.create(
        campaign=source, code="project", typed_label="Projet", weight=Decimal("2.50"), position=7
    )
    CriterionLevel.objects.create(criterion=criterion, points=4, typed_descriptor="Clair")
    selection_round = round_create(campaign=source, actor=None, waitlist_size=12)
    academies = list(Academie.objects.order_by("code")[:2])
    Quota.objects.create(round=selection_round, academie=academies[0], primary=3, secondary=1)
    Quota.objects.create(round=selection_round, academie=academies[1], primary=0, secondary=4)
    before = {
        (c.code, c.typed_label, c.weight, c.position)
        for c in Criterion.objects.filter(campaign=source)
    }

    target = _rollover(source, None)

    after = {
        (c.code, c.typed_label, c.weight, c.position)
        for c in Criterion.objects.filter(campaign=target)
    }
    assert after == before
    copied = Criterion.objects.get(campaign=target, code="project")
    assert [(lv.points, lv.typed_descriptor) for lv in copied.levels.all()] == [(4, "Clair")]
    draft = SelectionRound.objects.get(campaign=target)
    assert (draft.number, draft.status, draft.waitlist_size) == (1, "draft", 12)
    assert {(q.academie_id, q.primary, q.secondary) for q in Quota.objects.filter(round=draft)} == {
        (academies[0].pk, 3, 1),
        (academies[1].pk, 0, 4),
    }
    entry = AuditEntry.objects.get(action="campaign.rollover")
    assert entry.data["copied"]["placements"] == {"rounds": 1, "quotas": 2}
    assert entry.data["copied"]["selection"]["criteria"] == len(before)


def test_rollover_refuses_a_year_that_exists(reference_campaign):
    _rollover(reference_campaign, None)
    with pytest.raises(DomainError, match="2027-2028 campaign exists already"):
        _rollover(reference_campaign, None)
    assert Campaign.objects.filter(school_year="2027-2028").count() == 1


def test_command_prepares_next_year(reference_campaign, capsys):
    call_command("campaign_rollover", "CA27")
    assert "2027-2028 (CA28)" in capsys.readouterr().out
    assert Campaign.objects.filter(code="CA28", is_current=False).exists()
    with pytest.raises(CommandError):
        call_command("campaign_rollover", "CA27")
    with pytest.raises(CommandError):
        call_command("campaign_rollover", "NOPE")


def test_admin_action_prepares_next_year_for_a_programme_manager(client, reference_campaign):
    from django.contrib.auth.models import Group

    manager = StaffFactory()
    manager.groups.add(Group.objects.get(name="Programme manager"))
    client.force_login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"

    response = client.post(
        "/admin/core/campaign/",
        {"action": "prepare_next_year", "_selected_action": [str(reference_campaign.pk)]},
        follow=True,
    )

    target = Campaign.objects.get(school_year="2027-2028")
    assert "The 2027-2028 campaign is prepared" in response.content.decode()
    assert f"/admin/core/campaign/{target.pk}/change/" in response.content.decode()
