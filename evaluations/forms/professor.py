"""The professor's evaluation (a draft until submitted), the confirmation and the refusal.

Every field is optional while drafting; evaluation_submit says what is still missing.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from evaluations.models import Evaluation
from evaluations.services import EVALUATION_FIELDS

LEVEL_FIELDS = (
    "oral_comprehension",
    "oral_expression",
    "written_comprehension",
    "written_expression",
    "overall_level",
)
RADIO_FIELDS = ("motivation", "aptitude", "known_context", "recommendation")


class EvaluationForm(forms.ModelForm):
    class Meta:
        model = Evaluation
        fields = list(EVALUATION_FIELDS)
        widgets = {
            **dict.fromkeys(RADIO_FIELDS, forms.RadioSelect),
            "comment": forms.Textarea(attrs={"rows": 8}),
        }
        help_texts = {
            "overall_level": _(
                "The level that sums up the four skills. B1 is the programme's minimum."
            ),
            "motivation": _(
                "Their motivation to teach English in French schools for seven months and to "
                "live in France."
            ),
            "aptitude": _(
                "Their ability to lead a class of children or teenagers and to talk about "
                "Canada and its cultures."
            ),
            "known_context_details": _("For example: the courses and the years."),
            "comment": _(
                "Anything that helps the selection committee: strengths, reservations, "
                "progress. Only the embassy's staff read it."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.required = False
            if name in LEVEL_FIELDS:
                field.choices = [("", "—"), *((v, label) for v, label in field.choices if v)]
            elif name in RADIO_FIELDS:
                # A radio list needs no "choose an option" entry: none ticked means no answer.
                field.choices = [(v, label) for v, label in field.choices if v not in ("", None)]

    def service_data(self) -> dict:
        """What evaluation_save writes: every field of the form."""
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class SubmitForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I confirm this evaluation. I understand that it cannot be changed once submitted."
        ),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why you cannot evaluate this candidate"),
        help_text=_("The candidate reads this message, so that they can ask someone else in time."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Tell the candidate why, in a few words.")},
    )
