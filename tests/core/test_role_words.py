"""Staff roles read in the reader's language on the users' admin (issue 18)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from tapif.core.roles import PROGRAMME_MANAGER, REVIEWER
from tests.factories import SuperuserFactory

pytestmark = [pytest.mark.django_db]


def test_roles_are_named_in_french_on_the_users_admin(client):
    admin = SuperuserFactory()
    client.force_login(admin)
    reviewer = Group.objects.get(name=REVIEWER)

    listing = client.get("/admin/core/user/", headers={"accept-language": "fr"}).content.decode()
    change = client.get(
        f"/admin/core/user/{admin.pk}/change/", headers={"accept-language": "fr"}
    ).content.decode()

    assert "Responsable du programme" in listing
    assert f'<option value="{reviewer.pk}">Évaluateur</option>' in change
    assert f'value="{Group.objects.get(name=PROGRAMME_MANAGER).pk}">Programme manager' not in change
