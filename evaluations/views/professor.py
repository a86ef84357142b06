"""The professor's side: the link from the invitation, their requests, the evaluation form.

Every page but the link needs a signed-in Professeur account (403 for any other kind) and shows
only the requests bound to that account: anyone else's answers 404, exactly like a request that
does not exist.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from evaluations import services
from evaluations.choices import EvaluationStatus, RequestStatus
from evaluations.forms.professor import LEVEL_FIELDS, DeclineForm, EvaluationForm, SubmitForm
from evaluations.models import Evaluation, EvaluationRequest
from evaluations.permissions import can_act_as_professor, link_still_works
from evaluations.selectors import (
    evaluation_of,
    evaluation_rows,
    professor_request,
    professor_requests,
)
from tapif.core.exceptions import DomainError

#: How each refusal of evaluation_request_open answers: unknown 404, gone 410, refused 403.
LINK_REFUSAL_STATUS = {
    "unknown": 404,
    "replaced": 410,
    "expired": 410,
    "closed": 410,
    "kind": 403,
    "taken": 403,
    "self": 403,
}

#: What the professor reads about each of their requests.
PROFESSOR_LABELS = {
    RequestStatus.INVITED: gettext_lazy("To do"),
    RequestStatus.OPENED: gettext_lazy("To do"),
    RequestStatus.SUBMITTED: gettext_lazy("Submitted"),
    RequestStatus.DECLINED: gettext_lazy("Declined"),
    RequestStatus.REPLACED: gettext_lazy("Withdrawn by the candidate"),
    RequestStatus.REJECTED: gettext_lazy("Submitted"),
}


def professor_view(view):
    """Signed-in Professeur accounts only; the view gets `request.evaluation_request` when the
    URL names one of theirs (404 otherwise)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, pk: int | None = None, **kwargs):
        allowed, _reason = can_act_as_professor(request.user)
        if not allowed:
            raise PermissionDenied
        if pk is not None:
            found = professor_request(request.user, pk)
            if found is None:
                raise Http404
            request.evaluation_request = found
        return view(request, *args, **kwargs)

    return wrapper


def _link_refused(request: HttpRequest, message: str, code: str) -> HttpResponse:
    return render(
        request,
        "evaluations/professor/link_refused.html",
        {"message": message, "code": code},
        status=LINK_REFUSAL_STATUS.get(code, 403),
    )


_GONE_MESSAGES = {
    "replaced": gettext_lazy(
        "The candidate has chosen another evaluator: this link no longer works."
    ),
    "expired": gettext_lazy("This link has expired. Ask the candidate to send it again."),
}


