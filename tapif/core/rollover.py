"""Next year's campaign in one action: copy a campaign, its dates a year later.

`campaign_rollover` copies every setting of the `Campaign` row (rules, fee, e-mail timings and
reminders, merit review, retention policy), each date and moment shifted by one year (a moment
keeps its wall-clock time in the campaign's time zone: 23:59 stays 23:59), with the next school
year and candidate number prefix. The new campaign is not current: staff edit it before making
it current and opening it.

What the campaign's settings do not hold lives in higher apps (the merit criteria and their
weights in `selection`, the académies' quotas in `placements`). Core imports no app, so each
app registers a *rollover contributor* from its `AppConfig.ready()` with
`rollover_contributor_register`; `campaign_rollover` calls them all in its transaction, and each
returns what it copied (a count per kind of row), recorded in the audit entry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.db import models, transaction
from django.utils.translation import gettext as _

from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.models import Campaign, User

#: Campaign fields that are the campaign's identity or bookkeeping, never copied.
NOT_COPIED = frozenset({"id", "school_year", "code", "is_current", "created_at", "updated_at"})

Copier = Callable[[Campaign, Campaign, "User | None"], Mapping[str, int]]


@dataclass(frozen=True)
class RolloverContributor:
    """What an app copies from one campaign to the next: `copy(source, target, actor)` runs in
    the rollover's transaction and returns a count per kind of row copied."""

    name: str
    copy: Copier


_CONTRIBUTORS: dict[str, RolloverContributor] = {}


def rollover_contributor_register(name: str, copy: Copier) -> None:
    """Declare an app's part of the rollover (from its `ready()`); a name registered twice with
    another function is a programming error."""
    known = _CONTRIBUTORS.get(name)
    if known is not None and known.copy is not copy:
        raise ValueError(f"rollover contributor {name!r} is already registered")
    _CONTRIBUTORS[name] = RolloverContributor(name=name, copy=copy)


def rollover_contributors() -> list[RolloverContributor]:
    return list(_CONTRIBUTORS.values())


# --- pure helpers ---------------------------------------------------------------------------


def date_next_year(value: dt.date) -> dt.date:
    """The same day a year later (29 February becomes 28 February)."""
    try:
        return value.replace(year=value.year + 1)
    except ValueError:
        return value.replace(year=value.year + 1, day=28)


def moment_next_year(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """The same wall-clock time in `zone`, a year later (daylight saving time applies anew)."""
    local = value.astimezone(zone)
    shifted = date_next_year(local.date())
    return dt.datetime.combine(shifted, local.time(), tzinfo=zone)


def school_year_next(school_year: str) -> str:
    """ "2026-2027" → "2027-2028"."""
    match = re.fullmatch(r"(\d{4})-(\d{4})", school_year.strip())
    if match is None:
        raise DomainError(
            _("The school year %(year)s is not written like 2026-2027.") % {"year": school_year},
            code="school_year",
        )
    first, second = (int(group) for group in match.groups())
    return f"{first + 1}-{second + 1}"


def code_next(code: str) -> str:
    """The candidate number prefix with its number raised by one ("CA27" → "CA28")."""
    match = re.fullmatch(r"(.*?)(\d+)", code.strip())
    if match is None:
        raise DomainError(
            _("The prefix %(code)s does not end with a number: give the new one.") % {"code": code},
            code="code",
        )
    prefix, number = match.groups()
    return f"{prefix}{int(number) + 1:0{len(number)}d}"


def _copied_values(source: Campaign) -> dict[str, object]:
    zone = source.zone
    values: dict[str, object] = {}
    for field in Campaign._meta.concrete_fields:
        if field.name in NOT_COPIED:
            continue
        value = getattr(source, field.attname)
        if isinstance(field, models.DateTimeField) and value is not None:
            value = moment_next_year(value, zone)
        elif isinstance(field, models.DateField) and value is not None:
            value = date_next_year(value)
        values[field.attname] = value
    return values


# --- the service ----------------------------------------------------------------------------


@transaction.atomic
def campaign_rollover(
    *,
    campaign: Campaign,
    actor: User | None,
    school_year: str = "",
    code: str = "",
) -> Campaign:
    """Prepare the campaign after `campaign`: a new, not current campaign with every setting
    copied and every date a year later, named `school_year` and numbered `code` (by default
    the next school year and the prefix's number plus one), then each app's part (criteria and
    weights, quotas) through the registered contributors. Refuses when that school year or
    prefix exists already. Audited (`campaign.rollover`, with what each contributor copied).
    """
    source = Campaign.objects.select_for_update().get(pk=campaign.pk)
    school_year = school_year.strip() or school_year_next(source.school_year)
    code = code.strip() or code_next(source.code)
    if Campaign.objects.filter(school_year=school_year).exists():
        raise DomainError(
            _("The %(year)s campaign exists already.") % {"year": school_year}, code="exists"
        )
    if Campaign.objects.filter(code=code).exists():
        raise DomainError(
            _("A campaign already numbers its candidates %(code)s.") % {"code": code},
            code="code_taken",
        )
    target = Campaign.objects.create(
        school_year=school_year, code=code, is_current=False, **_copied_values(source)
    )
    copied = {
        contributor.name: dict(contributor.copy(source, target, actor))
        for contributor in rollover_contributors()
    }
    audit_record(
        actor=actor,
        action="campaign.rollover",
        target=target,
        data={"from": source.school_year, "copied": copied},
    )
    return target
