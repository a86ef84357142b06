"""Pages every visitor opens run a fixed, small number of queries."""

import pytest

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


def test_landing_page_runs_two_queries(client, django_assert_num_queries):
    client.get("/fr/")  # warm the per-process caches (translations, templates)
    with django_assert_num_queries(2):  # the campaign and the académies
        client.get("/fr/")


def test_staff_home_runs_three_queries(client, django_assert_num_queries):
    client.force_login(StaffFactory())
    with django_assert_num_queries(3):  # session, user, campaign
        client.get("/fr/home/")
