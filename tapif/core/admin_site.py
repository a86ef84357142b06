from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tapif.core.middleware import staff_needs_two_factor


class TapifAdminSite(admin.AdminSite):
    site_header = _("TAPIF Canada — administration")
    site_title = _("TAPIF administration")
    index_title = _("Programme management")

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and not staff_needs_two_factor(request.user)

    def login(self, request, extra_context=None):
        # One login page for everyone: allauth's, with its rate limits and two-factor step.
        return secure_admin_login(super().login)(request, extra_context)
