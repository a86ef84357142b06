"""The institution contact's pages: join an institution, then look after its professors.

An approved contact sees where each evaluation request addressed to its professors (or naming
the institution) stands and when: invited, opened, submitted, declined. Never the evaluation
itself: the queries here do not even load it (nor the reason a professor gave for declining).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from evaluations import services
from evaluations.choices import ContactStatus
from evaluations.forms.institution import JoinForm, ProfessorAddForm
from evaluations.models import InstitutionContact, Professor
from evaluations.permissions import can_act_for_an_institution
from evaluations.selectors import contact_of, institution_professors, institution_requests
from tapif.core.exceptions import DomainError
from tapif.core.models import Institution
from tapif.core.services import institution_request


def institution_view(view):
    """Give the view `request.contact` (or None); any account but an institution's gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        allowed, _reason = can_act_for_an_institution(request.user)
        if not allowed:
            raise PermissionDenied
        request.contact = contact_of(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def _approved_contact(request: HttpRequest) -> InstitutionContact:
    contact = request.contact
    if contact is None or contact.status != ContactStatus.APPROVED:
        raise PermissionDenied
    return contact


# --- pages ------------------------------------------------------------------------------------


def _dashboard_page(
    request: HttpRequest, contact: InstitutionContact, *, form: ProfessorAddForm | None = None
) -> HttpResponse:
    institution = contact.institution
    return render(
        request,
        "evaluations/institution/dashboard.html",
        {
            "contact": contact,
            "institution": institution,
            "professors": list(institution_professors(institution)),
            "requests": list(institution_requests(institution)),
            "form": form or ProfessorAddForm(),
        },
    )


@institution_view
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    contact = request.contact
    if contact is None or contact.status != ContactStatus.APPROVED:
        return render(request, "evaluations/institution/status.html", {"contact": contact})
    return _dashboard_page(request, contact)


@institution_view
def join(request: HttpRequest) -> HttpResponse:
    """Ask to represent a listed institution, or a new one; staff approve the request."""
    contact = request.contact
    if contact is not None and contact.status == ContactStatus.APPROVED:
        return redirect("evaluations:institution")
    initial = {}
    if contact is not None:
        initial["role"] = contact.role
        if contact.institution.status == Institution.Status.APPROVED:
            initial["institution"] = contact.institution
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                institution = data["institution"]
                if form.asks_for_a_new_institution:
                    institution = institution_request(
                        name=data["missing_name"],
                        city=data["missing_city"],
                        province=data["missing_province"],
                        actor=request.user,
                    )
                services.institution_contact_request(
                    user=request.user, institution=institution, role=data["role"]
                )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your request has been sent to the embassy."))
            return redirect("evaluations:institution")
    return render(request, "evaluations/institution/join.html", {"contact": contact, "form": form})


@institution_view
@require_POST
def professor_add(request: HttpRequest) -> HttpResponse:
    contact = _approved_contact(request)
    form = ProfessorAddForm(request.POST)
    if form.is_valid():
        try:
            professor = services.professor_add(
                user=request.user,
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
            )
        except DomainError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("%(name)s is listed as a professor of your institution.")
                % {"name": professor.full_name},
            )
            return redirect("evaluations:institution")
    return _dashboard_page(request, contact, form=form)


@institution_view
@require_POST
def professor_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Set one of the institution's professors active or inactive.

    The form says which state it wants (`active` = 1 or 0), so a double click changes nothing
    twice. Another institution's professor is not found here.
    """
    contact = _approved_contact(request)
    professor = get_object_or_404(Professor, pk=pk, institution_id=contact.institution_id)
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest()
    try:
        professor = services.professor_set_active(
            user=request.user, professor=professor, active=wanted == "1"
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        text = (
            _("%(name)s is active again.")
            if professor.is_active
            else _("%(name)s is now inactive.")
        )
        messages.success(request, text % {"name": professor.full_name})
    return redirect("evaluations:institution")
