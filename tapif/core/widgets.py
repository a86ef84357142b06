"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

# (list name, language) -> (options' HTML in order, position of each value in that list).
_OPTIONS_CACHE: dict[tuple[str, str], tuple[tuple[str, ...], dict[str, int]]] = {}


class CachedOptionsSelect(forms.Select):
    """A single-choice select for a long, fixed list (the ~250 countries) whose options are
    rendered once per language and kept for the life of the process.

    Django's Select renders one template per option: for three country selects that is most of
    a page's time. This one writes the `<select>` tag with the attributes Django would give it
    (id, required, aria-describedby, aria-invalid, disabled…), marks the current value
    `selected`, and reuses the cached options for everything else. `list_name` names the list:
    two fields with the same list name must have the same choices.
    """

    allow_multiple_selected = False

    def __init__(self, attrs=None, choices=(), *, list_name: str):
        super().__init__(attrs, choices)
        self.list_name = list_name

    def _options(self) -> tuple[tuple[str, ...], dict[str, int]]:
        key = (self.list_name, get_language() or "")
        cached = _OPTIONS_CACHE.get(key)
        if cached is None:
            html, position = [], {}
            for value, label in self.choices:
                if isinstance(label, (list, tuple)):  # optgroups are not supported
                    raise TypeError("CachedOptionsSelect takes a flat list of choices")
                text = "" if value is None else str(value)
                position.setdefault(text, len(html))
                html.append(format_html('<option value="{}">{}</option>', text, label))
            cached = _OPTIONS_CACHE[key] = (tuple(html), position)
        return cached

    def render(self, name, value, attrs=None, renderer=None):
        html, position = self._options()
        options = list(html)
        selected = self.format_value(value)
        if selected and selected[0] in position:
            index = position[selected[0]]
            options[index] = options[index].replace('">', '" selected>', 1)
        tag = [format_html('<select name="{}"', name)]
        # The attributes as Django's attrs.html writes them, in the same order.
        for attr, attr_value in self.build_attrs(self.attrs, attrs).items():
            if attr_value is True:
                tag.append(f" {conditional_escape(attr)}")
            elif attr_value is not False:
                tag.append(format_html(' {}="{}"', attr, str(attr_value)))
        return mark_safe(  # noqa: S308 (every piece above is escaped)
            "".join(tag) + ">\n" + "\n".join(options) + "\n</select>"
        )
