from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
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


#: Browser features no page of the site uses: refused to the page and to anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PermissionsPolicyMiddleware:
    """`Permissions-Policy` on every response, static files included (placed before WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class PrivateCacheMiddleware:
    """Nothing shown to a signed-in person is kept by a browser or a proxy: every response to
    an authenticated request says `Cache-Control: private, no-store` (pages, documents, letters,
    redirects to signed S3 addresses). Anonymous pages are left as they are; a public page
    showing someone's data (the letter verification page) marks itself (`never_cache`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
