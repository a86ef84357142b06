"""Templated e-mails in the recipient's language, HTML with a plain-text part.

Rendering only: messages are written to the outbox (tapif.core.outbox), which renders them
with this at delivery.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_mail(
    template_prefix: str, *, language: str, context: dict[str, Any]
) -> tuple[str, str, str]:
    """(subject, text, html) rendered from `<prefix>_subject.txt`, `_body.txt`, `_body.html`."""
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(language):
        subject = _render_plain(f"{template_prefix}_subject.txt", context).strip()
        text = _render_plain(f"{template_prefix}_body.txt", context)
        html = render_to_string(f"{template_prefix}_body.html", context)
    return " ".join(subject.split()), text, html


def _render_plain(name: str, context: dict[str, Any]) -> str:
    """A plain-text template without HTML escaping: "l'anglais" must not become "l&#x27;anglais"."""
    return get_template(name).template.render(Context(context, autoescape=False))
