from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default = True
    name = "tapif.core"
    label = "core"
    verbose_name = _("Platform")


class TapifAdminConfig(admin_apps.AdminConfig):
    """The admin, with the site that requires staff two-factor authentication."""

    default = False
    default_site = "tapif.core.admin_site.TapifAdminSite"
