"""factory-boy factories: one per model, plus one per role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP

from tapif.core.choices import UserKind
from tapif.core.models import Academie, Campaign, User

EASTERN = ZoneInfo("America/Toronto")
TEST_PASSWORD = "a-Long-test-passw0rd"
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.ca")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    kind = UserKind.CANDIDATE
    preferred_language = "fr"
    password = factory.django.Password(TEST_PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        """A verified primary e-mail unless `verified=False` is passed."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class CandidateFactory(UserFactory):
    kind = UserKind.CANDIDATE


class ProfessorFactory(UserFactory):
    kind = UserKind.PROFESSOR


class InstitutionContactFactory(UserFactory):
    kind = UserKind.INSTITUTION


class StaffFactory(UserFactory):
    kind = UserKind.STAFF
    is_staff = True

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        """Staff have an authenticator app unless `totp=False` is passed."""
        if create and extracted is not False:
            TOTP.activate(self, TEST_TOTP_SECRET)


class SuperuserFactory(StaffFactory):
    is_superuser = True


class CampaignFactory(factory.django.DjangoModelFactory):
    """A campaign shaped like 2026-2027, `years` later (default: the next one)."""

    class Meta:
        model = Campaign

    class Params:
        years = factory.Sequence(lambda n: n + 1)

    school_year = factory.LazyAttribute(lambda o: f"{2026 + o.years}-{2027 + o.years}")
    code = factory.LazyAttribute(lambda o: f"CA{27 + o.years}")
    opens_at = factory.LazyAttribute(lambda o: dt.datetime(2025 + o.years, 10, 1, tzinfo=EASTERN))
    closes_at = factory.LazyAttribute(
        lambda o: dt.datetime(2026 + o.years, 2, 27, 23, 59, 59, tzinfo=EASTERN)
    )
    language_test_deadline = factory.LazyAttribute(lambda o: dt.date(2026 + o.years, 2, 20))
    contract_start = factory.LazyAttribute(lambda o: dt.date(2026 + o.years, 10, 1))
    contract_end = factory.LazyAttribute(lambda o: dt.date(2027 + o.years, 4, 30))
    passport_valid_until = factory.LazyAttribute(lambda o: dt.date(2027 + o.years, 10, 30))
    results_release_date = factory.LazyAttribute(lambda o: dt.date(2026 + o.years, 4, 15))
    fee_amount = Decimal("80.00")
    monthly_gross_salary = Decimal("1036.21")


class AcademieFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Academie
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-academie-{n}")
    name = factory.Sequence(lambda n: f"Académie test {n}")
