"""What every dossier page needs: the signed-in candidate's dossier for the current campaign."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

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


def dossier_view(view):
    """Give the view `request.dossier` (fully loaded) or send the candidate to start one."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
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
