from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from candidates.views import public as candidates_public
from tapif.core import views as core_views

urlpatterns = [
    path("admin/committee/", include("placements.urls")),
    path("admin/review/", include("selection.urls")),
    path("admin/", admin.site.urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("language/", core_views.switch_language, name="switch_language"),
]

urlpatterns += i18n_patterns(
    # Before allauth's own: staff set up their second factor only from their e-mailed link.
    path(
        "accounts/2fa/totp/activate/",
        core_views.mfa_activate_totp,
        name="mfa_activate_totp",
    ),
    *(
        [path("accounts/2fa/webauthn/add/", core_views.mfa_add_webauthn, name="mfa_add_webauthn")]
        if "webauthn" in settings.MFA_SUPPORTED_TYPES
        else []
    ),
    path("accounts/my-data/", include("candidates.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("dossier/fee/", include("payments.urls")),
    path("dossier/", include("candidates.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("letters/", include("placements.letter_urls")),
    path("offer/", include("placements.candidate_urls")),
    path("eligibility/", candidates_public.eligibility_check, name="eligibility_check"),
    path("", include("tapif.core.urls")),
    prefix_default_language=True,
)
