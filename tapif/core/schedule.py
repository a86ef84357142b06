"""When a scheduled reminder is due: pure date arithmetic, no Django, no database.

The jobs run once a day (Celery beat); each asks "which reminder is due today?" for every
recipient and lets the outbox's dedup key make sure it goes out once. Days are counted on the
calendar of the campaign's time zone, never in seconds: "7 days before the close" is the same
day for a job that runs at 09:00 or at 23:00.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def local_date(moment: dt.datetime, zone: dt.tzinfo) -> dt.date:
    """The calendar day `moment` falls on in `zone` (ValueError for a naive datetime)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("local_date needs an aware datetime")
    return moment.astimezone(zone).date()


def days_until(deadline: dt.date, today: dt.date) -> int:
    """Whole days from `today` to `deadline` (0 on the day itself, negative once past)."""
    return (deadline - today).days


def reminder_stage(days_left: int, days_before: Sequence[int]) -> int | None:
    """The reminder due with `days_left` days to go, given the configured `days_before`.

    The smallest configured day count that is still >= `days_left`, so a stage whose day was
    missed (beat down, a candidate who joined late) goes out late, once, and two stages are
    never due at once; None before the first stage and once the deadline has passed.
    """
    if days_left < 0:
        return None
    return min((day for day in days_before if day >= days_left), default=None)


def follow_up_due(
    *,
    started_on: dt.date,
    today: dt.date,
    already_sent: int,
    last_sent_on: dt.date | None,
    after_days: int,
    every_days: int,
    at_most: int,
) -> int | None:
    """The number (1, 2…) of the follow-up due today, or None.

    Follow-up n is due `after_days + (n - 1) * every_days` days after `started_on`, only once
    the previous ones went out (n is `already_sent + 1`), never more than `at_most`, and never
    less than `every_days` after the last one: a job that was down for a while catches up one
    follow-up at a time instead of sending several in a row.
    """
    number = already_sent + 1
    if number > at_most:
        return None
    due_on = started_on + dt.timedelta(days=after_days + (number - 1) * every_days)
    if last_sent_on is not None:
        due_on = max(due_on, last_sent_on + dt.timedelta(days=every_days))
    return number if today >= due_on else None


def calendar_days_since(moment: dt.datetime, now: dt.datetime, zone: dt.tzinfo) -> int:
    """Calendar days from the day `moment` falls on to the day `now` falls on, in `zone` (a
    message delivered at 23:00 is one day old at 09:00 the next morning)."""
    return days_until(local_date(now, zone), local_date(moment, zone))


# --- deadlines --------------------------------------------------------------------------------
#
# A deadline is shown to people to the minute ("27 February at 23:59"), so it holds for the
# whole of that minute: whatever arrives until 23:59:59.999999 on the deadline's clock is in
# time. The rule is applied where deadlines are read (these two functions, used by every check
# and query) rather than by storing "end of minute" instants: deadlines are written in many
# places (the campaign's admin form, offers, document rejections, staff links, the demo, old
# rows) and read in few, and the stored value stays the one people typed and see.


def minute_started(now: dt.datetime) -> dt.datetime:
    """The start of the minute `now` falls in (every zone in use is offset by whole minutes,
    so this is the same minute on any clock)."""
    return now.replace(second=0, microsecond=0)


def deadline_passed(deadline: dt.datetime, now: dt.datetime) -> bool:
    """Whether `deadline` has passed at `now`: only once the minute it falls in is over.

    A query selects the passed deadlines with `field__lt=minute_started(now)`, the open ones
    with `field__gte=minute_started(now)`."""
    return deadline < minute_started(now)


def end_of_day(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """The last minute of `day` on the clock of `zone` (23:59, which exists on every day, the
    changes to and from summer time happening at night's small hours)."""
    return dt.datetime.combine(day, dt.time(23, 59), tzinfo=zone)


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has fewer days
    (31 August + 6 months is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    return min(
        day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
        next_month - dt.timedelta(days=1),
    )
