"""Staff sign-in (issue 15, hole 1): a password alone opens nothing. Staff accounts are created
by invitation; the second factor is set up only from the e-mailed, single-use link; recovery
codes are shown once; every authenticator added or removed is e-mailed to its owner."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from tapif.core.models import AuditEntry, OutboundMessage, StaffInvitation, User
from tapif.core.roles import REVIEWER
from tapif.core.services import staff_invite
from tapif.core.tokens import token_hash
from tests.factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    CandidateFactory,
    StaffFactory,
    SuperuserFactory,
)

pytestmark = pytest.mark.django_db

SETUP_MAIL = "core/email/staff_setup"
CHANGED_MAIL = "core/email/second_factor_changed"
NEW_PASSWORD = "Un-mot-de-passe-du-personnel-2026"
NOW = dt.datetime(2026, 3, 2, 10, 0, 5, tzinfo=dt.UTC)  # 5 s into a 30 s TOTP period
ACTIVATE = "/fr/accounts/2fa/totp/activate/"


@pytest.fixture
def frozen():
    """TOTP codes depend on the clock: hold it still inside one 30-second period."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def setup_messages(user: User) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(recipient=user, template=SETUP_MAIL).order_by("pk"))


def token_of(message: OutboundMessage) -> str:
    match = re.search(r"/staff/setup/([^/]+)/$", message.context["link"])
    assert match, message.context["link"]
    return match.group(1)


def secret_on(response) -> str:
    return re.search(
        r'<code id="authenticator-secret">([A-Z2-7]+)</code>', response.content.decode()
    )[1]


def setup_url(token: str, language: str = "fr") -> str:
    return f"/{language}/staff/setup/{token}/"


# --- The attack: a password alone -------------------------------------------------------------


