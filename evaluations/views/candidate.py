"""The candidate's evaluator (section 3 of the dossier, professor route).

The candidate sees where each invitation stands and when (sent, opened, received, declined with
the reason, replaced), never the evaluation itself: nothing here reads `Evaluation`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from candidates.choices import FrenchProofRoute
from candidates.selectors import section_of
from candidates.views.common import dossier_context, dossier_view
from evaluations import services
from evaluations.choices import OPEN_STATUSES
from evaluations.forms.candidate import EvaluatorForm
from evaluations.models import EvaluationRequest
from evaluations.permissions import can_invite_evaluator, may_send_invitation
from evaluations.selectors import evaluators_of, invitation_problem
from tapif.core.exceptions import DomainError


def _rate_limited_message() -> str:
    count = settings.TAPIF_EVALUATION_INVITES_PER_HOUR
    return ngettext(
        "You have sent %(count)d invitation in the last hour, the most allowed: wait a "
        "little before sending another one.",
        "You have sent %(count)d invitations in the last hour, the most allowed: wait a "
        "little before sending another one.",
        count,
    ) % {"count": count}


def _own_request(request: HttpRequest, pk: int) -> EvaluationRequest:
    """One of this dossier's requests (404 for anyone else's)."""
    return get_object_or_404(
        EvaluationRequest.objects.select_related("application__campaign"),
        pk=pk,
        application=request.dossier,
    )


@dossier_view
def evaluator(request: HttpRequest) -> HttpResponse:
    """Where the evaluator stands, and the invitation form when nobody is waiting."""
    application = request.dossier
    context = dossier_context(request)
    found = evaluators_of(application)
    french = section_of(application, "french")
    route = french.proof_route if french else ""
    open_campaign = not application.campaign.has_closed()
    can_invite, _reason = can_invite_evaluator(application, found)
    form = None
    if can_invite:
        form = EvaluatorForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            if not may_send_invitation(request, application)[0]:
                form.add_error(None, _rate_limited_message())
            else:
                try:
                    invited = services.evaluation_request_create(
                        application=application, actor=request.user, **form.service_data()
                    )
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(
                        request,
                        _("Invitation sent to %(name)s (%(email)s).")
                        % {"name": invited.evaluator_name, "email": invited.evaluator_email},
                    )
                    return redirect("evaluations:evaluator")
    elif request.method == "POST":
        messages.error(request, _("You cannot invite an evaluator now."))
        return redirect("evaluations:evaluator")
    context.update(
        found=found,
        route=route,
        on_test_route=route == FrenchProofRoute.OFFICIAL_TEST,
        problem=invitation_problem(found.current) if found.current else "",
        can_change_evaluator=open_campaign,
        unopened_days=request.dossier.campaign.unopened_invitation_days,
        form=form,
    )
    return render(request, "evaluations/candidate/evaluator.html", context)


@dossier_view
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _own_request(request, pk)
    if not may_send_invitation(request, request.dossier)[0]:
        messages.error(request, _rate_limited_message())
        return redirect("evaluations:evaluator")
    try:
        invitation = services.evaluation_request_resend(request=invitation, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The invitation has been sent again to %(email)s. The previous link no longer works.")
            % {"email": invitation.evaluator_email},
        )
    return redirect("evaluations:evaluator")


@dossier_view
def replace(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite someone else (or the same person at a corrected address) instead of an evaluator
    who has not submitted; the old link stops working."""
    previous = _own_request(request, pk)
    if previous.status not in OPEN_STATUSES:
        messages.error(request, _("Only an evaluator who is still expected can be replaced."))
        return redirect("evaluations:evaluator")
    context = dossier_context(request)
    if request.dossier.campaign.has_closed():
        messages.error(
            request, _("The application period has ended: the invitation can no longer be sent.")
        )
        return redirect("evaluations:evaluator")
    initial = {}
    if request.GET.get("correct"):
        # Correcting the address: the same person, the address left for the candidate to type.
        initial = {
            "evaluator_name": previous.evaluator_name,
            "institution": previous.institution_id,
            "relationship": previous.relationship,
            "language": previous.language,
        }
    form = EvaluatorForm(request.POST if request.method == "POST" else None, initial=initial)
    if (
        request.method == "POST"
        and form.is_valid()
        and not may_send_invitation(request, request.dossier)[0]
    ):
        form.add_error(None, _rate_limited_message())
    elif request.method == "POST" and form.is_valid():
        try:
            invited = services.evaluation_request_replace(
                request=previous, actor=request.user, **form.service_data()
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(old)s has been replaced. Invitation sent to %(name)s (%(email)s).")
                % {
                    "old": previous.evaluator_name,
                    "name": invited.evaluator_name,
                    "email": invited.evaluator_email,
                },
            )
            return redirect("evaluations:evaluator")
    context.update(previous=previous, form=form)
    return render(request, "evaluations/candidate/replace.html", context)
