"""Load the whole demo, part by part, in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from demo.accounts import (
    ADMIN,
    DEMO_ACCOUNTS,
    HARSH_REVIEWER,
    INSTITUTION,
    LENIENT_REVIEWER,
    MANAGER,
    PROFESSOR,
    REVIEWER_EMAIL,
    DemoAccount,
    accounts_ensure,
)
from demo.campaign import demo_campaign_ensure
from demo.committee import demo_committee
from demo.evaluations import demo_evaluations
from demo.review import demo_review
from tapif.core.models import Campaign


@transaction.atomic
def load_demo(*, now: dt.datetime | None = None) -> tuple[Campaign, list[DemoAccount]]:
    """Create (or refresh) the demo campaign and make it current, then the sample accounts, the
    approved institution and its professor, the five submitted dossiers for review, and the
    committee's twelve reviewed dossiers (four reviewers, one harsh, one lenient) with a draft
    round. Returns the campaign and the
    sample accounts (the command prints them)."""
    campaign = demo_campaign_ensure(now=now or timezone.now())
    users = accounts_ensure()
    demo_evaluations(contact=users[INSTITUTION], professor=users[PROFESSOR])
    staff = {"admin": users[ADMIN], "manager": users[MANAGER], "reviewer": users[REVIEWER_EMAIL]}
    demo_review(campaign, **staff)
    demo_committee(campaign, **staff, harsh=users[HARSH_REVIEWER], lenient=users[LENIENT_REVIEWER])
    return campaign, list(DEMO_ACCOUNTS)
