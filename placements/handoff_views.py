"""The hand-off pages, under /admin/committee/<round>/handoff/: for a frozen round, each
académie's list of assistants and the national file, in CSV, .xlsx and PDF
(`placements.handoff`). For programme managers (`placements.change_offer`: they record the
towns and schools the académies give)."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from placements.choices import HOLDING_OFFER_STATUSES
from placements.handoff import CONTENT_TYPES, FORMATS, handoff_file, handoff_round
from placements.models import Offer
from selection.staff import render, staff_view
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie

PERMISSION = "placements.change_offer"


def _frozen(round_pk: int):
    try:
        return handoff_round(round_pk)
    except DomainError as error:
        raise Http404(error.message) from error


def handoff_index(request: HttpRequest, round_pk: int) -> HttpResponse:
    selection_round = _frozen(round_pk)
    counts = dict(
        Offer.objects.filter(round=selection_round, status__in=HOLDING_OFFER_STATUSES)
        .values_list("academie_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    academies = [
        {"academie": academie, "count": counts[academie.pk]}
        for academie in Academie.objects.filter(pk__in=counts).order_by("name")
    ]
    return render(
        request,
        "placements/handoff_index.html",
        {
            "title": _("Hand-off to the académies"),
            "round": selection_round,
            "academies": academies,
            "total": sum(counts.values()),
            "formats": FORMATS,
        },
    )


def handoff_download(request: HttpRequest, round_pk: int, code: str, file_format: str):
    selection_round = _frozen(round_pk)
    academie = None
    if code != "all":
        academie = Academie.objects.filter(code=code).first()
        if academie is None:
            raise Http404
    if file_format not in FORMATS:
        raise Http404
    content, name = handoff_file(
        selection_round=selection_round,
        academie=academie,
        file_format=file_format,
        language=translation.get_language() or "en",
    )
    response = HttpResponse(content, content_type=CONTENT_TYPES[file_format])
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


handoff_index = staff_view(handoff_index, permission=PERMISSION, methods=require_GET)
handoff_download = staff_view(handoff_download, permission=PERMISSION, methods=require_GET)
