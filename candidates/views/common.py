"""What every dossier page needs: the signed-in candidate's dossier for the current campaign."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy

from candidates.choices import PAYMENT_CANDIDATE_LABELS
from candidates.permissions import can_own_dossier
from candidates.selectors import (
    application_for,
    candidate_situation,
    dossier_load,
    dossier_status,
)
from tapif.core.messages import explain_all
from tapif.core.selectors import campaign_current


def candidate_application(request):
    """The signed-in candidate's dossier for the current campaign (None before they start one).

    Only candidate accounts reach dossier pages; anyone else gets 403.
    """
    allowed, _reason = can_own_dossier(request.user)
    if not allowed:
        raise PermissionDenied
    return application_for(candidate=request.user, campaign=campaign_current())


#: Session key of the fields of a POST that met an expired session (restored after sign-in).
PENDING_POST = "tapif_pending_post"
SESSION_ENDED = gettext_lazy(
    "Your session has ended: press Save to sign in again, what you typed will be kept."
)
#: Form fields never kept: the CSRF token is renewed at sign-in.
_NOT_KEPT = frozenset({"csrfmiddlewaretoken"})


def _keep_pending_post(request) -> None:
    """A form sent after the session expired: keep its fields for the page to restore them
    once the candidate has signed in again (`pending_post_for`)."""
    request.session[PENDING_POST] = {
        "path": request.path,
        "at": timezone.now().isoformat(),
        "fields": {k: v for k, v in request.POST.lists() if k not in _NOT_KEPT},
    }


def pending_post_for(request) -> dict[str, list[str]] | None:
    """The fields kept by `_keep_pending_post` for this page, taken out of the session."""
    pending = request.session.get(PENDING_POST)
    if not pending or pending.get("path") != request.path:
        return None
    del request.session[PENDING_POST]
    return pending["fields"]


def dossier_view(view):
    """Give the view `request.dossier` (fully loaded) or send the candidate to start one.

    A form sent with an expired session is not lost: its fields wait in the (new, anonymous)
    session while the candidate signs in again, and the page offers them back.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.headers.get("X-Requested-With") == "fetch":
                # A page's script (autosave): the session is left alone, so the page's own
                # Save, sent at the same moment, keeps its fields in it.
                return JsonResponse({"error": str(SESSION_ENDED)}, status=401)
            if request.method == "POST":
                _keep_pending_post(request)
            return redirect_to_login(request.get_full_path())
        application = candidate_application(request)
        if application is None:
            return redirect("candidates:dossier")
        request.dossier = dossier_load(application.pk)
        return view(request, *args, **kwargs)

    return wrapper


def released_result(request) -> dict | None:
    """The committee's result as the candidate reads it, or None until it is released (before
    that, nothing of the selection round shows on the candidate's pages)."""
    dossier = request.dossier
    if dossier.result_released_at is None:
        return None
    return {
        "decision": dossier.result_decision,
        "academie": dossier.result_academie,
        "level": dossier.get_result_level_display() if dossier.result_level else "",
        "waitlist_position": dossier.result_waitlist_position,
        "explanation": explain_all(dossier.result_explanation),
        "released_at": dossier.result_released_at,
    }


def dossier_context(request, **extra) -> dict:
    """What every dossier page shows: the dossier, its progress (`status`) and the candidate's
    situation (`situation`: what they read and may do, worked out once)."""
    dossier = request.dossier
    progress = dossier_status(dossier)
    return {
        "application": dossier,
        "campaign": dossier.campaign,
        "status": progress,
        "situation": candidate_situation(dossier, progress=progress),
        "payment_label": PAYMENT_CANDIDATE_LABELS[dossier.payment_status],
        "fee_memo": dossier.campaign.etransfer_memo_for(dossier.number),
        "released_result": released_result(request),
        **extra,
    }
