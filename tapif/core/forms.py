from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context as allauth_context
from allauth.mfa.base.internal.flows import check_rate_limit
from allauth.mfa.totp.internal.auth import validate_totp_code
from django import forms
from django.contrib.auth import password_validation
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


class StaffSetupForm(forms.Form):
    """A staff member's set-up link: their own password, and a code from the authenticator app
    they just scanned (proof that it works before it becomes their second factor)."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not a common password."),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}
        ),
    )

    def __init__(self, *args, user, secret: str, **kwargs) -> None:
        self.user = user
        self.secret = secret
        super().__init__(*args, **kwargs)

    def clean_password2(self) -> str:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data["password2"]
        if password1 and password1 != password2:
            raise forms.ValidationError(_("The two passwords differ."), code="password_mismatch")
        password_validation.validate_password(password2, self.user)
        return password2

    def clean_code(self) -> str:
        # allauth's limit on second-factor attempts (per account), as its own activation form.
        clear_limit = check_rate_limit(self.user, error_key="rate_limited")
        code = self.cleaned_data["code"].strip().replace(" ", "")
        if not validate_totp_code(self.secret, code):
            raise forms.ValidationError(
                _("This code does not match: check the app's clock and type the current code."),
                code="incorrect_code",
            )
        clear_limit()
        return code
