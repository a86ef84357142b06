"""allauth flows as the candidate, professor and institution contact meet them."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from tapif.core.choices import UserKind
from tapif.core.models import OutboundMessage, User
from tests.factories import TEST_PASSWORD, CandidateFactory, ProfessorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, django_capture_on_commit_callbacks):
    """Each POST runs its after-commit work (the outbox delivers the e-mail) as it would in
    production, where the request's transaction commits; the test's own never does."""
    post = client.post

    def post_and_commit(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(*args, **kwargs)

    client.post = post_and_commit
    return client


SIGNUP_URL = "/fr/accounts/signup/"
LOGIN_URL = "/fr/accounts/login/"


def _signup(client, url=SIGNUP_URL, **overrides):
    data = {
        "first_name": "Camille",
        "last_name": "Tremblay",
        "email": "Camille.Tremblay@Example.ca",
        "password1": TEST_PASSWORD,
        "password2": TEST_PASSWORD,
        "kind": "candidate",
        "preferred_language": "fr",
    } | overrides
    return client.post(url, data)


def _confirmation_link(message) -> str:
    return re.search(r"https?://[^\s]+/accounts/confirm-email/[^\s]+/", message.body).group(0)


def test_signup_creates_an_unverified_candidate_and_sends_a_confirmation(client):
    response = _signup(client)

    assert response.status_code == 302
    assert response["Location"] == "/fr/accounts/confirm-email/"
    user = User.objects.get()
    assert (user.email, user.first_name, user.last_name) == (
        "camille.tremblay@example.ca",
        "Camille",
        "Tremblay",
    )
    assert user.kind == UserKind.CANDIDATE
    assert user.preferred_language == "fr"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["camille.tremblay@example.ca"]


def test_unverified_user_cannot_log_in(client):
    _signup(client)
    mail.outbox.clear()

    response = client.post(
        LOGIN_URL, {"login": "camille.tremblay@example.ca", "password": TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/fr/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert client.get("/fr/home/").status_code == 302


def test_confirming_the_link_verifies_and_signs_in(client):
    _signup(client)
    link = _confirmation_link(mail.outbox[0])
    path = link.split("://", 1)[1].split("/", 1)[1]

    response = client.post("/" + path)

    assert EmailAddress.objects.get().verified
    assert response.status_code == 302
    home = client.get(response["Location"], follow=True)
    assert home.request["PATH_INFO"] == "/fr/dossier/"
    assert "Camille" in home.content.decode()


def test_signup_in_english_stores_english_and_mails_in_english(client):
    _signup(client, url="/en/accounts/signup/", preferred_language="en")

    assert User.objects.get().preferred_language == "en"
    assert "Please Confirm Your Email Address" in mail.outbox[0].subject
    assert "/en/accounts/confirm-email/" in mail.outbox[0].body


def test_confirmation_mail_follows_the_chosen_language_not_the_page(client):
    _signup(client, url="/en/accounts/signup/", preferred_language="fr")

    assert "Confirmez votre adresse" in mail.outbox[0].subject
    assert "/fr/accounts/confirm-email/" in mail.outbox[0].body


@pytest.mark.parametrize("kind", ["professor", "institution"])
def test_signup_records_the_chosen_account_kind(client, kind):
    _signup(client, kind=kind)
    assert User.objects.get().kind == kind


def test_signup_refuses_a_staff_account(client):
    response = _signup(client, kind="staff")
    assert response.status_code == 200
    assert not User.objects.exists()
    assert "staff" in response.context["form"].errors["kind"][0]


def test_signup_errors_are_shown_beside_fields_and_summarised(client):
    response = _signup(client, password2="something-else-entirely", first_name="")

    html = response.content.decode()
    assert not User.objects.exists()
    assert 'class="error-summary"' in html
    assert 'href="#id_first_name"' in html
    assert 'aria-invalid="true"' in html


def test_signup_with_a_known_email_creates_no_second_account(client):
    CandidateFactory(email="camille.tremblay@example.ca")
    _signup(client)
    assert User.objects.count() == 1


def test_login_by_email_is_case_insensitive_and_goes_home_in_the_users_language(client):
    CandidateFactory(email="jo@example.ca", preferred_language="en", first_name="Jo")

    response = client.post(LOGIN_URL, {"login": "JO@example.ca", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/en/home/"


def test_repeated_failed_logins_are_rate_limited(client):
    CandidateFactory(email="jo@example.ca")
    for _ in range(5):
        client.post(LOGIN_URL, {"login": "jo@example.ca", "password": "wrong-password-1"})

    response = client.post(LOGIN_URL, {"login": "jo@example.ca", "password": TEST_PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "Trop de tentatives" in response.content.decode()


def test_password_reset_mail_uses_the_account_language(client):
    CandidateFactory(email="jo@example.ca", preferred_language="en")

    client.post("/fr/accounts/password/reset/", {"email": "jo@example.ca"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "Password Reset" in message.subject
    assert "/en/accounts/password/reset/key/" in message.body
    sent = OutboundMessage.objects.get(to_email="jo@example.ca")
    assert sent.status == OutboundMessage.Status.SENT
    assert sent.template == "prerendered:account/email/password_reset_key"
    assert sent.context == {}, "the reset link is erased from the outbox once sent"


def test_password_reset_link_sets_a_new_password(client):
    user = CandidateFactory(email="jo@example.ca")
    client.post("/fr/accounts/password/reset/", {"email": "jo@example.ca"})
    link = re.search(r"/fr/accounts/password/reset/key/[^\s]+/", mail.outbox[0].body).group(0)

    form_page = client.get(link, follow=True)
    client.post(
        form_page.request["PATH_INFO"],
        {"password1": "another-Long-passw0rd", "password2": "another-Long-passw0rd"},
    )

    user.refresh_from_db()
    assert user.check_password("another-Long-passw0rd")


def test_email_change_sends_a_verification_to_the_new_address(client):
    user = CandidateFactory(email="jo@example.ca")
    client.force_login(user)

    client.post("/fr/accounts/email/", {"action_add": "", "email": "jo.new@example.ca"})

    new = EmailAddress.objects.get(email="jo.new@example.ca")
    assert new.user == user
    assert not new.verified
    assert mail.outbox[-1].to == ["jo.new@example.ca"]


def test_logout_ends_the_session(client):
    client.force_login(CandidateFactory())
    client.post("/fr/accounts/logout/")
    assert "_auth_user_id" not in client.session


def test_home_requires_login(client):
    response = client.get("/fr/home/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("factory", "shown", "hidden"),
    [
        (CandidateFactory, "My application", "My evaluation requests"),
        (ProfessorFactory, "My evaluation requests", "My application"),
    ],
)
def test_users_see_only_the_navigation_of_their_kind(client, factory, shown, hidden):
    client.force_login(factory())
    html = client.get("/en/home/", follow=True).content.decode()
    nav = html[html.index('<nav class="wrap main-nav"') : html.index("</nav>")]
    assert shown in nav
    assert hidden not in nav
    assert "Administration" not in nav
