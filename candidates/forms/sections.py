"""The dossier's section forms. They check the shape of the answers; the rules that decide
eligibility live in candidates.eligibility and are shown next to the fields, not enforced here,
so a candidate never loses what they typed."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from candidates.choices import CouplePreference, ExperienceKind
from candidates.models import (
    Assets,
    Experience,
    FrenchCourse,
    FrenchProfile,
    Identity,
    PreviousParticipation,
    Studies,
)
from tapif.core.choices import Language
from tapif.core.models import Academie, Institution
from tapif.core.moments import day_words
from tapif.core.widgets import CachedOptionsSelect

YES_NO = [(True, _("Yes")), (False, _("No"))]


def _country_choices():
    return [("", "—"), *countries]


def country_field(label, **kwargs) -> forms.ChoiceField:
    """A country select whose ~250 options are rendered once per language (see the widget)."""
    return forms.ChoiceField(
        label=label,
        choices=_country_choices,
        widget=CachedOptionsSelect(list_name="countries"),
        **kwargs,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def yes_no_field(label, help_text="") -> forms.TypedChoiceField:
    """A required-looking but optional yes/no question (None until answered)."""
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        widget=forms.RadioSelect,
        coerce=lambda value: value in (True, "True"),
        empty_value=None,
        required=False,
    )


def _radios_without_blank(form: forms.BaseForm) -> None:
    """A radio list needs no "choose an option" entry: none ticked means no answer."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.RadioSelect) and hasattr(field, "choices"):
            field.choices = [(v, label) for v, label in field.choices if v not in ("", None)]


class SectionForm(forms.ModelForm):
    """Every section field is optional when saving: completeness is reported, not enforced."""

    def __init__(self, *args, campaign=None, **kwargs):
        self.campaign = campaign
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        _radios_without_blank(self)

    def model_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.fields}


