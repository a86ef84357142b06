"""Deadlines are whole minutes (issue 24): a close shown as 23:59 takes everything until
23:59:59.999999 on its clock, and the same rule holds wherever a deadline is checked."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from candidates import services as dossier_services
from candidates.choices import DocumentReview
from candidates.models import Document
from tapif.core.exceptions import DomainError
from tapif.core.schedule import deadline_passed, end_of_day, minute_started
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory
from tests.factories import EASTERN

VANCOUVER = ZoneInfo("America/Vancouver")
ST_JOHNS = ZoneInfo("America/St_Johns")


@pytest.mark.parametrize("stored_second", [0, 59])  # typed as 23:59, or stored as 23:59:59
def test_a_deadline_holds_for_the_whole_of_its_minute(stored_second):
    deadline = dt.datetime(2027, 2, 27, 23, 59, stored_second, tzinfo=VANCOUVER)
    last = dt.datetime(2027, 2, 27, 23, 59, 59, 999_999, tzinfo=VANCOUVER)
    assert not deadline_passed(deadline, dt.datetime(2027, 2, 27, 23, 59, tzinfo=VANCOUVER))
    assert not deadline_passed(deadline, last)
    assert not deadline_passed(deadline, last.astimezone(dt.UTC))
    assert deadline_passed(deadline, last + dt.timedelta(microseconds=1))
    assert deadline_passed(deadline, dt.datetime(2027, 2, 28, 8, 0, 0, tzinfo=dt.UTC))


def test_a_half_hour_zone_keeps_whole_minutes():
    deadline = dt.datetime(2027, 2, 27, 23, 59, tzinfo=ST_JOHNS)
    assert not deadline_passed(deadline, dt.datetime(2027, 2, 28, 3, 29, 59, 900_000, dt.UTC))
    assert deadline_passed(deadline, dt.datetime(2027, 2, 28, 3, 30, tzinfo=dt.UTC))
    assert minute_started(dt.datetime(2027, 1, 1, 3, 29, 59, 1, tzinfo=dt.UTC)) == dt.datetime(
        2027, 1, 1, 3, 29, tzinfo=dt.UTC
    )


def test_the_end_of_a_day_is_2359_on_that_clock_even_on_the_day_summer_time_starts():
    assert end_of_day(dt.date(2027, 3, 14), VANCOUVER) == dt.datetime(
        2027, 3, 15, 6, 59, tzinfo=dt.UTC
    )
    assert end_of_day(dt.date(2027, 1, 4), VANCOUVER) == dt.datetime(
        2027, 1, 5, 7, 59, tzinfo=dt.UTC
    )


@pytest.fixture
def closing(reference_campaign, campaign_open, private_storage):
    """The current campaign closing at 23:59 on 27 February 2026 (as staff type it), and a
    complete dossier ready to submit."""
    reference_campaign.closes_at = dt.datetime(2026, 2, 27, 23, 59, tzinfo=EASTERN)
    reference_campaign.save(update_fields=["closes_at"])
    return complete_dossier(ApplicationFactory())


def test_a_submission_in_the_last_half_second_of_the_close_is_accepted(closing, campaign_open):
    campaign_open.move_to(dt.datetime(2026, 2, 27, 23, 59, 59, 500_000, tzinfo=EASTERN))
    submitted = dossier_services.application_submit(application=closing, actor=closing.candidate)
    assert submitted.submitted_at is not None
    assert closing.campaign.is_open()


def test_a_submission_at_midnight_is_refused(closing, campaign_open):
    campaign_open.move_to(dt.datetime(2026, 2, 28, 0, 0, 0, tzinfo=EASTERN))
    assert closing.campaign.has_closed()
    with pytest.raises(DomainError):
        dossier_services.application_submit(application=closing, actor=closing.candidate)


def test_a_correction_window_holds_until_the_end_of_its_minute():
    until = dt.datetime(2026, 3, 13, 14, 7, 31, tzinfo=EASTERN)  # shown as 14:07
    document = Document(review_status=DocumentReview.REJECTED, replaceable_until=until)
    assert document.may_be_replaced(at=dt.datetime(2026, 3, 13, 14, 7, 59, 999_999, EASTERN))
    assert not document.may_be_replaced(at=dt.datetime(2026, 3, 13, 14, 8, tzinfo=EASTERN))
