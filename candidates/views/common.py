"""What every dossier page needs: the signed-in candidate's dossier for the current campaign."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from candidates.choices import CANDIDATE_LABELS
from candidates.permissions import can_own_dossier
from candidates.selectors import application_for, dossier_load, dossier_status
from tapif.core.exceptions import DomainError
from tapif.core.selectors import campaign_current


def dossier_view(view):
    """Give the view `request.dossier` (fully loaded) or send the candidate to start one.

    Only candidate accounts reach dossier pages; anyone else gets 403.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        allowed, _reason = can_own_dossier(request.user)
        if not allowed:
            raise PermissionDenied
        campaign = campaign_current()
        application = application_for(candidate=request.user, campaign=campaign)
        if application is None:
            return redirect("candidates:dossier")
        request.dossier = dossier_load(application.pk)
        return view(request, *args, **kwargs)

    return wrapper


def dossier_context(request, **extra) -> dict:
    dossier = request.dossier
    return {
        "application": dossier,
        "campaign": dossier.campaign,
        "status": dossier_status(dossier),
        "editable": dossier.is_draft and not dossier.campaign.has_closed(),
        "application_status_label": CANDIDATE_LABELS[dossier.status],
        **extra,
    }


def report_domain_error(request, error: DomainError, form=None) -> None:
    """Show a refused action next to the form (when there is one) or as a page message."""
    if form is not None:
        form.add_error(None, error.message)
    else:
        messages.error(request, error.message)