@never_cache
@require_GET
def link(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the invitation e-mail.

    Signed in: bind the request to this Professeur account (once) and go to it. Not signed in:
    say who asks and offer to create a Professeur account or to sign in, then come back here.
    """
    if request.user.is_authenticated:
        try:
            opened = services.evaluation_request_open(token=token, user=request.user)
        except DomainError as error:
            return _link_refused(request, error.message, error.code)
        if opened.professor is None or opened.professor.user_id != request.user.pk:
            # Not the invited address: it has been asked to confirm; nothing is bound yet.
            return render(
                request,
                "evaluations/professor/link_confirm_sent.html",
                {"invitation": opened, "account_email": request.user.email},
            )
        return redirect("evaluations:request", pk=opened.pk)
    found = services.evaluation_request_by_token(token)
    if found is None:
        return _link_refused(
            request, _("This link is not valid. Ask the candidate to send it again."), "unknown"
        )
    usable, reason = link_still_works(found)
    if not usable:
        return _link_refused(request, str(_GONE_MESSAGES[reason]), reason)
    back = request.path
    signup_query = {"kind": "professor", "next": back}
    if found.professor_id is None:
        signup_query["email"] = found.evaluator_email
    return render(
        request,
        "evaluations/professor/link.html",
        {
            "invitation": found,
            "candidate_name": found.application.candidate.get_full_name(),
            "campaign": found.application.campaign,
            "signup_url": f"{reverse('account_signup')}?{urlencode(signup_query)}",
            "login_url": f"{reverse('account_login')}?{urlencode({'next': back})}",
        },
    )


@never_cache
def confirm_address(request: HttpRequest, token: str) -> HttpResponse:
    """The link e-mailed to an invited address when another account opened its invitation:
    shows which account asks, and binds the request to it only on POST (a mail scanner's GET
    binds nothing)."""
    found = services.evaluation_request_by_address_token(token)
    if found is None or found.pending_professor is None:
        return _link_refused(
            request, _("This confirmation link is not valid or has already been used."), "unknown"
        )
    if request.method == "POST":
        try:
            services.evaluation_request_confirm_address(token=token)
        except DomainError as error:
            return _link_refused(request, error.message, error.code)
        return render(
            request, "evaluations/professor/address_confirmed.html", {"invitation": found}
        )
    account = found.pending_professor.user
    return render(
        request,
        "evaluations/professor/confirm_address.html",
        {
            "invitation": found,
            "candidate_name": found.application.candidate.get_full_name(),
            "account_email": account.email if account else "",
        },
    )


@professor_view
def requests(request: HttpRequest) -> HttpResponse:
    rows = [
        {"request": item, "label": PROFESSOR_LABELS[item.status]}
        for item in professor_requests(request.user)
    ]
    return render(request, "evaluations/professor/requests.html", {"rows": rows})


def _request_context(request: HttpRequest, **extra) -> dict:
    item = request.evaluation_request
    return {
        "invitation": item,
        "application": item.application,
        "candidate_name": item.application.candidate.get_full_name(),
        "campaign": item.application.campaign,
        "status_label": PROFESSOR_LABELS[item.status],
        **extra,
    }


@professor_view
def request_detail(request: HttpRequest) -> HttpResponse:
    """The evaluation form (a draft until submitted), read-only once the request is closed."""
    item = request.evaluation_request
    evaluation = evaluation_of(item)
    submitted = evaluation is not None and evaluation.status == EvaluationStatus.SUBMITTED
    if submitted or not item.is_open:
        if request.method == "POST":
            messages.error(
                request,
                _("This evaluation has already been submitted.")
                if submitted
                else _("This request is closed: the evaluation can no longer be changed."),
            )
            return redirect("evaluations:request", pk=item.pk)
        context = _request_context(
            request,
            evaluation=evaluation if submitted else None,
            rows=evaluation_rows(evaluation) if submitted else [],
        )
        return render(request, "evaluations/professor/request_closed.html", context)
    form = EvaluationForm(request.POST if request.method == "POST" else None, instance=evaluation)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_save(request=item, user=request.user, data=form.service_data())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if request.POST.get("action") == "review":
                return redirect("evaluations:submit", pk=item.pk)
            messages.success(request, _("Draft saved. You can come back to it at any time."))
            return redirect("evaluations:request", pk=item.pk)
    context = _request_context(
        request,
        form=form,
        level_fields=LEVEL_FIELDS,
        draft_saved_at=evaluation and evaluation.updated_at,
    )
    return render(request, "evaluations/professor/request_detail.html", context)


@professor_view
def request_submit(request: HttpRequest) -> HttpResponse:
    """Read the evaluation once more, confirm, submit: it cannot be changed afterwards."""
    item = request.evaluation_request
    evaluation = evaluation_of(item)
    if evaluation is not None and evaluation.status == EvaluationStatus.SUBMITTED:
        messages.error(request, _("This evaluation has already been submitted."))
        return redirect("evaluations:request", pk=item.pk)
    if not item.is_open:
        return redirect("evaluations:request", pk=item.pk)
    form = SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_submit(request=item, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("evaluations:request", pk=item.pk)
        messages.success(
            request,
            _("Your evaluation has been sent. Thank you: %(name)s has been told it was received.")
            % {"name": item.application.candidate.get_full_name()},
        )
        return redirect("evaluations:request", pk=item.pk)
    missing = [
        Evaluation._meta.get_field(name).verbose_name
        for name in services.evaluation_missing(evaluation)
    ]
    context = _request_context(
        request, form=form, rows=evaluation_rows(evaluation), missing=missing
    )
    return render(request, "evaluations/professor/request_submit.html", context)


@professor_view
def request_decline(request: HttpRequest) -> HttpResponse:
    """Decline with a reason the candidate reads, so they can invite someone else in time."""
    item: EvaluationRequest = request.evaluation_request
    if not item.is_open:
        messages.error(request, _("This request can no longer be declined."))
        return redirect("evaluations:request", pk=item.pk)
    form = DeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.evaluation_request_decline(
                request=item, user=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("You have declined. %(name)s has been told and can invite someone else.")
                % {"name": item.application.candidate.get_full_name()},
            )
            return redirect("evaluations:requests")
    return render(
        request, "evaluations/professor/request_decline.html", _request_context(request, form=form)
    )
