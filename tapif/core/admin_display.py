"""Small HTML pieces for read-only admin pages (every value goes through format_html, so it is
escaped). Shared by the apps' admin modules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join


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
