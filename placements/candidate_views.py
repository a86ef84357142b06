"""What the candidate sees and does after the results, under /offer/.

One page tells where the candidate stands: the offer of a place (académie, school level,
contract, salary, the deadline to answer in the campaign's time zone), their place on the
waiting list as it is now, or the outcome (declined, lapsed, withdrawn); once the académie has
said so, the town and the schools, then the appointment. From it the candidate accepts (the
criminal record check and the passport's validity), declines, or withdraws; each answer is one
call to a service of `placements.offers`, which checks, locks, records and writes the e-mails.

Everything here is the signed-in candidate's own dossier: no URL names an offer or a dossier, so
nobody can reach someone else's. Nothing shows before the result is released.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from candidates.selectors import application_may_withdraw
from candidates.views.common import dossier_context, dossier_view
from placements import offers
from placements.choices import OfferStatus
from placements.forms import OfferAcceptForm, ReasonForm
from placements.models import Offer
from placements.selectors import offer_situation
from tapif.core.exceptions import DomainError

#: The letters of an accepted offer (URL names of the letters' views, no arguments).
LETTERS = ("acceptance", "attestation")


def _letters() -> dict[str, str]:
    """The letters' addresses, by name."""
    return {name: reverse(f"placements_letters:{name}") for name in LETTERS}


def _released(request: HttpRequest) -> None:
    """Nothing of the selection shows before the candidate's result is released."""
    if request.dossier.result_released_at is None:
        raise Http404


def _context(request: HttpRequest, **extra) -> dict:
    application = request.dossier
    offer = offers.offer_for(application)
    context = dossier_context(
        request, offer=offer, schools=list(offer.schools.all()) if offer else [], **extra
    )
    situation = offer_situation(application, offer=offer, candidate=context["situation"])
    context.update(offer_situation=situation, deadline=situation.deadline)
    if situation.holds_place:
        context["letters"] = _letters()
    return context


@require_GET
@dossier_view
def offer_page(request: HttpRequest) -> HttpResponse:
    """The candidate's offer, waiting-list place or outcome."""
    _released(request)
    context = _context(request)
    if context["offer_situation"].state is None:
        # Not selected: the result on the dossier's page is all there is.
        return redirect("candidates:dossier")
    return render(request, "placements/offer/index.html", context)


def _open_offer_or_back(request: HttpRequest) -> Offer | None:
    """The offer still waiting for an answer, or None after telling the candidate why not."""
    offer = offers.offer_for(request.dossier)
    if offer is None or offer.status != OfferStatus.PENDING:
        messages.error(request, _("There is no offer waiting for your answer."))
        return None
    if not offer.is_open:
        messages.error(
            request,
            _("The deadline to answer this offer has passed: it can no longer be answered."),
        )
        return None
    return offer


@require_http_methods(["GET", "POST"])
@dossier_view
def offer_accept(request: HttpRequest) -> HttpResponse:
    """GET the acceptance form; POST accepts with the criminal record check and the passport."""
    _released(request)
    offer = _open_offer_or_back(request)
    if offer is None:
        return redirect("offer:index")
    campaign = request.dossier.campaign
    status = 200
    if request.method == "POST":
        form = OfferAcceptForm(
            request.POST, request.FILES, passport_valid_until=campaign.passport_valid_until
        )
        if form.is_valid():
            try:
                offers.offer_accept(
                    offer=offer,
                    actor=request.user,
                    criminal_record=form.cleaned_data["criminal_record"],
                    passport_confirmed=form.cleaned_data["passport_confirmed"],
                )
            except DomainError as error:
                form.add_refusal(error.code, error.message)
            else:
                messages.success(
                    request,
                    _(
                        "You have accepted the offer: welcome to the programme! The embassy "
                        "checks your criminal record check next."
                    ),
                )
                return redirect("offer:index")
        status = 400
    else:
        form = OfferAcceptForm(passport_valid_until=campaign.passport_valid_until)
    context = _context(request, form=form)
    return render(request, "placements/offer/accept.html", context, status=status)


@require_http_methods(["GET", "POST"])
@dossier_view
def offer_decline(request: HttpRequest) -> HttpResponse:
    """GET the confirmation; POST declines the offer, with the reason if one is given."""
    _released(request)
    offer = _open_offer_or_back(request)
    if offer is None:
        return redirect("offer:index")
    return _confirm_with_reason(
        request,
        act=lambda reason: offers.offer_decline(offer=offer, actor=request.user, reason=reason),
        done=_("You have declined the offer."),
        template="placements/offer/decline.html",
    )


@require_http_methods(["GET", "POST"])
@dossier_view
def application_withdraw(request: HttpRequest) -> HttpResponse:
    """GET the confirmation; POST withdraws from the programme, with the reason if one is
    given."""
    _released(request)
    if not application_may_withdraw(request.dossier):
        messages.error(request, _("Your dossier can no longer be withdrawn."))
        return redirect("offer:index")
    return _confirm_with_reason(
        request,
        act=lambda reason: offers.application_withdraw(
            application=request.dossier, actor=request.user, reason=reason
        ),
        done=_("You have withdrawn from the programme."),
        template="placements/offer/withdraw.html",
    )


def _confirm_with_reason(
    request: HttpRequest, *, act: Callable[[str], object], done: str, template: str
) -> HttpResponse:
    """A confirmation page with an optional reason: GET shows it, POST acts and goes back to
    the offer page (or shows the form again with the refusal, answering 400)."""
    if request.method == "POST":
        form = ReasonForm(request.POST)
        if form.is_valid():
            try:
                act(form.cleaned_data["reason"])
            except DomainError as error:
                form.add_refusal(error.code, error.message)
            else:
                messages.success(request, done)
                return redirect("offer:index")
        return render(request, template, _context(request, form=form), status=400)
    return render(request, template, _context(request, form=ReasonForm()))
