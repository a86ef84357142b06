"""Behind the reverse proxy, the rate limits key on each visitor's own address.

The proxy appends the address it received the request from to X-Forwarded-For and connects to
gunicorn itself: every request has the proxy's REMOTE_ADDR. With TAPIF_TRUSTED_PROXY_COUNT=1
(ALLAUTH_TRUSTED_PROXY_COUNT) the rightmost entry, the one the proxy wrote, is the client.
"""

import pytest

from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/en/accounts/login/"
VERIFY_URL = "/en/verify/"
PROXY = "10.0.0.2"
ALICE = "198.51.100.7"
BOB = "203.0.113.20"


@pytest.fixture
def limits(settings):
    """Small limits, so that a handful of requests reach them."""
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login": "3/m/ip",
        "letter_verify": "3/m/ip",
    }
    return settings


def login(client, forwarded_for: str):
    return client.post(
        LOGIN_URL,
        {"login": "nobody@example.ca", "password": "wrong-password-1"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_two_visitors_behind_the_proxy_have_separate_login_limits(client, limits):
    limits.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    CandidateFactory(email="jo@example.ca")

    alice = [login(client, ALICE).status_code for _ in range(4)]
    bob = login(client, BOB)

    assert alice == [200, 200, 200, 429]
    assert bob.status_code == 200


def test_a_visitor_writing_x_forwarded_for_cannot_escape_the_limit(client, limits):
    """The proxy appends the real address: what the client wrote before it is never read."""
    limits.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    statuses = [login(client, f"192.0.2.{n}, {ALICE}").status_code for n in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_without_a_trusted_proxy_everyone_behind_it_shares_one_limit(client, limits):
    """The laptop default (0): X-Forwarded-For is ignored, REMOTE_ADDR is the client."""
    assert limits.ALLAUTH_TRUSTED_PROXY_COUNT == 0

    alice = [login(client, ALICE).status_code for _ in range(3)]
    bob = login(client, BOB)

    assert alice == [200, 200, 200]
    assert bob.status_code == 429


def test_the_letter_check_limit_uses_the_same_client_address(client, limits):
    limits.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    def check(address: str) -> int:
        return client.get(
            VERIFY_URL,
            {"code": "ABCDE-FGHJK"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=address,
        ).status_code

    alice = [check(ALICE) for _ in range(4)]

    assert alice == [200, 200, 200, 429]
    assert check(BOB) == 200


def test_the_trusted_proxy_count_comes_from_the_environment():
    from tests.core.test_env import _run_django

    result = _run_django(
        "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)",
        TAPIF_TRUSTED_PROXY_COUNT="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"
