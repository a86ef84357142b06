"""Admin actions, one way: confirm, call a service per row, report what happened.

Every admin action of the project goes through `admin_action`:
1. when the action needs a confirmation (a reason, a note, a tick), the first POST shows one
   page, `admin/action_confirmation.html`: the selected rows, the form, and the action posted
   again with `apply`;
2. once confirmed (the forms valid), the service is called for each row, each call in its own
   transaction as the service opens it; a `DomainError` refuses that row only and is reported
   with the row's name and the error's text;
3. the rows done are reported as a count (`ngettext`), or per result for a one-row action.

The admin only names the service, the words and the rows: the rules stay in the service.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import ActionLocation, helpers
from django.template.response import TemplateResponse
from django.utils.functional import Promise

from tapif.core.exceptions import DomainError

TEMPLATE = "admin/action_confirmation.html"

#: A plural message counted on "count": `ngettext_lazy("%(count)d … done.", "…", "count")`.
Plural = Promise


def action_field_name(request) -> str:
    """An action's field is named after where it was started (the list or the change page)."""
    prefix = f"{ActionLocation.CHANGE_FORM.value}-"
    return f"{prefix}action" if f"{prefix}action" in request.POST else "action"


def action_data(request):
    """What a confirmation's forms are bound to: the POST once confirmed, else nothing (the
    first click from the action bar shows the empty form)."""
    return request.POST if "apply" in request.POST else None


@dataclass(frozen=True)
class Confirmation:
    """The page shown before an action runs.

    `headers` and `cells` describe each selected row in a table, under `heading`; `intro` and
    `heading` may be lazy plurals counted on "counter" (the number of rows). `template` may
    extend the one template (and read each row's form); `context` adds to its context.
    """

    title: Any
    intro: Any
    submit: Any
    headers: Sequence[Any] = ()
    cells: Callable[[Any], Sequence[Any]] | None = None
    heading: Any = ""
    template: str = TEMPLATE
    context: Mapping[str, Any] = field(default_factory=dict)


def _pk(row: Any) -> Any:
    return row.pk if hasattr(row, "pk") else row["pk"]


def _confirmation_page(
    model_admin, request, rows: Sequence[Any], confirm: Confirmation, form, row_form
) -> TemplateResponse:
    items = [
        {
            "pk": _pk(row),
            "row": row,
            "cells": confirm.cells(row) if confirm.cells else (),
            "form": row_form(row) if row_form else None,
        }
        for row in rows
    ]
    counted = {"counter": len(rows)}  # a lazy plural is counted on "counter"
    intro, heading = (
        text % counted if isinstance(text, Promise) else text
        for text in (confirm.intro, confirm.heading)
    )
    media = model_admin.media
    for each in [form, *(item["form"] for item in items)]:
        if each is not None:
            media += each.media
    context = {
        **model_admin.admin_site.each_context(request),
        "title": confirm.title,
        "intro": intro,
        "submit_label": confirm.submit,
        "opts": model_admin.opts,
        "headers": confirm.headers,
        "items": items,
        "items_heading": heading,
        "form": form,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "action_field_name": action_field_name(request),
        "action_name": request.POST.get(action_field_name(request), ""),
        "media": media,
        **confirm.context,
    }
    return TemplateResponse(request, confirm.template, context)


def _confirmed(request, rows: Sequence[Any], form, row_form) -> bool:
    if "apply" not in request.POST:
        return False
    checked = [form] if form is not None else []
    if row_form is not None:
        checked += [row_form(row) for row in rows]
    return all(each.is_valid() for each in checked)  # an invalid form shows its errors again


def admin_action(
    model_admin,
    request,
    rows: Iterable[Any],
    *,
    call: Callable[[Any], Any] | None = None,
    batch: Callable[[list[Any]], Any] | None = None,
    done: Plural | Mapping[Any, Plural] | Callable[[Any], Any] | None = None,
    tally: Callable[[Any], Any] | None = None,
    refused: Any = None,
    names: Callable[[Any], Mapping[str, Any]] | None = None,
    refused_level: int = messages.WARNING,
    skip: Callable[[Any], bool] | None = None,
    skipped: Plural | None = None,
    skipped_level: int = messages.INFO,
    confirm: Confirmation | Callable[[], Confirmation] | None = None,
    form: forms.Form | None = None,
    row_form: Callable[[Any], forms.Form] | None = None,
    exactly_one: Any = None,
) -> TemplateResponse | None:
    """Run an admin action over `rows` (a list, in the order they are reported).

    - `exactly_one`: the message shown (and nothing done) unless one row is selected;
    - `confirm`: the confirmation page (or a function building it, called only to show it;
      its `DomainError` is shown as an error instead), shown until the action is posted again
      with `apply` and its forms valid: `form`, bound to `action_data(request)`, asks for what
      every row shares (a reason); `row_form(row)` reads a row's own form, built by the caller
      the same way (the eligibility decision's overrules);
    - `skip` / `skipped`: rows left as they are (already in the wanted state), counted;
    - `call(row)`: the service call; a `DomainError` refuses that row: `refused` (with
      "%(reason)s" and the placeholders `names(row)` gives; without it, the error's text
      alone) at `refused_level`;
    - or `batch(rows)`: a service that takes every row at once (one transaction, balanced
      over the rows); its `DomainError` refuses them all, its text shown as an error;
    - `done`: a plural counted over the rows done; or a mapping of plurals, the rows done
      counted by `tally(result)`; or a function of one result giving its message, or its
      messages as (text, level) pairs.
    Messages come in this order: each refusal, what was done, what was skipped.
    """
    rows = list(rows)
    if exactly_one is not None and len(rows) != 1:
        model_admin.message_user(request, exactly_one, messages.WARNING)
        return None
    if confirm is not None and not _confirmed(request, rows, form, row_form):
        if callable(confirm):
            try:
                confirm = confirm()
            except DomainError as error:
                model_admin.message_user(request, error.message, messages.ERROR)
                return None
        return _confirmation_page(model_admin, request, rows, confirm, form, row_form)

    results: list[Any] = []
    left = 0
    if batch is not None:
        try:
            results.append(batch(rows))
        except DomainError as error:
            model_admin.message_user(request, error.message, messages.ERROR)
        rows = []
    for row in rows:
        if skip is not None and skip(row):
            left += 1
            continue
        try:
            results.append(call(row))
        except DomainError as error:
            text = error.message
            if refused is not None:
                text = refused % {**(names(row) if names else {}), "reason": error.message}
            model_admin.message_user(request, text, refused_level)
    _report_done(model_admin, request, results, done, tally)
    if left and skipped is not None:
        model_admin.message_user(request, skipped % {"count": left}, skipped_level)
    return None


def _report_done(model_admin, request, results: list[Any], done, tally) -> None:
    if done is None or not results:
        return
    if isinstance(done, Promise):
        model_admin.message_user(request, done % {"count": len(results)}, messages.SUCCESS)
    elif isinstance(done, Mapping):
        counts = Counter(tally(result) if tally else None for result in results)
        for key, plural in done.items():
            if counts[key]:
                model_admin.message_user(request, plural % {"count": counts[key]}, messages.SUCCESS)
    else:
        for result in results:
            said = done(result)
            for text, level in [(said, messages.SUCCESS)] if isinstance(said, str) else said or ():
                model_admin.message_user(request, text, level)