class IdentityForm(SectionForm):
    country_of_birth = country_field(_("Country of birth"))
    country_of_citizenship = country_field(
        _("Country of citizenship"),
        help_text=_("Permanent residents: the country whose passport you hold."),
    )
    country = country_field(_("Country"))
    resides_in_canada = yes_no_field(_("Do you live in Canada?"))
    exchange_student_abroad = yes_no_field(
        _("Are you abroad on a student exchange?"),
        _("Only if you do not live in Canada right now."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for e-mails and letters"), choices=Language.choices
    )

    class Meta:
        model = Identity
        fields = [
            "legal_first_names",
            "legal_last_name",
            "date_of_birth",
            "place_of_birth",
            "country_of_birth",
            "sex",
            "citizenship",
            "country_of_citizenship",
            "is_eu_citizen",
            "resides_in_canada",
            "exchange_student_abroad",
            "address_line",
            "city",
            "province",
            "postal_code",
            "country",
            "phone",
        ]
        widgets = {
            "date_of_birth": DateInput(),
            "sex": forms.RadioSelect,
            "citizenship": forms.RadioSelect,
            "legal_first_names": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "legal_last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "address_line": forms.TextInput(attrs={"autocomplete": "address-line1"}),
            "city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
            "province": forms.TextInput(attrs={"autocomplete": "address-level1"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
        }

    def clean_date_of_birth(self):
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        if born and born.year < 1900:
            raise forms.ValidationError(_("Check the year of birth."))
        return born

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and len(re.sub(r"\D", "", phone)) < 10:
            raise forms.ValidationError(
                _("Enter a phone number with its area code, for example 613 555 0199.")
            )
        return phone


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name} — {obj.city}"


class StudiesForm(SectionForm):
    institution = InstitutionChoiceField(
        label=_("University"),
        queryset=Institution.objects.none(),
        help_text=_("If yours is not in the list, fill in the three fields below."),
    )
    missing_institution_name = forms.CharField(
        label=_("University not in the list: name"), max_length=200
    )
    missing_institution_city = forms.CharField(label=_("Its city"), max_length=100)
    missing_institution_province = forms.ChoiceField(
        label=_("Its province or territory"),
        choices=[("", "—"), *Institution._meta.get_field("province").choices],
    )
    has_education_degree = yes_no_field(_("Do you hold a degree in education?"))
    studies_mostly_in_canada = yes_no_field(
        _("Were most of your secondary and university studies done in Canada?")
    )

    field_order = [
        "enrolment_status",
        "institution",
        "missing_institution_name",
        "missing_institution_city",
        "missing_institution_province",
    ]

    class Meta:
        model = Studies
        fields = [
            "enrolment_status",
            "institution",
            "programme",
            "major",
            "minor",
            "french_study",
            "university_years_completed",
            "has_education_degree",
            "studies_mostly_in_canada",
        ]
        widgets = {"enrolment_status": forms.RadioSelect, "french_study": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = Institution.objects.filter(
            status=Institution.Status.APPROVED
        ).order_by("name")
        self.fields["university_years_completed"].widget.attrs.update(min=0, max=12)

    def clean_university_years_completed(self):
        years = self.cleaned_data.get("university_years_completed")
        if years is not None and years > 12:
            raise forms.ValidationError(_("Enter the number of years, between 0 and 12."))
        return years

    def clean(self):
        data = super().clean()
        requested = [
            data.get(f"missing_institution_{part}") for part in ("name", "city", "province")
        ]
        if any(requested) and not all(requested):
            self.add_error(
                "missing_institution_name",
                _("Give the name, city and province of the missing university."),
            )
        if all(requested) and data.get("institution"):
            self.add_error(
                "institution",
                _("Choose a university from the list or ask for a new one, not both."),
            )
        return data


class FrenchForm(SectionForm):
    class Meta:
        model = FrenchProfile
        fields = ["proof_route", "test_name", "test_level", "test_date"]
        widgets = {"proof_route": forms.RadioSelect, "test_date": DateInput()}
        help_texts = {
            # Scales changed over the years: the level printed on the certificate is what counts.
            "test_level": _(
                "Enter the CEFR level printed on your certificate. Usual bands: TCF 300–399 = "
                "B1, 400–499 = B2, 500–599 = C1, 600–699 = C2; DELF B1, DELF B2, DALF C1 and "
                "DALF C2 name their level; for the TEF, copy the level on your attestation."
            ),
            "test_date": _(
                "The date printed on your results. Upload the certificate with "
                "your documents; the embassy checks it."
            ),
        }

    def clean(self):
        data = super().clean()
        test_date = data.get("test_date")
        if test_date and test_date > timezone.localdate():
            self.add_error(
                "test_date",
                _("Enter the date you received your results; it cannot be in the future."),
            )
        elif test_date and self.campaign and test_date > self.campaign.language_test_deadline:
            self.add_error(
                "test_date",
                _("Results must be in by %(date)s.")
                % {"date": day_words(self.campaign.language_test_deadline)},
            )
        return data


class FrenchCourseForm(forms.ModelForm):
    class Meta:
        model = FrenchCourse
        fields = ["title", "level", "grade", "year"]

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year and not 1950 <= year <= timezone.localdate().year:
            raise forms.ValidationError(_("Enter the year the course ended."))
        return year


class ExperienceForm(forms.ModelForm):
    country = country_field(_("Country"), required=False)

    class Meta:
        model = Experience
        fields = [
            "kind",
            "role",
            "organisation",
            "country",
            "abroad_activity",
            "start_date",
            "end_date",
            "hours_per_week",
            "description",
        ]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "kind": forms.RadioSelect,
            "abroad_activity": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _radios_without_blank(self)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        today = timezone.localdate()
        if start and start > today:
            self.add_error("start_date", _("Only experience that has started can be listed."))
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        if data.get("kind") == ExperienceKind.ABROAD:
            if not data.get("country"):
                self.add_error("country", _("Say in which country."))
            elif data.get("country") == "CA":
                self.add_error("country", _("Time abroad means outside Canada."))
            if not data.get("abroad_activity"):
                self.add_error("abroad_activity", _("Say what you did there."))
        return data


class AssetsForm(SectionForm):
    class Meta:
        model = Assets
        fields = [
            "motivation_letter",
            "academie_1",
            "academie_2",
            "academie_3",
            "school_level",
            "available_from_contract_start",
        ]
        widgets = {
            "motivation_letter": forms.Textarea(
                attrs={"rows": 18, "lang": "fr", "spellcheck": "false"}
            ),
            "school_level": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Academie.objects.filter(is_active=True).order_by("name")
        for name in ("academie_1", "academie_2", "academie_3"):
            self.fields[name].queryset = active

    def clean(self):
        data = super().clean()
        choices = [data.get(f"academie_{i}") for i in (1, 2, 3)]
        seen: dict[int, int] = {}
        for position, academie in enumerate(choices, start=1):
            if academie is None:
                continue
            if academie.pk in seen:
                self.add_error(
                    f"academie_{position}",
                    _(
                        "You already chose %(academie)s as choice %(position)d: choose a different "
                        "académie."
                    )
                    % {"academie": academie.name, "position": seen[academie.pk]},
                )
            else:
                seen[academie.pk] = position
        if choices[0] is None and any(choices[1:]):
            self.add_error("academie_1", _("Start with your first choice."))
        if choices[1] is None and choices[2] is not None:
            self.add_error("academie_2", _("Fill in your second choice before the third."))
        return data


_SCHOOL_YEAR = re.compile(r"^(\d{4})-(\d{4})$")


class PreviousParticipationForm(forms.ModelForm):
    class Meta:
        model = PreviousParticipation
        fields = ["school_year", "academie"]

    def clean_school_year(self):
        value = self.cleaned_data["school_year"].strip()
        match = _SCHOOL_YEAR.match(value)
        if not match or int(match[2]) != int(match[1]) + 1:
            raise forms.ValidationError(_("Write the school year as 2023-2024."))
        if int(match[1]) >= dt.date.today().year + 1:  # noqa: DTZ011 (a year, not a moment)
            raise forms.ValidationError(_("Only past participations can be listed."))
        return value


class CoupleForm(forms.Form):
    partner_email = forms.EmailField(
        label=_("Your partner's e-mail address"),
        help_text=_("The address of their own TAPIF account. They confirm from their dossier."),
    )
    preference = forms.ChoiceField(
        label=_("If we cannot be placed together"),
        choices=CouplePreference.choices,
        widget=forms.RadioSelect,
    )
