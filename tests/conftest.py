import pytest
from django.core.cache import cache

from tapif.core.models import Campaign


@pytest.fixture(autouse=True)
def _isolated_cache():
    """allauth keeps rate limits and used TOTP codes in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def reference_campaign(db) -> Campaign:
    """The 2026-2027 campaign that the data migration loads as current."""
    return Campaign.objects.get(school_year="2026-2027")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a login; the tests check the flows, not the hash."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
