"""Invitation links: a random token handed out once, of which only a hash is stored (the one
implementation lives in tapif.core.tokens, shared with staff set-up links)."""

from tapif.core.tokens import new_token, token_hash

__all__ = ["new_token", "token_hash"]
