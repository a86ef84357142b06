"""The candidate's application fee: the instructions, where the payment stands, the declaration.

Part of section 5 of the dossier ("Éléments spécifiques"). The receipt is a private document of
the dossier, downloaded through the dossier's own checked view.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from candidates.views.common import dossier_context, dossier_view
from payments import services
from payments.forms import PaymentDeclarationForm
from payments.permissions import can_declare_payment, payment_open_to_declaration
from payments.selectors import payments_of
from tapif.core.exceptions import DomainError


def _declaration_form(request: HttpRequest, live, data=None, files=None):
    """The form when the candidate may (re)declare, else None."""
    application = request.dossier
    allowed, _reason = can_declare_payment(application)
    if not allowed or not payment_open_to_declaration(live):
        return None
    initial = {"amount": application.campaign.fee_amount, "memo": ""}
    if live is not None:
        initial |= {
            "amount": live.amount,
            "sent_on": live.sent_on,
            "sender_name": live.sender_name,
            "reference_number": live.reference_number,
            "memo": live.memo,
        }
    else:
        initial["sender_name"] = application.candidate.get_full_name()
    return PaymentDeclarationForm(
        data,
        files,
        campaign=application.campaign,
        has_receipt=bool(live and live.receipt_id),
        initial=initial,
    )


@dossier_view
def fee(request: HttpRequest) -> HttpResponse:
    """GET the page; POST declares (or corrects) the e-Transfer with its receipt."""
    application = request.dossier
    live = services.live_payment(application)
    if request.method == "POST":
        form = _declaration_form(request, live, request.POST, request.FILES)
        if form is None:
            _allowed, reason = can_declare_payment(application)
            messages.error(request, reason or _("Your payment has already been received."))
            return redirect("payments:fee")
        if form.is_valid():
            try:
                services.payment_declare(
                    application=application, actor=request.user, **form.service_data()
                )
            except DomainError as error:
                form.add_refusal(error.code, error.message)
            else:
                messages.success(
                    request,
                    _("Your payment is declared. The embassy matches it with its bank statement."),
                )
                return redirect("payments:fee")
        status = 400
    else:
        form = _declaration_form(request, live)
        status = 200
    context = dossier_context(
        request, form=form, live=live, payments=list(payments_of(application))
    )
    return render(request, "payments/fee.html", context, status=status)
