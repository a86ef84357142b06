from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context as allauth_context
from django import forms
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from tapif.core.choices import SELF_SERVICE_KINDS, Language


class SignupForm(AllauthSignupForm):
    """allauth's e-mail sign-up plus the name, the account type and the preferred language."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    kind = forms.ChoiceField(
        label=_("I am"),
        choices=[(kind.value, kind.label) for kind in SELF_SERVICE_KINDS],
        initial=SELF_SERVICE_KINDS[0].value,
        widget=forms.RadioSelect,
        help_text=_(
            "Candidates apply to the programme; professors evaluate a candidate's French; "
            "institution contacts represent a university."
        ),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for e-mails and letters"), choices=Language.choices
    )

    field_order = ["first_name", "last_name", "email", "password1", "password2", "kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = translation.get_language() or "fr"
        self.fields["first_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["last_name"].widget.attrs["autocomplete"] = "family-name"
        # A link may preselect the account type: ?kind=professor from an evaluation request.
        request = allauth_context.request
        kind = request.GET.get("kind") if request is not None else None
        if kind in {choice.value for choice in SELF_SERVICE_KINDS}:
            self.fields["kind"].initial = kind


class LetterCodeForm(forms.Form):
    """A verification code as someone typed it from a letter (any case, spaces, dashes)."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=60,
        help_text=_("As printed at the foot of the letter, for example ABCDE-FGHJK."),
    )
