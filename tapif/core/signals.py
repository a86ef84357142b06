"""What allauth's second-factor signals tell the account's owner: every authenticator added,
removed or renewed is e-mailed to them (through the outbox, in their language), whoever did it,
allauth's own pages or a staff set-up link. Connected in CoreConfig.ready.
"""

from __future__ import annotations

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tapif.core.services import second_factor_changed_mail


@receiver(mfa_signals.authenticator_added, dispatch_uid="tapif.core.second_factor_added")
def _added(sender, user, authenticator, **kwargs) -> None:
    second_factor_changed_mail(user=user, authenticator=authenticator, change="added")


@receiver(mfa_signals.authenticator_removed, dispatch_uid="tapif.core.second_factor_removed")
def _removed(sender, user, authenticator, **kwargs) -> None:
    second_factor_changed_mail(user=user, authenticator=authenticator, change="removed")


@receiver(mfa_signals.authenticator_reset, dispatch_uid="tapif.core.second_factor_reset")
def _reset(sender, user, authenticator, **kwargs) -> None:
    second_factor_changed_mail(user=user, authenticator=authenticator, change="reset")


@receiver(user_logged_in, dispatch_uid="tapif.core.session_end_fixed")
def _session_end_fixed(sender, request, user, **kwargs) -> None:
    """A session ends a fixed time after signing in (or after "Stay signed in"), so pages can
    warn before it ends."""
    if request is not None and hasattr(request, "session"):
        from tapif.core.views import session_renew

        session_renew(request)
