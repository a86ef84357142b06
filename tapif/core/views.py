from __future__ import annotations

from allauth.core.internal import ratelimit
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tapif.core.choices import UserKind
from tapif.core.forms import LetterCodeForm
from tapif.core.letters import letter_by_code, letter_verification
from tapif.core.selectors import academie_list_active, campaign_current
from tapif.core.services import user_set_language


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
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
