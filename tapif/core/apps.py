from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "tapif.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from tapif.core.alerts import ALERT_WORDS
        from tapif.core.audit import AUDIT_ACTIONS
        from tapif.core.messages import messages_register
        from tapif.core.roles import sync_roles_after_migrate

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="tapif.core.sync_roles")
        messages_register(AUDIT_ACTIONS)  # the words of this app's audit actions
        messages_register(ALERT_WORDS)  # the words of the staff alerts
        from tapif.core import (
            checks,  # noqa: F401 (registers the production checks)
            signals,  # noqa: F401 (connects the receivers)
        )


class TapifAdminConfig(admin_apps.AdminConfig):
    """The admin, with the site that requires staff two-factor authentication."""

    default = False
    default_site = "tapif.core.admin_site.TapifAdminSite"
