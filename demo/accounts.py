"""The demo's sample accounts, the ones the README lists (candidates' accounts come with their
dossiers, in `demo.dossiers`)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group

from tapif.core.choices import UserKind
from tapif.core.models import User
from tapif.core.roles import COMMITTEE_MEMBER, PROGRAMME_MANAGER, REVIEWER

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


CANDIDATE = "candidate@demo.tapif.ca"
PROFESSOR = "professor@demo.tapif.ca"
INSTITUTION = "institution@demo.tapif.ca"
ADMIN = "admin@demo.tapif.ca"
REVIEWER_EMAIL = "reviewer@demo.tapif.ca"
#: Two more reviewers of the committee's dossiers: one deliberately harsh, one lenient, so the
#: reviewer statistics name them and calibration has something to correct.
HARSH_REVIEWER = "harsh@demo.tapif.ca"
LENIENT_REVIEWER = "lenient@demo.tapif.ca"
MANAGER = "manager@demo.tapif.ca"
COMMITTEE = "committee@demo.tapif.ca"

DEMO_ACCOUNTS = (
    DemoAccount(CANDIDATE, "demo-Candidate-2027", UserKind.CANDIDATE, "Camille", "Tremblay", "fr"),
    DemoAccount(PROFESSOR, "demo-Professor-2027", UserKind.PROFESSOR, "Jeanne", "Gagnon", "fr"),
    DemoAccount(INSTITUTION, "demo-Institution-2027", UserKind.INSTITUTION, "Robert", "Lee", "en"),
    DemoAccount(ADMIN, "demo-Admin-2027", UserKind.STAFF, "Alice", "Martin", "fr", superuser=True),
    DemoAccount(
        REVIEWER_EMAIL,
        "demo-Reviewer-2027",
        UserKind.STAFF,
        "Hugo",
        "Lefebvre",
        "fr",
        role=REVIEWER,
    ),
    DemoAccount(
        HARSH_REVIEWER,
        "demo-Reviewer-2027",
        UserKind.STAFF,
        "Marc",
        "Girard",
        "fr",
        role=REVIEWER,
    ),
    DemoAccount(
        LENIENT_REVIEWER,
        "demo-Reviewer-2027",
        UserKind.STAFF,
        "Julie",
        "Caron",
        "en",
        role=REVIEWER,
    ),
    DemoAccount(
        MANAGER,
        "demo-Manager-2027",
        UserKind.STAFF,
        "Sophie",
        "Bouchard",
        "fr",
        role=PROGRAMME_MANAGER,
    ),
    DemoAccount(
        COMMITTEE,
        "demo-Committee-2027",
        UserKind.STAFF,
        "Inès",
        "Lambert",
        "fr",
        role=COMMITTEE_MEMBER,
    ),
)
#: The demo candidates' shared password (the sample candidate's, as the README says).
DEMO_CANDIDATE_PASSWORD = "demo-Candidate-2027"  # noqa: S105 (demo only)


def accounts_ensure() -> dict[str, User]:
    """Every sample account, created or refreshed, by e-mail."""
    return {account.email: account_ensure(account) for account in DEMO_ACCOUNTS}


def account_ensure(account: DemoAccount) -> User:
    """The account's user, created or refreshed: names, kind, language, password, a verified
    e-mail address, its staff group and, for staff, the shared authenticator secret."""
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
