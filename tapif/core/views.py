from __future__ import annotations

import datetime as dt
from base64 import b64encode
from functools import wraps

from allauth.core.internal import ratelimit
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.totp import views as totp_views
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tapif.core import health
from tapif.core.choices import UserKind
from tapif.core.exceptions import DomainError
from tapif.core.forms import LetterCodeForm, StaffSetupForm
from tapif.core.letters import letter_by_code, letter_verification
from tapif.core.middleware import staff_needs_two_factor
from tapif.core.privacy import DRAFT_WARNING_DAYS
from tapif.core.selectors import academie_list_active, campaign_current, staff_invitation_by_token
from tapif.core.services import staff_setup_complete, user_set_language


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    campaign = campaign_current()
    academies = academie_list_active()
    return render(
        request,
        "core/landing.html",
        {
            "campaign": campaign,
            "academies": academies,
            "overseas_with_supplement": [a for a in academies if a.has_salary_supplement],
        },
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_staff:
        return render(request, "core/home_staff.html", {"campaign": campaign_current()})
    # Each kind's home is its own work: the dossier, the evaluation requests, the institution.
    homes = {
        UserKind.CANDIDATE: "candidates:dossier",
        UserKind.PROFESSOR: "evaluations:requests",
        UserKind.INSTITUTION: "evaluations:institution",
    }
    return redirect(homes[UserKind(request.user.kind)])


def session_renew(request: HttpRequest) -> None:
    """Let the session run its full length again from now (a fixed end the pages can show)."""
    request.session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))


