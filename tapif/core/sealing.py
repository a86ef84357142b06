"""Secrets the database keeps for someone else (a staff member's authenticator key, the seed of
their recovery codes), sealed so that a copy of the database or a backup alone does not give
away anyone's second factor.

The key is derived from SECRET_KEY, and from each of SECRET_KEY_FALLBACKS so that a rotated key
still opens what the previous one sealed (Django's own rotation rule: keep the old key in the
fallbacks until everything has been re-sealed). A value written before sealing existed reads as
it is; `unseal` tells the two apart by the prefix.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "sealed:v1:"
_CONTEXT = b"tapif.core.sealing: stored second-factor secrets"


class UnsealError(Exception):
    """A sealed value that none of the configured keys opens (SECRET_KEY changed with no
    fallback), or that was altered."""


def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    secret_keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in secret_keys])


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def seal(text: str) -> str:
    """`text` encrypted and authenticated with the current key, marked as sealed."""
    return PREFIX + _keys().encrypt(text.encode()).decode("ascii")


def unseal(value: str) -> str:
    """The text `seal` was given; a value that was never sealed comes back unchanged."""
    if not is_sealed(value):
        return value
    try:
        return _keys().decrypt(value.removeprefix(PREFIX).encode("ascii")).decode()
    except InvalidToken as error:
        raise UnsealError(
            "A sealed secret could not be opened: was SECRET_KEY changed without keeping the "
            "old one in DJANGO_SECRET_KEY_FALLBACKS?"
        ) from error


# Where allauth keeps a secret in an authenticator's `data`, by authenticator type. Every other
# value (WebAuthn's public credential, counters) is not a secret and stays as it is.
SEALED_FIELDS = {"totp": ("secret",), "recovery_codes": ("seed",)}
SEALED_LISTS = {"recovery_codes": ("migrated_codes",)}


def reseal_authenticator_data(kind: str, data: dict) -> dict | None:
    """`data` with every secret sealed with the current key (opened first with whichever key
    sealed it), or None when nothing changes (no secret, or already sealed with this key)."""
    changed = dict(data)
    for field in SEALED_FIELDS.get(kind, ()):
        if isinstance(changed.get(field), str):
            changed[field] = _resealed(changed[field])
    for field in SEALED_LISTS.get(kind, ()):
        if isinstance(changed.get(field), list):
            changed[field] = [_resealed(value) for value in changed[field]]
    return changed if changed != data else None


def _resealed(value: str) -> str:
    if is_sealed(value) and _opens_with_current_key(value):
        return value
    return seal(unseal(value))


def _opens_with_current_key(value: str) -> bool:
    try:
        _fernet(settings.SECRET_KEY).decrypt(value.removeprefix(PREFIX).encode("ascii"))
    except InvalidToken:
        return False
    return True
