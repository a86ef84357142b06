from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


def staff_needs_two_factor(user) -> bool:
    """Staff reach personal data of every candidate: the admin requires a TOTP device."""
    return (
        settings.TAPIF_STAFF_REQUIRE_2FA
        and user.is_authenticated
        and user.is_staff
        and not is_mfa_enabled(user, ["totp"])
    )


class StaffTwoFactorMiddleware:
    """Send staff without two-factor authentication to set it up instead of the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_prefix = reverse("admin:index")
        if request.path.startswith(admin_prefix) and staff_needs_two_factor(request.user):
            messages.warning(
                request,
                _("Set up two-factor authentication before using the administration."),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
