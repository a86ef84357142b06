"""Second-factor secrets are sealed in the database (tapif.core.sealing through the MFA adapter):
a dump shows neither an authenticator's key nor a recovery-code seed, the codes still work, a
rotated SECRET_KEY still opens them through the fallbacks, and secrets stored in the clear
before sealing existed are sealed by `authenticator_secrets_reseal` (the data migration's rule)."""

from __future__ import annotations

import json
import time
from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.management import call_command

from tapif.core.sealing import PREFIX, UnsealError, seal, unseal
from tapif.core.services import authenticator_secrets_reseal
from tests.factories import StaffFactory

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_a_sealed_value_opens_to_the_text_and_does_not_show_it():
    sealed = seal(SECRET)

    assert sealed.startswith(PREFIX)
    assert SECRET not in sealed
    assert unseal(sealed) == SECRET
    assert seal(SECRET) != sealed  # a fresh nonce each time


def test_a_value_never_sealed_reads_as_it_is():
    assert unseal(SECRET) == SECRET


def test_an_altered_sealed_value_is_refused():
    sealed = seal(SECRET)
    altered = sealed[:-6] + ("AAAAAA" if not sealed.endswith("AAAAAA") else "BBBBBB")

    with pytest.raises(UnsealError):
        unseal(altered)


@pytest.mark.django_db
def test_the_database_keeps_no_second_factor_secret_in_the_clear():
    staff = StaffFactory(totp=False)
    totp = TOTP.activate(staff, SECRET)
    recovery = RecoveryCodes.activate(staff)
    codes = recovery.generate_codes()

    stored = json.dumps(list(Authenticator.objects.filter(user=staff).values("data")))

    assert SECRET not in stored
    totp_row = Authenticator.objects.get(pk=totp.instance.pk)
    seed_row = Authenticator.objects.get(pk=recovery.instance.pk)
    assert totp_row.data["secret"].startswith(PREFIX)
    assert seed_row.data["seed"].startswith(PREFIX)
    # Sealed, and still working: the app's code and the recovery codes are accepted.
    assert TOTP(totp_row).validate_code(current_code(SECRET))
    assert RecoveryCodes(seed_row).generate_codes() == codes


@pytest.mark.django_db
def test_a_rotated_key_still_opens_the_secrets_through_the_fallbacks(settings):
    staff = StaffFactory(totp=False)
    totp = TOTP.activate(staff, SECRET)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-for-the-rotation-" * 3
    settings.SECRET_KEY_FALLBACKS = [old_key]

    assert TOTP(Authenticator.objects.get(pk=totp.instance.pk)).validate_code(current_code(SECRET))

    call_command("reseal_secrets", stdout=StringIO())
    settings.SECRET_KEY_FALLBACKS = []  # the old key retired once everything is re-sealed
    row = Authenticator.objects.get(pk=totp.instance.pk)
    assert unseal(row.data["secret"]) == SECRET


@pytest.mark.django_db
def test_without_the_old_key_a_rotated_secret_cannot_be_opened(settings):
    staff = StaffFactory(totp=False)
    totp = TOTP.activate(staff, SECRET)
    settings.SECRET_KEY = "a-new-key-for-the-rotation-" * 3
    settings.SECRET_KEY_FALLBACKS = []

    with pytest.raises(UnsealError, match="DJANGO_SECRET_KEY_FALLBACKS"):
        unseal(Authenticator.objects.get(pk=totp.instance.pk).data["secret"])


@pytest.mark.django_db
def test_secrets_stored_in_the_clear_are_sealed_once():
    staff = StaffFactory(totp=False)
    clear_totp = Authenticator.objects.create(
        user=staff, type=Authenticator.Type.TOTP, data={"secret": SECRET}
    )
    clear_codes = Authenticator.objects.create(
        user=staff, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "ab" * 40, "used_mask": 0}
    )
    codes_before = RecoveryCodes(clear_codes).generate_codes()

    assert authenticator_secrets_reseal() == 2
    assert authenticator_secrets_reseal() == 0  # already sealed with the current key

    clear_totp.refresh_from_db()
    clear_codes.refresh_from_db()
    assert clear_totp.data["secret"].startswith(PREFIX)
    assert clear_codes.data == {"seed": clear_codes.data["seed"], "used_mask": 0}
    assert clear_codes.data["seed"].startswith(PREFIX)
    assert TOTP(clear_totp).validate_code(current_code(SECRET))
    assert RecoveryCodes(clear_codes).generate_codes() == codes_before
