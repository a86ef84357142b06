from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from tapif.core import views as core_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("language/", core_views.switch_language, name="switch_language"),
]

urlpatterns += i18n_patterns(
    path("accounts/", include("allauth.urls")),
    path("", include("tapif.core.urls")),
    prefix_default_language=True,
)