def test_staff_password_alone_opens_neither_the_admin_nor_a_second_factor(client, frozen):
    staff = StaffFactory(totp=False, email="new.staff@example.ca")

    # Sign in with the password: no second factor is asked (there is none), and no admin.
    response = client.post(
        "/fr/accounts/login/?next=/admin/", {"login": staff.email, "password": TEST_PASSWORD}
    )
    assert response["Location"] == "/admin/"
    refused = client.get("/admin/")
    assert refused["Location"] == "/fr/staff/setup/needed/"
    page = client.get(refused["Location"])
    assert page.status_code == 403
    assert "lien" in page.content.decode()  # "use the e-mailed link or ask for a new one"

    # Re-authenticate with the same password, then try allauth's own set-up page.
    response = client.post("/fr/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    assert response.status_code == 302
    shown = client.get(ACTIVATE)
    assert shown.status_code == 403
    assert "mfa.totp.secret" not in client.session  # no secret was even generated
    assert 'name="code"' not in shown.content.decode()
    posted = client.post(ACTIVATE, {"code": code_for(TEST_TOTP_SECRET)})
    assert posted.status_code == 403

    assert not Authenticator.objects.filter(user=staff).exists()
    assert client.get("/admin/core/campaign/")["Location"] == "/fr/staff/setup/needed/"
    assert client.get("/admin/candidates/document/")["Location"] == "/fr/staff/setup/needed/"


def test_a_candidate_still_sets_up_a_second_factor_on_allauths_page(client, frozen):
    """The same page and steps, allowed for an account that is not staff."""
    candidate = CandidateFactory()
    client.force_login(candidate)
    client.post("/fr/accounts/reauthenticate/", {"password": TEST_PASSWORD})

    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(ACTIVATE, {"code": code_for(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=candidate, type=Authenticator.Type.TOTP).exists()


def test_staff_with_a_second_factor_cannot_remove_it_through_allauth(client, frozen):
    staff = StaffFactory()
    client.force_login(staff)
    client.post("/fr/accounts/reauthenticate/", {"password": TEST_PASSWORD})

    response = client.post("/fr/accounts/2fa/totp/deactivate/")

    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    assert "nouveau lien" in response.content.decode()


# --- Invitations --------------------------------------------------------------------------------


def test_createstaff_creates_the_account_and_emails_one_setup_link(frozen, capsys):
    call_command("createstaff", "Reviewer.New@Example.ca", "--group", REVIEWER)

    user = User.objects.get(email="reviewer.new@example.ca")
    assert (user.is_staff, user.is_superuser, user.kind) == (True, False, "staff")
    assert list(user.groups.values_list("name", flat=True)) == [REVIEWER]
    assert not user.has_usable_password()
    [message] = setup_messages(user)
    assert message.to_email == "reviewer.new@example.ca"
    assert message.secret_keys == ["link"]
    token = token_of(message)
    assert message.context["link"] == f"http://127.0.0.1:8000/fr/staff/setup/{token}/"
    invitation = StaffInvitation.objects.get(user=user)
    assert invitation.token_hash == token_hash(token)
    assert invitation.expires_at == NOW + dt.timedelta(hours=72)
    assert "reviewer.new@example.ca" in capsys.readouterr().out
    assert AuditEntry.objects.filter(action="staff.invite", target_id=str(user.pk)).exists()


def test_createstaff_makes_the_first_superuser(frozen):
    call_command("createstaff", "admin@example.ca", "--superuser", "--language", "en")

    user = User.objects.get(email="admin@example.ca")
    assert user.is_superuser
    assert user.is_staff
    [message] = setup_messages(user)
    assert "/en/staff/setup/" in message.context["link"]


def test_createstaff_refuses_a_taken_address_and_an_unknown_group():
    CandidateFactory(email="taken@example.ca")
    with pytest.raises(CommandError, match=r"taken@example\.ca"):
        call_command("createstaff", "taken@example.ca", "--group", REVIEWER)
    with pytest.raises(CommandError):
        call_command("createstaff", "someone@example.ca", "--group", "Janitor")
    with pytest.raises(CommandError, match="--group"):
        call_command("createstaff", "someone@example.ca")
    assert not User.objects.filter(email="someone@example.ca").exists()
    assert not OutboundMessage.objects.filter(template=SETUP_MAIL).exists()


def admin_add_data(email: str, **extra) -> dict:
    data = {
        "email": email,
        "first_name": "Hugo",
        "last_name": "Lefebvre",
        "kind": "staff",
        "preferred_language": "fr",
        "usable_password": "true",
        "password1": "",
        "password2": "",
        "staff_invitations-TOTAL_FORMS": "0",
        "staff_invitations-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_a_staff_account_created_in_the_admin_gets_one_setup_link_and_no_password(client, frozen):
    client.force_login(SuperuserFactory())
    reviewers = Group.objects.get(name=REVIEWER)

    response = client.post(
        "/admin/core/user/add/",
        admin_add_data("hugo@example.ca", is_staff="on", groups=[reviewers.pk]),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="hugo@example.ca")
    assert user.is_staff
    assert not user.has_usable_password()
    assert list(user.groups.all()) == [reviewers]
    [message] = setup_messages(user)
    assert StaffInvitation.objects.get(user=user).token_hash == token_hash(token_of(message))


def test_an_account_created_in_the_admin_without_staff_gets_no_link(client):
    client.force_login(SuperuserFactory())
    data = admin_add_data(
        "camille@example.ca", kind="candidate", password1=NEW_PASSWORD, password2=NEW_PASSWORD
    )

    response = client.post("/admin/core/user/add/", data)

    assert response.status_code == 302
    user = User.objects.get(email="camille@example.ca")
    assert user.check_password(NEW_PASSWORD)
    assert setup_messages(user) == []


def test_an_account_made_staff_loses_its_own_second_factor_and_gets_a_link(client, frozen):
    candidate = CandidateFactory()
    TOTP.activate(candidate, TEST_TOTP_SECRET)
    client.force_login(SuperuserFactory())
    url = f"/admin/core/user/{candidate.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if name != "password"}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data.update(
        is_staff="on",
        kind="staff",
        date_joined_0=timezone.localtime(candidate.date_joined).date().isoformat(),
        date_joined_1="10:00:00",
        **{"staff_invitations-TOTAL_FORMS": "0", "staff_invitations-INITIAL_FORMS": "0"},
    )
    data.pop("date_joined", None)
    data.pop("last_login", None)

    with transaction.atomic():
        response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not Authenticator.objects.filter(user=candidate).exists()
    assert len(setup_messages(candidate)) == 1


def test_the_admin_action_sends_a_new_link_and_the_old_one_stops_working(client, frozen):
    staff = StaffFactory(totp=False)
    first = token_of(_invite(staff))
    candidate = CandidateFactory()
    client.force_login(SuperuserFactory())

    response = client.post(
        "/admin/core/user/",
        {"action": "send_setup_link", "_selected_action": [staff.pk, candidate.pk]},
        follow=True,
    )

    messages = [str(m) for m in response.context["messages"]]
    assert "1 lien de configuration envoyé par courriel." in messages  # the admin is in French
    assert "1 compte n’est pas du personnel et a été laissé tel quel." in messages
    second = token_of(setup_messages(staff)[-1])
    assert len(setup_messages(staff)) == 2
    assert setup_messages(candidate) == []
    assert client.get(setup_url(first)).status_code == 410
    assert client.get(setup_url(second)).status_code == 200


def _invite(user: User) -> OutboundMessage:
    staff_invite(user=user, actor=None)
    return setup_messages(user)[-1]


def test_only_one_open_link_per_account_in_the_database(frozen):
    staff = StaffFactory(totp=False)
    staff_invite(user=staff, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffInvitation.objects.create(
            user=staff, token_hash="x" * 64, expires_at=timezone.now() + dt.timedelta(hours=1)
        )


# --- The set-up link ----------------------------------------------------------------------------


def test_the_link_sets_password_and_second_factor_once_and_signs_in(client, frozen):
    staff = StaffFactory(totp=False, verified=False, email="sophie@example.ca")
    token = token_of(_invite(staff))

    page = client.get(setup_url(token))
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    secret = secret_on(page)
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()

    done = client.post(
        setup_url(token),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": code_for(secret)},
    )

    assert done.status_code == 200
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    totp = Authenticator.objects.get(user=staff, type=Authenticator.Type.TOTP)
    assert decrypt(totp.data["secret"]) == secret
    assert EmailAddress.objects.get(user=staff, email=staff.email).verified
    assert client.get("/admin/").status_code == 200  # signed in, with the second factor
    # Used: the link opens nothing any more, by GET or POST.
    assert client.get(setup_url(token)).status_code == 410
    again = client.post(
        setup_url(token),
        {"password1": "Another-passw0rd-2026", "password2": "Another-passw0rd-2026", "code": "1"},
    )
    assert again.status_code == 410
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_the_link_refuses_a_wrong_code_and_a_weak_password_and_stays_usable(client, frozen):
    staff = StaffFactory(totp=False)
    token = token_of(_invite(staff))
    secret = secret_on(client.get(setup_url(token)))
    wrong = "000000" if code_for(secret) != "000000" else "111111"

    response = client.post(
        setup_url(token), {"password1": "password", "password2": "password", "code": wrong}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"password2", "code"}
    assert not Authenticator.objects.filter(user=staff).exists()
    assert secret_on(response) == secret  # the app already scanned keeps working
    assert StaffInvitation.objects.get(user=staff).used_at is None


def test_recovery_codes_are_shown_once(client, frozen):
    staff = StaffFactory(totp=False)
    token = token_of(_invite(staff))
    secret = secret_on(client.get(setup_url(token)))

    done = client.post(
        setup_url(token),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": code_for(secret)},
    )

    codes = RecoveryCodes(
        Authenticator.objects.get(user=staff, type=Authenticator.Type.RECOVERY_CODES)
    ).get_unused_codes()
    assert len(codes) == 10
    assert all(code in done.content.decode() for code in codes)
    # allauth's own page will not show them again, even after a fresh password confirmation.
    client.post("/fr/accounts/reauthenticate/", {"password": NEW_PASSWORD})
    page = client.get("/fr/accounts/2fa/recovery-codes/")
    assert not any(code in page.content.decode() for code in codes)


def test_the_link_expires_after_72_hours(client, frozen):
    staff = StaffFactory(totp=False)
    token = token_of(_invite(staff))

    frozen.shift(dt.timedelta(hours=71, minutes=59))
    assert client.get(setup_url(token)).status_code == 200
    frozen.shift(dt.timedelta(minutes=2))
    response = client.get(setup_url(token))

    assert response.status_code == 410
    assert "expiré" in response.content.decode()


def test_the_link_lifetime_is_a_setting(client, frozen, settings):
    settings.TAPIF_STAFF_SETUP_LINK_HOURS = 24
    staff = StaffFactory(totp=False)
    _invite(staff)
    assert StaffInvitation.objects.get(user=staff).expires_at == NOW + dt.timedelta(hours=24)


def test_a_second_link_invalidates_the_first(client, frozen):
    staff = StaffFactory(totp=False)
    first = token_of(_invite(staff))
    second = token_of(_invite(staff))

    assert client.get(setup_url(first)).status_code == 410
    assert client.get(setup_url(second)).status_code == 200
    assert StaffInvitation.objects.filter(user=staff, revoked_at__isnull=False).count() == 1


def test_the_link_of_an_account_no_longer_staff_opens_nothing(client, frozen):
    staff = StaffFactory(totp=False)
    token = token_of(_invite(staff))
    assert client.get(setup_url(token)).status_code == 200
    User.objects.filter(pk=staff.pk).update(is_staff=False)

    assert client.get(setup_url(token)).status_code == 410


def test_an_unknown_token_opens_nothing(client):
    assert client.get(setup_url("not-a-token")).status_code == 410


def test_a_new_link_replaces_a_lost_phone(client, frozen, django_capture_on_commit_callbacks):
    staff = StaffFactory()  # the old phone's authenticator
    token = token_of(_invite(staff))
    secret = secret_on(client.get(setup_url(token)))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            setup_url(token),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "code": code_for(secret)},
        )

    [totp] = Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP)
    assert decrypt(totp.data["secret"]) == secret != TEST_TOTP_SECRET
    changes = [
        m.context["change"]
        for m in OutboundMessage.objects.filter(recipient=staff, template=CHANGED_MAIL)
    ]
    assert sorted(changes) == ["added", "removed"]


# --- E-mails on every change of a second factor -------------------------------------------------


def test_adding_and_removing_an_authenticator_emails_the_owner(
    client, frozen, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory(preferred_language="fr")
    client.force_login(candidate)
    client.post("/fr/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    client.get(ACTIVATE)
    secret = client.session["mfa.totp.secret"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(ACTIVATE, {"code": code_for(secret)})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/fr/accounts/2fa/totp/deactivate/")

    messages = OutboundMessage.objects.filter(recipient=candidate, template=CHANGED_MAIL)
    assert [(m.context["change"], m.context["kind"]) for m in messages.order_by("pk")] == [
        ("added", "totp"),
        ("removed", "totp"),
    ]
    delivered = [m for m in mail.outbox if m.to == [candidate.email]]
    subjects = [m.subject for m in delivered]
    assert subjects == [
        "[TAPIF] TAPIF : un second facteur a été ajouté à votre compte",
        "[TAPIF] TAPIF : un second facteur a été retiré de votre compte",
    ], subjects
    assert "application d’authentification" in delivered[0].body


def test_new_recovery_codes_email_the_owner(client, frozen, django_capture_on_commit_callbacks):
    staff = StaffFactory(preferred_language="en")
    RecoveryCodes.activate(staff)
    client.force_login(staff)
    client.post("/en/accounts/reauthenticate/", {"password": TEST_PASSWORD})

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/2fa/recovery-codes/generate/")

    [message] = OutboundMessage.objects.filter(recipient=staff, template=CHANGED_MAIL)
    assert (message.context["change"], message.context["kind"]) == ("reset", "recovery_codes")
    assert mail.outbox[-1].subject == "[TAPIF] TAPIF: new recovery codes for your account"


# --- The admin lists staff without a second factor ----------------------------------------------


def test_the_user_list_filters_and_counts_staff_without_a_second_factor(client):
    boss = SuperuserFactory()
    without = StaffFactory(totp=False, email="without@example.ca")
    StaffFactory(totp=False, is_active=False)  # inactive: not counted
    with_one = StaffFactory(email="with@example.ca")
    client.force_login(boss)

    missing = client.get("/admin/core/user/?is_staff__exact=1&second_factor=no")
    present = client.get("/admin/core/user/?is_staff__exact=1&second_factor=yes")

    assert without.email in [u.email for u in missing.context["cl"].result_list]
    assert with_one.email not in [u.email for u in missing.context["cl"].result_list]
    assert {u.email for u in present.context["cl"].result_list} == {boss.email, with_one.email}
    warnings = [str(m) for m in missing.context["messages"]]
    assert any(text.startswith("1 compte actif du personnel n’a pas encore") for text in warnings)


def test_the_user_list_query_count_does_not_grow_with_the_rows(
    client, django_assert_max_num_queries
):
    client.force_login(SuperuserFactory())
    StaffFactory.create_batch(3)
    with django_assert_max_num_queries(12):
        client.get("/admin/core/user/")
    StaffFactory.create_batch(10, totp=False)
    with django_assert_max_num_queries(12):
        client.get("/admin/core/user/")
