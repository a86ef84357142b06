"""Small HTML pieces for read-only admin pages (every value goes through format_html, so it is
escaped). Shared by the apps' admin modules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.contrib import admin
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from tapif.core.audit import audit_record
from tapif.core.exceptions import DomainError
from tapif.core.services import rejection_note_clean


def html_table(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, empty: Any) -> str:
    rows = list(rows)
    if not rows:
        return format_html("<p>{}</p>", empty)
    head = format_html_join("", '<th scope="col">{}</th>', ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)


def html_list(items: Iterable[Any], *, empty: Any) -> str:
    items = list(items)
    if not items:
        return format_html("<p>{}</p>", empty)
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items)))


def short_date(value: dt.date | dt.datetime | None) -> str:
    """A date, or a moment in the site's time zone, in the active language's short format."""
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    return formats.date_format(value, "SHORT_DATE_FORMAT")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only services write: staff look, never add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReasonForm(forms.Form):
    """The form of a "reject…" action: a reason from a list, and a note that "other" needs.

    Subclasses set `reasons` (TextChoices with an OTHER member) and the reason's help text.
    """

    reasons: type
    reason_help = ""

    reason = forms.ChoiceField(label=_("Reason"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note to the candidate"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 80}),
        help_text=_("Required when the reason is “Other reason”; optional otherwise."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = self.reasons.choices
        self.fields["reason"].help_text = self.reason_help

    def clean(self):
        cleaned = super().clean()
        cleaned["note"] = cleaned.get("note", "").strip()
        if "reason" in cleaned:  # an unknown reason is already refused by its field
            try:
                rejection_note_clean(
                    reasons=self.reasons, reason=cleaned["reason"], note=cleaned["note"]
                )
            except DomainError as error:
                self.add_error("note", error.message)
        return cleaned


def _plain(value: Any) -> Any:
    """A form value as JSON can hold it (model instances by their text, dates as ISO)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits of reference data (campaigns, académies, criteria…) go to the audit log with
    what changed: field by field, before and after."""

    def save_model(self, request, obj, form, change):
        before = {}
        if change and obj.pk:
            stored = type(obj).objects.filter(pk=obj.pk).first()
            before = (
                {name: _plain(getattr(stored, name, None)) for name in form.changed_data}
                if stored is not None
                else {}
            )
        super().save_model(request, obj, form, change)
        after = {name: _plain(form.cleaned_data.get(name)) for name in form.changed_data}
        if form.changed_data or not change:
            audit_record(
                actor=request.user,
                action=f"admin.{'change' if change else 'add'}",
                target=obj,
                data={"before": before, "after": after},
            )

    def save_formset(self, request, form, formset, change):
        """Inline rows (a criterion's rubric levels…) are recorded the same way."""
        changed = [
            (inline_form, {n: _plain(inline_form.initial.get(n)) for n in inline_form.changed_data})
            for inline_form in formset.forms
            if inline_form.has_changed() and not formset._should_delete_form(inline_form)
        ]
        super().save_formset(request, form, formset, change)
        for inline_form, before in changed:
            audit_record(
                actor=request.user,
                action="admin.change",
                target=inline_form.instance,
                data={
                    "before": before,
                    "after": {
                        n: _plain(inline_form.cleaned_data.get(n)) for n in inline_form.changed_data
                    },
                },
            )
