"""Messages (`{"code", "params"}`, or a list of them) as a reader sees them, for assertions on
the words: `words(outcome.explanation)` in English, `words(..., "fr")` in French."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import translation

from tapif.core.messages import explain_all, explain_message


def words(messages: Mapping[str, Any] | Iterable[Mapping[str, Any]], language: str = "en") -> str:
    with translation.override(language):
        if isinstance(messages, Mapping):
            return explain_message(messages)
        return explain_all(messages)


def en(messages: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> str:
    return words(messages, "en")


def fr(messages: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> str:
    return words(messages, "fr")


def codes(messages: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[str]:
    """Every code in `messages`, those of messages nested in parameters included."""
    items = [messages] if isinstance(messages, Mapping) else list(messages)
    found = []
    for item in items:
        found.append(item["code"])
        for value in item.get("params", {}).values():
            nested = value if isinstance(value, list) else [value]
            found.extend(
                code
                for each in nested
                if isinstance(each, Mapping) and "code" in each
                for code in codes(each)
            )
    return found


def cells(html: str) -> str:
    """A page with its table cells' `data-label` attributes left out (the phone layout's column
    names), so that assertions can read `<td>value</td>`."""
    return re.sub(r'<td data-label="[^"]*">', "<td>", html)
