"""The demo campaign: the reference campaign moved forward by whole years so that today falls
inside its application window, so every journey can be tried without waiting for autumn."""

from __future__ import annotations

import datetime as dt

from tapif.core.models import Campaign
from tapif.core.services import campaign_make_current

REFERENCE_SCHOOL_YEAR = "2026-2027"


def _shift_years(moment, years: int):
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def demo_campaign_values(reference: Campaign, now: dt.datetime) -> dict:
    """The reference campaign's fields, moved forward so that `now` is inside the window."""
    years = 0
    while _shift_years(reference.closes_at, years) < now:
        years += 1
    opens_at = _shift_years(reference.opens_at, years)
    if opens_at > now:  # between two windows: open the demo one now
        opens_at = now - dt.timedelta(days=1)
    start_year = reference.contract_start.year + years
    values = {
        field.name: getattr(reference, field.name)
        for field in Campaign._meta.concrete_fields
        if field.name not in {"id", "is_current", "created_at", "updated_at"}
    }
    values.update(
        school_year=f"{start_year}-{start_year + 1}",
        code=f"CA{(start_year + 1) % 100:02d}",
        opens_at=opens_at,
        closes_at=_shift_years(reference.closes_at, years),
        language_test_deadline=_shift_years(reference.language_test_deadline, years),
        contract_start=_shift_years(reference.contract_start, years),
        contract_end=_shift_years(reference.contract_end, years),
        passport_valid_until=_shift_years(reference.passport_valid_until, years),
        results_release_date=_shift_years(reference.results_release_date, years),
    )
    return values


def demo_campaign_ensure(*, now: dt.datetime) -> Campaign:
    """Create (or refresh) the demo campaign and make it current."""
    reference = Campaign.objects.get(school_year=REFERENCE_SCHOOL_YEAR)
    values = demo_campaign_values(reference, now)
    campaign, _ = Campaign.objects.update_or_create(
        school_year=values.pop("school_year"), defaults=values
    )
    campaign_make_current(campaign=campaign, actor=None)
    return campaign
