from collections.abc import Callable, Iterable

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from tapif.core.middleware import staff_needs_two_factor

#: What the admin's home shows above the app list: each function gives, for the request's
#: user, (text, link) pairs of work waiting (an app's admin module registers its own).
IndexNotice = Callable[[object], Iterable[tuple[str, str]]]


class TapifAdminSite(admin.AdminSite):
    site_header = _("TAPIF Canada — administration")
    site_title = _("TAPIF administration")
    index_title = _("Programme management")
    index_template = "admin/tapif_index.html"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._index_notices: list[IndexNotice] = []

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and not staff_needs_two_factor(request.user)

    def login(self, request, extra_context=None):
        # One login page for everyone: allauth's, with its rate limits and two-factor step.
        return secure_admin_login(super().login)(request, extra_context)

    def register_index_notice(self, notice: IndexNotice) -> None:
        """Show `notice(request)`'s (text, link) pairs on the admin's home."""
        if notice not in self._index_notices:
            self._index_notices.append(notice)

    def index(self, request, extra_context=None):
        notices = [pair for notice in self._index_notices for pair in notice(request)]
        return super().index(request, {"index_notices": notices, **(extra_context or {})})
