"""The candidate's declaration of their e-Transfer. Shapes only: whether the dossier may declare,
and what the uploaded receipt is worth, are the services' and come back as form errors."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from candidates.documents import REFUSAL_CODES
from candidates.forms.documents import ACCEPTED_FILES
from tapif.core.moments import day_words

# Interac reference numbers are letters and digits (8 to 12 in practice); allow some slack.
REFERENCE = re.compile(r"^[A-Za-z0-9]{6,20}$")

# Which field a refusal from `services.payment_declare` belongs to, by its code.
ERROR_FIELDS = dict.fromkeys(REFUSAL_CODES, "receipt") | {"receipt": "receipt"}


class PaymentDeclarationForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount sent (CAD)"), max_digits=7, decimal_places=2, min_value=Decimal("0.01")
    )
    sent_on = forms.DateField(
        label=_("Date you sent it"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    sender_name = forms.CharField(
        label=_("Name of the sender"),
        max_length=200,
        help_text=_("As your bank shows it: the account holder who sent the e-Transfer."),
    )
    reference_number = forms.CharField(
        label=_("Interac reference number"),
        max_length=64,
        help_text=_("On your receipt, for example CA1AbCdEfGh2: letters and digits."),
    )
    memo = forms.CharField(
        label=_("Message you typed"),
        max_length=400,
        help_text=_("Copy it exactly as you typed it, even if it differs from the instructions."),
    )
    receipt = forms.FileField(
        label=_("Receipt of the e-Transfer"),
        help_text=_(
            "A screenshot or the confirmation saved as PDF: PDF, JPEG or PNG, 10 MB at most."
        ),
        required=False,
        allow_empty_file=True,  # the service refuses it with its own message
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
    )

    def __init__(self, *args, campaign, has_receipt: bool = False, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.has_receipt = has_receipt
        self.fields["amount"].label = _("Amount sent (%(currency)s)") % {
            "currency": campaign.fee_currency
        }
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"
        if has_receipt:
            self.fields["receipt"].help_text = _(
                "Leave empty to keep the receipt you uploaded; a new file replaces it."
            )

    def clean_amount(self) -> Decimal:
        amount = self.cleaned_data["amount"]
        if amount != self.campaign.fee_amount:
            raise forms.ValidationError(
                _(
                    "The application fee is %(fee)s %(currency)s. Declare an e-Transfer of "
                    "exactly this amount; if you sent another amount, write to %(address)s."
                ),
                code="amount",
                params={
                    "fee": formats.number_format(self.campaign.fee_amount, 2),
                    "currency": self.campaign.fee_currency,
                    "address": self.campaign.etransfer_recipient,
                },
            )
        return amount

    def clean_sent_on(self) -> dt.date:
        sent_on = self.cleaned_data["sent_on"]
        today = timezone.localdate()
        if sent_on > today:
            raise forms.ValidationError(_("This date is in the future."), code="future")
        earliest = timezone.localdate(self.campaign.opens_at) - dt.timedelta(days=31)
        if sent_on < earliest:
            raise forms.ValidationError(
                _("An e-Transfer sent before %(date)s cannot be this campaign's fee."),
                code="too_early",
                params={"date": day_words(earliest)},
            )
        return sent_on

    def clean_reference_number(self) -> str:
        reference = re.sub(r"\s+", "", self.cleaned_data["reference_number"])
        if not REFERENCE.match(reference):
            raise forms.ValidationError(
                _("A reference number has 6 to 20 letters and digits, without other signs."),
                code="reference",
            )
        return reference  # as on the receipt; matching ignores case

    def clean_receipt(self):
        receipt = self.cleaned_data.get("receipt")
        if receipt is None and not self.has_receipt:
            raise forms.ValidationError(
                _("Upload the receipt of your e-Transfer."), code="required"
            )
        return receipt

    def add_refusal(self, code: str, message: str) -> None:
        field = ERROR_FIELDS.get(code)
        self.add_error(field if field in self.fields else None, message)

    def service_data(self) -> dict:
        """The keyword arguments of services.payment_declare."""
        return {name: self.cleaned_data[name] for name in self.fields}
