"""Forms of the institution contact's pages: joining an institution and listing a professor."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tapif.core.models import Institution


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} — {obj.city}"


class JoinForm(forms.Form):
    """Choose a listed institution, or ask for a missing one, and say what you do there."""

    institution = InstitutionChoiceField(
        label=_("Your institution"),
        queryset=Institution.objects.none(),
        required=False,
        help_text=_("If yours is not in the list, fill in the three fields below."),
    )
    missing_name = forms.CharField(
        label=_("Institution not in the list: name"), max_length=200, required=False
    )
    missing_city = forms.CharField(label=_("Its city"), max_length=100, required=False)
    missing_province = forms.ChoiceField(
        label=_("Its province or territory"),
        choices=[("", "—"), *Institution._meta.get_field("province").choices],
        required=False,
    )
    role = forms.CharField(
        label=_("Your role at the institution"),
        max_length=150,
        help_text=_("For example: head of the French department."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(
            status=Institution.Status.APPROVED
        ).order_by("name", "city")
        self.fields["role"].widget.attrs["autocomplete"] = "organization-title"

    def clean(self):
        data = super().clean()
        missing = [data.get(f"missing_{part}") for part in ("name", "city", "province")]
        chosen = data.get("institution")
        if any(missing) and not all(missing):
            self.add_error(
                "missing_name",
                _("Give the name, city and province of the missing institution."),
            )
        elif all(missing) and chosen:
            self.add_error(
                "institution",
                _("Choose an institution from the list or ask for a new one, not both."),
            )
        elif not chosen and not any(missing) and "institution" not in self.errors:
            self.add_error(
                "institution",
                _("Choose your institution from the list, or ask for it to be added."),
            )
        return data

    @property
    def asks_for_a_new_institution(self) -> bool:
        return bool(self.cleaned_data.get("missing_name"))


class ProfessorAddForm(forms.Form):
    full_name = forms.CharField(label=_("Professor's name"), max_length=200)
    email = forms.EmailField(
        label=_("Professor's e-mail address"),
        help_text=_(
            "Their address at the institution. Once they open a request from it, its progress "
            "appears above."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "off"
        self.fields["email"].widget.attrs["autocomplete"] = "off"
