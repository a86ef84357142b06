"""The demo campaign and sample accounts that `make demo` loads.

The demo campaign is the reference campaign moved forward by whole years so that today falls
inside its application window: every journey can be tried without waiting for autumn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from tapif.core.choices import UserKind
from tapif.core.models import Campaign, User
from tapif.core.roles import PROGRAMME_MANAGER, REVIEWER
from tapif.core.services import campaign_make_current

REFERENCE_SCHOOL_YEAR = "2026-2027"
# A fixed base32 secret so the printed instructions stay valid across `make demo` runs.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 (demo only)


@dataclass(frozen=True)
class DemoAccount:
    email: str
    password: str
    kind: UserKind
    first_name: str
    last_name: str
    language: str
    superuser: bool = False
    #: The staff group (a name from `tapif.core.roles`) the account belongs to, if any.
    role: str = ""

    @property
    def is_staff(self) -> bool:
        return self.kind == UserKind.STAFF


DEMO_ACCOUNTS = (
    DemoAccount(
        "candidate@demo.tapif.ca",
        "demo-Candidate-2027",
        UserKind.CANDIDATE,
        "Camille",
        "Tremblay",
        "fr",
    ),
    DemoAccount(
        "professor@demo.tapif.ca",
        "demo-Professor-2027",
        UserKind.PROFESSOR,
        "Jeanne",
        "Gagnon",
        "fr",
    ),
    DemoAccount(
        "institution@demo.tapif.ca",
        "demo-Institution-2027",
        UserKind.INSTITUTION,
        "Robert",
        "Lee",
        "en",
    ),
    DemoAccount(
        "admin@demo.tapif.ca",
        "demo-Admin-2027",
        UserKind.STAFF,
        "Alice",
        "Martin",
        "fr",
        superuser=True,
    ),
    DemoAccount(
        "reviewer@demo.tapif.ca",
        "demo-Reviewer-2027",
        UserKind.STAFF,
        "Hugo",
        "Lefebvre",
        "fr",
        role=REVIEWER,
    ),
    DemoAccount(
        "manager@demo.tapif.ca",
        "demo-Manager-2027",
        UserKind.STAFF,
        "Sophie",
        "Bouchard",
        "fr",
        role=PROGRAMME_MANAGER,
    ),
)


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


@transaction.atomic
def load_demo(*, now: dt.datetime | None = None) -> tuple[Campaign, list[DemoAccount]]:
    """Create (or refresh) the demo campaign, make it current, and create the sample accounts."""
    reference = Campaign.objects.get(school_year=REFERENCE_SCHOOL_YEAR)
    values = demo_campaign_values(reference, now or timezone.now())
    campaign, _ = Campaign.objects.update_or_create(
        school_year=values.pop("school_year"), defaults=values
    )
    campaign_make_current(campaign=campaign, actor=None)
    users = {account.email: _ensure_account(account) for account in DEMO_ACCOUNTS}
    # Apps above core add their own demo data through an AppConfig hook (core imports no app).
    for config in apps.get_app_configs():
        if hasattr(config, "load_demo"):
            config.load_demo(campaign=campaign, users=users)
    return campaign, list(DEMO_ACCOUNTS)


def _ensure_account(account: DemoAccount) -> User:
    user = User.objects.filter(email=account.email).first()
    if user is None:
        create = User.objects.create_superuser if account.superuser else User.objects.create_user
        user = create(account.email, account.password)
    user.first_name, user.last_name = account.first_name, account.last_name
    user.kind, user.preferred_language = account.kind, account.language
    user.is_staff = account.is_staff
    user.set_password(account.password)
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=account.email, defaults={"verified": True, "primary": True}
    )
    if account.role:  # the groups are synced after every migrate (`tapif.core.roles`)
        user.groups.add(Group.objects.get(name=account.role))
    if (
        account.is_staff
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    ):
        TOTP.activate(user, DEMO_TOTP_SECRET)  # staff sign in with a second factor
    return user
