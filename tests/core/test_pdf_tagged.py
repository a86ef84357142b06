"""Every PDF tapif writes is tagged for screen readers (PDF/UA-1): a structure tree, the
document's language and its title, shown as the window's title."""

from __future__ import annotations

import io

from pypdf import PdfReader

from tapif.core.pdf import html_to_pdf

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Dossier CA27-00001</title></head><body>
<h1>Dossier CA27-00001</h1><p>Né le 1er septembre 2003.</p>
<table><thead><tr><th>Cours</th><th>Niveau</th></tr></thead>
<tbody><tr><td>Français 101</td><td>B2</td></tr></tbody></table>
</body></html>"""


def _structure_types(node, found: set[str]) -> set[str]:
    node = node.get_object()
    if isinstance(node, list):
        for child in node:
            _structure_types(child, found)
        return found
    if hasattr(node, "get") and node.get("/S") is not None:
        found.add(str(node["/S"]))
    kids = node.get("/K") if hasattr(node, "get") else None
    if kids is not None and not isinstance(kids, int):
        _structure_types(kids, found)
    return found


def test_a_pdf_carries_its_structure_language_and_title():
    reader = PdfReader(io.BytesIO(html_to_pdf(PAGE)))
    catalog = reader.trailer["/Root"]

    assert catalog["/Lang"] == "fr"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == "Dossier CA27-00001"
    types = _structure_types(catalog["/StructTreeRoot"], set())
    assert {"/H1", "/P", "/Table", "/TH", "/TD"} <= types
    assert b"pdfuaid:part" in reader.xmp_metadata.stream.get_data()  # declares PDF/UA-1
