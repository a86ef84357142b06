"""Links handed out once (an evaluator's invitation, a staff member's set-up link): a random
token goes in the e-mail, only its hash is stored, so a leaked database opens no link."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """256 bits of randomness, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
