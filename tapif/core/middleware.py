from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from tapif.core.selectors import SECOND_FACTOR_TYPES


def staff_needs_two_factor(user) -> bool:
    """Staff reach personal data of every candidate: the admin requires a second factor, which
    staff set up only from their e-mailed set-up link (`core:staff_setup`)."""
    return (
        settings.TAPIF_STAFF_REQUIRE_2FA
        and user.is_authenticated
        and user.is_staff
        and not is_mfa_enabled(user, SECOND_FACTOR_TYPES)
    )


class StaffTwoFactorMiddleware:
    """Staff without a second factor get no admin page: they are sent to the page that tells
    them to use their set-up link (or ask for a new one)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_prefix = reverse("admin:index")
        if request.path.startswith(admin_prefix) and staff_needs_two_factor(request.user):
            return redirect("core:staff_setup_needed")
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
