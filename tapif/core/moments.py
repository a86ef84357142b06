"""Dates and moments as people read them: the one way tapif writes a day or a time for a reader.

A moment (a deadline, a submission) is written in a time zone, normally the campaign's, with the
zone's name in the reader's language, so that nobody has to guess which clock a deadline runs
on: "27 février 2027 à 23 h 59, heure du Pacifique" / "27 February 2027, 11:59 p.m. Pacific
time". A day is written without a time: "1er septembre 2027" / "1 September 2027". Every
template reaches these through the `moment`, `day` and `clock` filters of the `tapif` tag
library; Python code (e-mails built in services, error messages) calls the functions here.
No zone name is written by hand anywhere else (`tests/core/test_moments.py` greps for it).

The wording lives in the catalogue, not in code: the formats (`pgettext` with the context
"date format" or "time format") and the zone names are translated like any other text, which
is how French gets its "1er" (Django's date format has no ordinal) and its "23 h 59".

Where a function takes `where`, it is the zone to write in: a campaign (anything with a
`time_zone` attribute), an IANA name, a `tzinfo`, or None for the active time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import pgettext, pgettext_lazy

#: The names people use for the zones a campaign is likely to run on. Daylight saving time is
#: not named apart: "Pacific time" is the clock in Vancouver in winter and in summer alike.
#: Zones that stay on standard time all year (Regina, Creston, Atikokan…) belong to the zone
#: whose clock they show in winter, which is what their inhabitants call it.
ZONE_NAMES = {
    "America/Vancouver": pgettext_lazy("time zone", "Pacific time"),
    "America/Whitehorse": pgettext_lazy("time zone", "Yukon time"),
    "America/Dawson": pgettext_lazy("time zone", "Yukon time"),
    "America/Edmonton": pgettext_lazy("time zone", "Mountain time"),
    "America/Yellowknife": pgettext_lazy("time zone", "Mountain time"),
    "America/Inuvik": pgettext_lazy("time zone", "Mountain time"),
    "America/Cambridge_Bay": pgettext_lazy("time zone", "Mountain time"),
    "America/Dawson_Creek": pgettext_lazy("time zone", "Mountain time"),
    "America/Fort_Nelson": pgettext_lazy("time zone", "Mountain time"),
    "America/Creston": pgettext_lazy("time zone", "Mountain time"),
    "America/Winnipeg": pgettext_lazy("time zone", "Central time"),
    "America/Regina": pgettext_lazy("time zone", "Central time"),
    "America/Swift_Current": pgettext_lazy("time zone", "Central time"),
    "America/Rankin_Inlet": pgettext_lazy("time zone", "Central time"),
    "America/Resolute": pgettext_lazy("time zone", "Central time"),
    "America/Rainy_River": pgettext_lazy("time zone", "Central time"),
    "America/Toronto": pgettext_lazy("time zone", "Eastern time"),
    "America/Montreal": pgettext_lazy("time zone", "Eastern time"),
    "America/Nipigon": pgettext_lazy("time zone", "Eastern time"),
    "America/Thunder_Bay": pgettext_lazy("time zone", "Eastern time"),
    "America/Iqaluit": pgettext_lazy("time zone", "Eastern time"),
    "America/Pangnirtung": pgettext_lazy("time zone", "Eastern time"),
    "America/Atikokan": pgettext_lazy("time zone", "Eastern time"),
    "America/Halifax": pgettext_lazy("time zone", "Atlantic time"),
    "America/Glace_Bay": pgettext_lazy("time zone", "Atlantic time"),
    "America/Moncton": pgettext_lazy("time zone", "Atlantic time"),
    "America/Goose_Bay": pgettext_lazy("time zone", "Atlantic time"),
    "America/Blanc-Sablon": pgettext_lazy("time zone", "Atlantic time"),
    "America/St_Johns": pgettext_lazy("time zone", "Newfoundland time"),
    "Europe/Paris": pgettext_lazy("time zone", "Paris time"),
}


def zone_of(where: Any = None) -> dt.tzinfo:
    """The time zone `where` names (module docstring); the active one for None."""
    if where is None or where == "":
        return timezone.get_current_timezone()
    if isinstance(where, dt.tzinfo):
        return where
    if isinstance(where, str):
        return ZoneInfo(where)
    return ZoneInfo(where.time_zone)


def zone_name(where: Any = None) -> str:
    """The zone's name in the active language: "heure du Pacifique", "Pacific time"; for a zone
    with no usual name, its city as IANA spells it ("New York time", "heure de New York")."""
    zone = zone_of(where)
    key = getattr(zone, "key", None)
    if key is None:
        return str(zone)
    if key in ZONE_NAMES:
        return str(ZONE_NAMES[key])
    city = key.rsplit("/", 1)[-1].replace("_", " ")
    return pgettext("time zone with no usual name", "%(city)s time") % {"city": city}


def _local(value: dt.datetime, where: Any) -> dt.datetime:
    if timezone.is_naive(value):  # already on the reader's clock
        return value
    return value.astimezone(zone_of(where))


def day_words(value: dt.date | dt.datetime | None, where: Any = None) -> str:
    """A calendar day: "1er septembre 2027" / "1 September 2027"; '' for None. A moment is
    first read on the clock of `where` (the day a deadline falls on there)."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value, where).date()
    if value.day == 1:
        pattern = pgettext("date format, first day of a month", "j F Y")
    else:
        pattern = pgettext("date format", "j F Y")
    return date_format(value, pattern)


def clock_words(value: dt.datetime | None, where: Any = None) -> str:
    """A time of day with its zone's name: "23 h 59, heure du Pacifique" / "11:59 p.m. Pacific
    time"; '' for None."""
    if value is None or value == "":
        return ""
    local = _local(value, where)
    time = date_format(local, pgettext("time format", "g:i a"))
    return pgettext("a time of day and its time zone", "%(time)s %(zone)s") % {
        "time": time,
        "zone": zone_name(where),
    }


def moment_words(value: dt.datetime | dt.date | None, where: Any = None) -> str:
    """A moment in full: "27 février 2027 à 23 h 59, heure du Pacifique" / "27 February 2027,
    11:59 p.m. Pacific time"; a plain date is written as a day; '' for None."""
    if value is None or value == "":
        return ""
    if not isinstance(value, dt.datetime):
        return day_words(value)
    return pgettext("a date and a time of day", "%(date)s, %(time)s") % {
        "date": day_words(value, where),
        "time": clock_words(value, where),
    }
