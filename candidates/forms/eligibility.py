"""The short form of the public eligibility check; every answer is optional."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from candidates.choices import CefrLevel, Citizenship, EnrolmentStatus
from candidates.eligibility import Facts
from candidates.forms.sections import DateInput, country_field, yes_no_field


class EligibilityCheckForm(forms.Form):
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    citizenship = forms.ChoiceField(
        label=_("Citizenship"),
        required=False,
        widget=forms.RadioSelect,
        choices=Citizenship.choices,
    )
    country_of_citizenship = country_field(
        _("Permanent residents: country of citizenship"), required=False
    )
    resides_in_canada = yes_no_field(_("Do you live in Canada?"))
    exchange_student_abroad = yes_no_field(_("If not: are you abroad on a student exchange?"))
    enrolment_status = forms.ChoiceField(
        label=_("Your situation"),
        required=False,
        widget=forms.RadioSelect,
        choices=EnrolmentStatus.choices,
    )
    university_years_completed = forms.IntegerField(
        label=_("University years completed and validated"),
        required=False,
        min_value=0,
        max_value=12,
    )
    has_teaching_experience = yes_no_field(_("Do you have teaching experience?"))
    has_education_degree = yes_no_field(_("Do you hold a degree in education?"))
    studies_mostly_in_canada = yes_no_field(
        _("Were most of your secondary and university studies done in Canada?")
    )
    french_level = forms.ChoiceField(
        label=_("Your French level (CEFR), if you know it"),
        required=False,
        choices=[("", "—"), *CefrLevel.choices],
    )
    passport_expiry = forms.DateField(
        label=_("Passport expiry date"), required=False, widget=DateInput()
    )
    previous_participations = forms.IntegerField(
        label=_("Times you have already been an assistant in France"),
        required=False,
        min_value=0,
        max_value=10,
    )
    available_from_contract_start = yes_no_field(_("Can you start on 1 October?"))

    def facts(self) -> Facts:
        data = {key: value for key, value in self.cleaned_data.items() if value not in ("", None)}
        if data.get("citizenship") != Citizenship.PERMANENT_RESIDENT:
            data.pop("country_of_citizenship", None)
        return Facts(**data)