@login_required
@require_POST
def session_extend(request: HttpRequest) -> HttpResponse:
    """ "Stay signed in": the session runs its full length again from now (JSON answer)."""
    session_renew(request)
    return JsonResponse({"seconds_left": request.session.get_expiry_age()})


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Switch the interface language and come back to the same page in that language.

    Signed-in users keep the choice on their account, so their e-mails follow it too.
    """
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    # The URL is resolved in its own language: /fr/… only resolves while French is active,
    # whatever the browser's Accept-Language made active for this request.
    with translation.override(translation.get_language_from_path(next_url)):
        target = translate_url(next_url, language)
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=True,
    )
    return response


@require_GET
@never_cache
def letter_verify(request: HttpRequest) -> HttpResponse:
    """The public page printed on every letter: a code → the letter's few facts and its
    standing today. No account; each lookup counts against the visitor's address
    (`ACCOUNT_RATE_LIMITS["letter_verify"]`); an unknown code and a malformed one read alike."""
    form = LetterCodeForm(request.GET if "code" in request.GET else None)
    context: dict = {"form": form, "searched": False, "verification": None}
    if form.is_bound and form.is_valid():
        # allauth's limiter (its client-address rules, its cache), with the rate in
        # ACCOUNT_RATE_LIMITS; its public `consume` never limits a GET, and this page is one
        # (the QR code opens it), hence the internal call, pinned by the tests.
        if not ratelimit.consume(
            request, app="allauth.account", action="letter_verify", limit_get=True
        ):
            context["limited"] = True
            return render(request, "core/letter_verify.html", context, status=429)
        letter = letter_by_code(form.cleaned_data["code"])
        context["searched"] = True
        context["verification"] = letter_verification(letter) if letter is not None else None
    return render(request, "core/letter_verify.html", context)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy policy, in the reader's language, written from the current campaign's
    retention settings (what is collected, why, who sees it, how long, how to get or erase it,
    whom to ask)."""
    campaign = campaign_current()
    return render(
        request,
        "core/privacy.html",
        {"campaign": campaign, "draft_warning_days": DRAFT_WARNING_DAYS},
    )


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness for a load balancer or a monitor: each service's check (tapif.core.health),
    200 when none failed, else 503. No personal data; no rate limit; plain HTTP allowed."""
    checks = health.readiness()
    failed = any(check.failed for check in checks.values())
    return JsonResponse(
        {
            "status": health.FAILED if failed else health.OK,
            "checks": {
                name: {"status": check.status, "detail": check.detail}
                for name, check in checks.items()
            },
        },
        status=503 if failed else 200,
    )


# --- Staff set-up: the second factor comes only from the e-mailed link -------------------------

_SETUP_SECRET_KEY = "tapif.staff_setup.secret"  # noqa: S105 (a session key, not a secret)


def _setup_secret(request: HttpRequest, invitation, *, fresh: bool = False) -> str:
    """The authenticator secret offered on this link's page, kept in the session between the
    page and its form (a new one for another link, or when asked)."""
    kept = request.session.get(_SETUP_SECRET_KEY)
    if not fresh and isinstance(kept, dict) and kept.get("invitation") == invitation.pk:
        return kept["secret"]
    secret = generate_totp_secret()
    request.session[_SETUP_SECRET_KEY] = {"invitation": invitation.pk, "secret": secret}
    return secret


def _setup_qr(user, secret: str) -> dict[str, str]:
    adapter = get_mfa_adapter()
    url = adapter.build_totp_url(user, secret)
    svg = adapter.build_totp_svg(url)
    return {
        "totp_url": url,
        "qr_data_uri": "data:image/svg+xml;base64," + b64encode(svg.encode()).decode(),
    }


@never_cache
@sensitive_post_parameters("password1", "password2", "code")
@require_http_methods(["GET", "POST"])
def staff_setup(request: HttpRequest, token: str) -> HttpResponse:
    """A staff member's set-up link: choose a password, scan the authenticator secret, confirm
    a code; then the recovery codes are shown, this once, and the person is signed in."""
    invitation = staff_invitation_by_token(token)
    if (
        invitation is None
        or not invitation.is_usable(timezone.now())
        or not (invitation.user.is_staff and invitation.user.is_active)
    ):
        expired = (
            invitation is not None and invitation.used_at is None and not invitation.revoked_at
        )
        return render(request, "core/staff_setup_invalid.html", {"expired": expired}, status=410)
    user = invitation.user
    secret = _setup_secret(request, invitation)
    form = StaffSetupForm(request.POST or None, user=user, secret=secret)
    if request.method == "POST" and form.is_valid():
        try:
            done = staff_setup_complete(
                token=token, password=form.cleaned_data["password1"], totp_secret=secret
            )
        except DomainError as error:
            return render(
                request, "core/staff_setup_invalid.html", {"message": error.message}, status=410
            )
        request.session.pop(_SETUP_SECRET_KEY, None)
        login(request, done.user, backend="django.contrib.auth.backends.ModelBackend")
        with translation.override(done.user.preferred_language):
            return render(
                request,
                "core/staff_setup_done.html",
                {"codes": done.recovery_codes, "staff": done.user},
            )
    return render(
        request,
        "core/staff_setup.html",
        {
            "form": form,
            "invitation": invitation,
            "staff": user,
            "secret": secret,
            **_setup_qr(user, secret),
        },
    )


def staff_setup_needed_response(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    return render(request, "core/staff_setup_needed.html", status=status)


@require_GET
def staff_setup_needed(request: HttpRequest) -> HttpResponse:
    """Where staff without a second factor land instead of the admin: no set-up here, only the
    e-mailed link (or a new one from a programme manager)."""
    return staff_setup_needed_response(
        request, status=403 if staff_needs_two_factor(request.user) else 200
    )


def refused_to_staff(view):
    """allauth's own pages that add a second factor, closed to staff accounts: a staff member's
    second factor comes only from their set-up link. Others use allauth's page as it is."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.is_authenticated and request.user.is_staff:
            return staff_setup_needed_response(request, status=403)
        return view(request, *args, **kwargs)

    return wrapper


mfa_activate_totp = refused_to_staff(totp_views.activate_totp)


@refused_to_staff
def mfa_add_webauthn(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """allauth's security-key page, closed to staff (routed only when WebAuthn is enabled)."""
    from allauth.mfa.webauthn import views as webauthn_views  # needs fido2, when enabled

    return webauthn_views.add_webauthn(request, *args, **kwargs)
