"""The candidate's answers to an offer: accept (criminal record check and passport), decline,
withdraw.

The forms carry only what the candidate typed or picked. Whether the file is acceptable (its
real type, its size, an empty file) and whether the offer can still be answered is decided by
the services in `placements.offers`; their refusals are shown next to the field they concern
(`add_refusal`), so the candidate reads the same message whichever way the answer arrives.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from candidates.documents import REFUSAL_CODES
from tapif.core.moments import day_words

#: What the file picker offers: extensions for the desktop pickers, types for the phone ones
#: (the same files as every other document of the dossier).
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

#: Longest reason a candidate may give when declining or withdrawing.
REASON_MAX_LENGTH = 2000

# Which field a refusal of `offer_accept` belongs to, by its code (the document upload's codes,
# see candidates.documents); any other code (offer closed, dossier moved on) is about the form.
ACCEPT_ERROR_FIELDS = dict.fromkeys(REFUSAL_CODES, "criminal_record") | {
    "criminal_record": "criminal_record",
    "passport": "passport_confirmed",
    "passport_confirmed": "passport_confirmed",
}


class RefusalMixin:
    """Show a refusal of a service next to the field it concerns, else above the form."""

    error_fields: dict[str, str] = {}

    def add_refusal(self, code: str, message: str) -> None:
        field = self.error_fields.get(code)
        self.add_error(field if field in self.fields else None, message)


class OfferAcceptForm(RefusalMixin, forms.Form):
    error_fields = ACCEPT_ERROR_FIELDS

    criminal_record = forms.FileField(
        label=_("Criminal record check (level 1)"),
        help_text=_(
            "A standard level 1 criminal record check, as a PDF, JPEG or PNG file of 10 MB at "
            "most. It is needed for your “arrêté de nomination” (your work contract)."
        ),
        # An empty file is refused by the service, with the same message as everywhere else.
        allow_empty_file=True,
        error_messages={
            "required": _("Choose the file of your criminal record check (level 1)."),
            "invalid": _("The file could not be read: choose it again."),
            "missing": _("The file could not be read: choose it again."),
        },
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    passport_confirmed = forms.BooleanField(label=_("My passport is valid long enough."))

    def __init__(self, *args, passport_valid_until, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        date = day_words(passport_valid_until)
        field = self.fields["passport_confirmed"]
        field.label = gettext(
            "I confirm that my passport is valid until at least %(date)s, the date the "
            "programme requires."
        ) % {"date": date}
        field.error_messages["required"] = gettext(
            "Tick this box to confirm that your passport is valid until at least %(date)s. If "
            "it expires before, renew it first: you need it for your visa."
        ) % {"date": date}


class ReasonForm(RefusalMixin, forms.Form):
    """An optional reason, for the programme (declining an offer, withdrawing)."""

    reason = forms.CharField(
        label=_("Reason (optional)"),
        help_text=_("It helps the programme; you may leave it empty."),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
