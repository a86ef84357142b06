"""The reminders' calendar (tapif.core.schedule): examples, then properties over many days."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tapif.core.schedule import days_until, follow_up_due, local_date, reminder_stage

EASTERN = ZoneInfo("America/Toronto")
VANCOUVER = ZoneInfo("America/Vancouver")

day_lists = st.lists(st.integers(min_value=0, max_value=365), max_size=6, unique=True)


# --- local_date, days_until ---------------------------------------------------------------------


def test_local_date_is_the_day_in_the_zone_not_in_utc():
    moment = dt.datetime(2026, 2, 14, 3, 30, tzinfo=dt.UTC)  # 22:30 on the 13th in Toronto
    assert local_date(moment, EASTERN) == dt.date(2026, 2, 13)
    assert local_date(moment, dt.UTC) == dt.date(2026, 2, 14)


def test_local_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        local_date(dt.datetime(2026, 2, 14, 9), EASTERN)  # noqa: DTZ001 (the case under test)


def test_days_until_counts_calendar_days_whatever_the_hour():
    closes = dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=EASTERN)
    morning = dt.datetime(2026, 2, 13, 9, tzinfo=EASTERN)
    late_evening = dt.datetime(2026, 2, 13, 23, 30, tzinfo=EASTERN)
    for now in (morning, late_evening):
        assert days_until(local_date(closes, EASTERN), local_date(now, EASTERN)) == 14
    assert days_until(dt.date(2026, 2, 27), dt.date(2026, 2, 28)) == -1


@given(
    st.datetimes(
        min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001 (hypothesis bounds are naive)
        max_value=dt.datetime(2035, 1, 1),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    )
)
def test_local_date_agrees_with_the_zone_for_any_moment(moment):
    assert local_date(moment, VANCOUVER) == moment.astimezone(VANCOUVER).date()
    # Vancouver is never ahead of Toronto: its day is the same or the one before.
    assert (local_date(moment, EASTERN) - local_date(moment, VANCOUVER)).days in (0, 1)


# --- reminder_stage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "stage"),
    [
        (30, None),
        (15, None),
        (14, 14),
        (13, 14),  # the 14-day reminder missed yesterday goes out today
        (8, 14),
        (7, 7),
        (3, 7),
        (2, 2),
        (1, 2),
        (0, 2),  # the closing day itself
        (-1, None),  # closed
    ],
)
def test_reminder_stage_with_the_default_days(days_left, stage):
    assert reminder_stage(days_left, [14, 7, 2]) == stage


def test_reminder_stage_reads_the_days_in_any_order_and_none_without_days():
    assert reminder_stage(5, [2, 14, 7]) == 7
    assert reminder_stage(5, []) is None


@given(st.integers(min_value=-400, max_value=400), day_lists)
def test_reminder_stage_is_a_configured_day_not_before_today(days_left, days_before):
    stage = reminder_stage(days_left, days_before)
    if stage is None:
        assert days_left < 0 or all(day < days_left for day in days_before)
    else:
        assert stage in days_before
        assert stage >= days_left >= 0
        # The closest such stage: no configured day lies between today and it.
        assert not [day for day in days_before if days_left <= day < stage]


@given(day_lists, st.integers(min_value=0, max_value=400))
def test_a_daily_job_sends_each_stage_at_most_once_and_never_two_at_once(days_before, start):
    """Run every day from `start` days before the deadline: the stages met, in order, are the
    configured days not above `start`, each once (dedup keeps repeats out), plus at most one
    stage already past its day when the job starts (sent late)."""
    sent: list[int] = []
    for days_left in range(start, -3, -1):
        stage = reminder_stage(days_left, days_before)
        if stage is not None and stage not in sent:
            sent.append(stage)
    assert sent == sorted(sent, reverse=True)
    on_time = sorted((day for day in days_before if day <= start), reverse=True)
    late = [day for day in sent if day > start]
    assert late == ([min(d for d in days_before if d > start)] if late else [])
    assert [day for day in sent if day <= start] == on_time


# --- follow_up_due ------------------------------------------------------------------------------

SENT_ON = dt.date(2026, 1, 5)


def due(today: dt.date, already_sent: int = 0, last_sent_on: dt.date | None = None):
    return follow_up_due(
        started_on=SENT_ON,
        today=today,
        already_sent=already_sent,
        last_sent_on=last_sent_on,
        after_days=7,
        every_days=7,
        at_most=3,
    )


def test_follow_ups_are_due_after_7_then_every_7_days_at_most_3():
    assert due(dt.date(2026, 1, 11)) is None
    assert due(dt.date(2026, 1, 12)) == 1
    assert due(dt.date(2026, 1, 18), 1, dt.date(2026, 1, 12)) is None
    assert due(dt.date(2026, 1, 19), 1, dt.date(2026, 1, 12)) == 2
    assert due(dt.date(2026, 1, 26), 2, dt.date(2026, 1, 19)) == 3
    assert due(dt.date(2026, 3, 1), 3, dt.date(2026, 1, 26)) is None


def test_a_late_follow_up_pushes_the_next_one_back():
    # The first went out 6 days late (the job was down): the second waits a full week.
    assert due(dt.date(2026, 1, 19), 1, dt.date(2026, 1, 18)) is None
    assert due(dt.date(2026, 1, 25), 1, dt.date(2026, 1, 18)) == 2


@given(
    after_days=st.integers(min_value=0, max_value=30),
    every_days=st.integers(min_value=1, max_value=30),
    at_most=st.integers(min_value=0, max_value=6),
    skipped=st.sets(st.integers(min_value=0, max_value=200), max_size=40),
)
def test_a_daily_job_sends_at_most_the_maximum_spaced_by_the_interval(
    after_days, every_days, at_most, skipped
):
    """Run every day for 200 days (some days the job does not run): never more than
    `at_most`, the first not before `after_days`, each `every_days` at least after the last."""
    sent_days: list[int] = []
    for day in range(201):
        if day in skipped:
            continue
        number = follow_up_due(
            started_on=SENT_ON,
            today=SENT_ON + dt.timedelta(days=day),
            already_sent=len(sent_days),
            last_sent_on=SENT_ON + dt.timedelta(days=sent_days[-1]) if sent_days else None,
            after_days=after_days,
            every_days=every_days,
            at_most=at_most,
        )
        if number is not None:
            assert number == len(sent_days) + 1
            sent_days.append(day)
    assert len(sent_days) <= at_most
    if sent_days:
        assert sent_days[0] >= after_days
    assert all(b - a >= every_days for a, b in itertools.pairwise(sent_days))
    if not skipped:  # a job that never misses a day sends them exactly on schedule
        expected = [after_days + n * every_days for n in range(at_most)]
        assert sent_days == [day for day in expected if day <= 200]
