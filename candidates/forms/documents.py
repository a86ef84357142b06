"""The upload form of one document slot: the file, and the expiry date for passports.

The form only carries what the candidate typed; whether the file is acceptable (its real type,
its size, an empty file, a missing expiry date) is decided by `services.document_upload`, so the
candidate reads the same message whichever way the file arrives.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from candidates.choices import DOCUMENTS_WITH_EXPIRY, DocumentKind
from candidates.documents import REFUSAL_CODES

#: What the file picker offers: extensions for the desktop pickers, types for the phone ones.
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

# Which form field a refusal from `services.document_upload` belongs to, by its code; a code
# not listed (dossier closed or submitted) is about the whole form.
ERROR_FIELDS = dict.fromkeys(REFUSAL_CODES, "file") | {"expiry": "expires_on"}


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, 10 MB at most. A new file replaces the current one."),
        # An empty file is refused by the service, with its own message.
        allow_empty_file=True,
        widget=forms.FileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    expires_on = forms.DateField(
        label=_("Expiry date"),
        help_text=_("Required, as printed on the passport."),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, kind: str, **kwargs) -> None:
        kwargs.setdefault("prefix", kind)
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.kind = kind
        # Each card has its own form: the label names the document, for screen readers that
        # list the page's fields out of their card.
        document = DocumentKind(kind).label
        self.fields["file"].label = gettext("%(document)s: file to upload") % {"document": document}
        if kind in DOCUMENTS_WITH_EXPIRY:
            self.fields["expires_on"].label = gettext("%(document)s: expiry date") % {
                "document": document
            }
        else:
            del self.fields["expires_on"]

    def add_refusal(self, code: str, message: str) -> None:
        """Show a refusal of the upload service next to the field it concerns."""
        field = ERROR_FIELDS.get(code)
        self.add_error(field if field in self.fields else None, message)


class DraftDocumentReasonForm(forms.Form):
    """Why a programme manager opens a document of a dossier not yet submitted (recorded with
    the read, in the audit log)."""

    reason = forms.CharField(
        label=_("Reason"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_(
            "This dossier is a draft: the candidate has not handed it in. Say why you need to "
            "open this document (for example, the candidate asked for help by e-mail). The "
            "reason is recorded with your name in the audit log."
        ),
    )
