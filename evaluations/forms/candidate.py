"""The candidate's evaluator invitation. Shapes only: the rules (one evaluator waiting at a
time, not oneself, the professor route) are the services' and come back as form errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.choices import Relationship
from evaluations.selectors import institutions_approved
from tapif.core.choices import Language
from tapif.core.models import Institution


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} — {obj.city}"


class EvaluatorForm(forms.Form):
    evaluator_name = forms.CharField(label=_("Your evaluator's name"), max_length=200)
    evaluator_email = forms.EmailField(
        label=_("Their e-mail address"),
        help_text=_("Preferably their university address. The invitation goes there."),
    )
    institution = InstitutionChoiceField(
        label=_("Their institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("None, or not in the list"),
    )
    relationship = forms.ChoiceField(
        label=_("They are"), choices=Relationship.choices, widget=forms.RadioSelect
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation e-mail"),
        choices=Language.choices,
        initial=Language.FRENCH,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_approved()
        self.fields["evaluator_name"].widget.attrs["autocomplete"] = "off"
        self.fields["evaluator_email"].widget.attrs["autocomplete"] = "off"

    def service_data(self) -> dict:
        """The keyword arguments of evaluation_request_create / _replace."""
        return {name: self.cleaned_data[name] for name in self.fields}
