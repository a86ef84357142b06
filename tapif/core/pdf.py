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


#: Every PDF is tagged PDF/UA-1: a structure tree (headings, paragraphs, tables, lists) that
#: screen readers follow, the document language from <html lang> and the title from <title>,
#: shown as the window's title.
PDF_VARIANT = "pdf/ua-1"


def html_to_pdf(html: str, *, print_stylesheet: bool = True) -> bytes:
    """The tagged (PDF/UA-1) PDF of an HTML page, with the site's print stylesheet unless the
    page brings its own (the letters' layout does). The page must carry `lang` and a <title>.

    Static files (the stylesheet) are read from disk, never fetched over the network.
    """
    from weasyprint import CSS, HTML

    stylesheet = finders.find("css/print.css") if print_stylesheet else None
    stylesheets = [CSS(filename=stylesheet)] if stylesheet else []
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=stylesheets, pdf_variant=PDF_VARIANT
    )
