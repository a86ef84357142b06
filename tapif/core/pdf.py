"""PDF rendering from Django templates with WeasyPrint (imported only when a PDF is made)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation


def render_html(template: str, context: dict[str, Any], *, language: str) -> str:
    """The template rendered in `language`, with the site's address for absolute links."""
    with translation.override(language):
        return render_to_string(template, {"site_url": settings.SITE_URL, **context})


def html_to_pdf(html: str, *, print_stylesheet: bool = True, tagged: bool = False) -> bytes:
    """The PDF of an HTML page, with the site's print stylesheet unless the page brings its
    own (the letters' layout does). `tagged` writes the document's structure (headings,
    tables) into the PDF, for screen readers.

    Static files (the stylesheet) are read from disk, never fetched over the network.
    """
    from weasyprint import CSS, HTML

    stylesheet = finders.find("css/print.css") if print_stylesheet else None
    stylesheets = [CSS(filename=stylesheet)] if stylesheet else []
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=stylesheets, pdf_tags=tagged
    )
