"""The cached country select writes what Django's Select would, once per language."""

import re

from django import forms
from django.utils import translation

from candidates.forms.sections import _country_choices, country_field
from tapif.core import widgets


class TemplateRendered(forms.Form):
    country = forms.ChoiceField(label="Country", choices=_country_choices, help_text="Help")


class Cached(forms.Form):
    country = country_field("Country", help_text="Help")


def _same_markup(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


def test_cached_select_writes_the_same_markup_as_django_select():
    for language in ("fr", "en"):
        with translation.override(language):
            for data in ({"country": "CA"}, {"country": "XX"}, {"country": ""}, None):
                expected = str(TemplateRendered(data)["country"])
                assert _same_markup(str(Cached(data)["country"])) == _same_markup(expected)


def test_cached_select_marks_only_the_current_value_and_keeps_the_accessibility_attributes():
    with translation.override("fr"):
        html = str(Cached({"country": "FR"})["country"])
    assert html.count(" selected") == 1
    assert '<option value="FR" selected>France</option>' in html
    assert 'aria-describedby="id_country_helptext"' in html
    assert 'aria-invalid="true"' not in html
    with translation.override("fr"):
        invalid = str(Cached({"country": "XX"})["country"])
    assert 'aria-invalid="true"' in invalid
    assert " selected" not in invalid


def test_cached_select_renders_the_options_once_per_language(monkeypatch):
    monkeypatch.setattr(widgets, "_OPTIONS_CACHE", {})
    with translation.override("en"):
        str(Cached({"country": "FR"})["country"])
        english = str(Cached({"country": "DE"})["country"])
    with translation.override("fr"):
        french = str(Cached()["country"])
    assert sorted(language for _name, language in widgets._OPTIONS_CACHE) == ["en", "fr"]
    assert ">Germany</option>" in english
    assert ">Allemagne</option>" in french
