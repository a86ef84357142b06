"""The selection committee's pages, under /admin/committee/ (issue 7).

Staff pages that look like the admin (`admin.site.admin_view`: signed-in staff, two-factor as
for the admin) for holders of `placements.view_selectionround` (committee members, programme
managers, auditors; 403 for anyone else). They only read (`placements.selectors`):
- the rounds of the current campaign;
- a round's ranked list with filters and the counts per decision: a draft round is previewed
  live (nothing saved), a frozen or superseded one is read from what its freeze stored;
- the per-académie figures (places, filled, demand, competitiveness, cut-off ranks);
- the couples and their outcome;
- the filtered list as CSV (UTF-8 with a BOM, streamed) and the ranked list as a PDF.
Freezing stays in the rounds' admin ("Freeze…" action).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import asdict
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from placements import selectors
from placements.choices import RankDecision
from placements.models import SelectionRound
from placements.selectors import RankedRow, RowFilter
from selection.staff import render, staff_view
from tapif.core.exceptions import DomainError
from tapif.core.letters import letter_issue, letter_language, letter_response
from tapif.core.models import IssuedLetter
from tapif.core.selectors import campaign_current

VIEW_PERMISSION = "placements.view_selectionround"
QUERY_MAX_LENGTH = 100


def committee_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in staff (the admin's own check and two-factor) who may view selection rounds."""
    return staff_view(view, permission=VIEW_PERMISSION, methods=require_GET)


def _language() -> str:
    return translation.get_language() or "en"


def decision_label(decision: str) -> str:
    return str(RankDecision(decision).label) if decision in RankDecision.values else decision


def level_label(level: str) -> str:
    return {"primary": _("Primary"), "secondary": _("Secondary")}.get(level, "")


def flag_label(flag: str) -> str:
    return {
        "couple_together": _("Couple placed together"),
        "couple_apart": _("Couple placed apart"),
        "couple_waitlisted": _("Couple sent to the waitlist"),
        "fallback": _("Placed outside the preferences"),
        "level_reserved": _("Place kept at the other level"),
    }.get(flag, flag)


def preference_label(preference: str) -> str:
    return {
        "together_only": _("Together only"),
        "together_preferred": _("Together preferred"),
    }.get(preference, preference)


def _row_filter(request: HttpRequest) -> RowFilter:
    decision = request.GET.get("decision", "")
    level = request.GET.get("level", "")
    return RowFilter(
        decision=decision if decision in RankDecision.values else "",
        academie=request.GET.get("academie", "")[:40],
        level=level if level in selectors.LEVELS else "",
        couples_only=request.GET.get("couples") == "1",
        query=request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH],
    )


def _round(round_pk: int) -> SelectionRound:
    return get_object_or_404(
        SelectionRound.objects.select_related("campaign", "frozen_by"), pk=round_pk
    )


#: Rows of the committee's ranked list per page (the exports hold every row).
RANKED_LIST_PAGE_SIZE = 200


def _display(row: RankedRow, language: str) -> dict:
    """What a template or export shows for one row, labels translated."""
    return {
        "row": row,
        "decision": decision_label(row.decision),
        "level": level_label(row.level),
        "flags": [flag_label(flag) for flag in row.flags],
        "explanation": row.explanation(language),
    }


def _rows_or_error(selection_round: SelectionRound):
    try:
        return selectors.round_rows(selection_round=selection_round), ""
    except DomainError as error:
        return None, str(error)


# --- pages -------------------------------------------------------------------------------------


@committee_view
def round_index(request: HttpRequest) -> HttpResponse:
    campaign = campaign_current()
    return render(
        request,
        "placements/committee_index.html",
        {
            "title": _("Selection committee"),
            "campaign": campaign,
            "rounds": selectors.round_list(campaign=campaign),
        },
    )


@committee_view
def round_detail(request: HttpRequest, round_pk: int) -> HttpResponse:
    selection_round = _round(round_pk)
    result, error = _rows_or_error(selection_round)
    row_filter = _row_filter(request)
    rows = result.rows if result else ()
    shown = selectors.rows_filter(rows, row_filter=row_filter)
    # A page of rows at a time: only they are worded (explanations, labels) and rendered.
    page = Paginator(shown, RANKED_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    others = request.GET.copy()
    others.pop("page", None)
    language = _language()
    academies = sorted({(r.academie_code, r.academie_name) for r in rows if r.academie_code})
    counts = selectors.decision_counts(rows)
    return render(
        request,
        "placements/committee_round.html",
        {
            "title": _("Ranked list"),
            "round": selection_round,
            "preview": selection_round.is_draft,
            "error": error,
            "rows": [_display(row, language) for row in page.object_list],
            "page": page,
            "shown": len(shown),
            "total": len(rows),
            "page_query": others.urlencode(),
            "counts": [(decision_label(d), d, n) for d, n in counts.items()],
            "filter": row_filter,
            "filtered": request.GET.urlencode(),
            "decision_choices": RankDecision.choices,
            "academie_choices": academies,
            "level_choices": [(level, level_label(level)) for level in selectors.LEVELS],
        },
    )


@committee_view
def round_academies(request: HttpRequest, round_pk: int) -> HttpResponse:
    selection_round = _round(round_pk)
    error = ""
    academies: list = []
    try:
        academies = selectors.round_academies(selection_round=selection_round)
    except DomainError as exc:
        error = str(exc)
    return render(
        request,
        "placements/committee_academies.html",
        {
            "title": _("Demand and places per académie"),
            "round": selection_round,
            "preview": selection_round.is_draft,
            "error": error,
            "academies": academies,
        },
    )


@committee_view
def round_couples(request: HttpRequest, round_pk: int) -> HttpResponse:
    selection_round = _round(round_pk)
    result, error = _rows_or_error(selection_round)
    couples = (
        selectors.round_couples(selection_round=selection_round, rows=result.rows) if result else []
    )
    language = _language()
    return render(
        request,
        "placements/committee_couples.html",
        {
            "title": _("Couples"),
            "round": selection_round,
            "preview": selection_round.is_draft,
            "error": error,
            "couples": [
                {
                    "couple": couple,
                    "partners": [
                        _display(couple.first, language),
                        _display(couple.second, language),
                    ],
                    "flags": [flag_label(flag) for flag in couple.flags],
                    "preference": preference_label(couple.preference),
                }
                for couple in couples
            ],
        },
    )


def method_label(method: str) -> str:
    return {
        "none": _("Scores as the reviewers gave them"),
        "standardise": _("Calibrated per reviewer (standardised onto the common scale)"),
    }.get(method, method)


def _figure(value: str | None) -> str:
    """A recorded figure ("58.8000") as the reader's language writes it, to 2 decimals."""
    return "—" if value is None else number_format(Decimal(value), 2)


@committee_view
def round_calibration(request: HttpRequest, round_pk: int) -> HttpResponse:
    """The what-if: a draft round ranked with raw and with calibrated scores side by side, and
    who crosses the acceptance line either way; a frozen round's calibration record."""
    selection_round = _round(round_pk)
    error = ""
    reading = None
    try:
        reading = selectors.round_calibration(selection_round=selection_round)
    except DomainError as exc:
        error = str(exc)
    reviewers = []
    record = reading.record if reading is not None else {}
    if reading is not None:
        reviewers = [
            {
                "name": reading.reviewer_names.get(key, key),
                "reviews": figures["reviews"],
                "mean": _figure(figures["mean"]),
                "spread": _figure(figures["spread"]),
                "calibrated": figures["calibrated"],
            }
            for key, figures in record.get("reviewers", {}).items()
        ]
        reviewers.sort(key=lambda r: r["name"])
    return render(
        request,
        "placements/committee_calibration.html",
        {
            "title": _("Raw and calibrated merit"),
            "round": selection_round,
            "preview": selection_round.is_draft,
            "error": error,
            "reading": reading,
            "method": method_label(reading.method) if reading else "",
            "reviewers": reviewers,
            "min_reviews": record.get("min_reviews"),
            "overall_mean": _figure(record.get("overall_mean")),
            "overall_spread": _figure(record.get("overall_spread")),
            "statistics_url": reverse("selection:statistics"),
            "rows": [
                {
                    "row": row,
                    "raw_decision": decision_label(row.compared.raw_decision),
                    "calibrated_decision": decision_label(row.compared.calibrated_decision),
                }
                for row in (reading.rows if reading else ())
            ],
        },
    )


# --- exports -----------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: list[RankedRow], language: str) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(
        [
            _("Rank"),
            _("Dossier"),
            _("Candidate"),
            _("Merit score"),
            _("Decision"),
            _("Waitlist position"),
            _("Académie"),
            _("Level"),
            _("Preference obtained"),
            _("Flags"),
            _("Explanation"),
        ]
    )
    for row in rows:
        yield writer.writerow(
            [
                row.rank or "",
                row.number,
                row.name,
                "" if row.merit is None else row.merit,
                decision_label(row.decision),
                row.waitlist_position or "",
                row.academie_name,
                level_label(row.level),
                row.preference_obtained or "",
                "; ".join(flag_label(flag) for flag in row.flags),
                row.explanation(language),
            ]
        )


def _filename(selection_round: SelectionRound, extension: str) -> str:
    return f"committee-{selection_round.campaign.code}-round-{selection_round.number}.{extension}"


@committee_view
def export_csv(request: HttpRequest, round_pk: int) -> HttpResponse:
    selection_round = _round(round_pk)
    result, error = _rows_or_error(selection_round)
    if result is None:
        return HttpResponse(error, status=409, content_type="text/plain; charset=utf-8")
    rows = selectors.rows_filter(result.rows, row_filter=_row_filter(request))
    response = StreamingHttpResponse(
        _csv_lines(rows, _language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(selection_round, "csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _ranked_list_facts(selection_round: SelectionRound, rows: list, counts: dict, filters) -> dict:
    """What the ranked list states, kept with the issued letter for staff to check."""
    return {
        "campaign": selection_round.campaign.school_year,
        "round": selection_round.number,
        "round_status": selection_round.status,
        "snapshot_sha256": selection_round.snapshot_sha256 or "",
        "counts": dict(counts),
        "rows": len(rows),
        "filters": {key: value for key, value in filters.items() if value},
    }


@committee_view
def export_pdf(request: HttpRequest, round_pk: int) -> HttpResponse:
    """The ranked list as an issued staff document: the programme's header and a verification
    code; the same list (round, filters, language) is the same document."""
    selection_round = _round(round_pk)
    result, error = _rows_or_error(selection_round)
    if result is None:
        return HttpResponse(error, status=409, content_type="text/plain; charset=utf-8")
    language = letter_language(request, None)
    row_filter = _row_filter(request)
    rows = selectors.rows_filter(result.rows, row_filter=row_filter)
    counts = selectors.decision_counts(result.rows)
    with translation.override(language):
        context = {
            "campaign": selection_round.campaign,
            "number": "",
            "round": selection_round,
            "preview": selection_round.is_draft,
            "rows": [_display(row, language) for row in rows],
            "counts": [(decision_label(d), n) for d, n in counts.items()],
        }
    letter = letter_issue(
        kind=IssuedLetter.Kind.RANKED_LIST,
        template="placements/committee_pdf.html",
        context=context,
        language=language,
        owner=None,
        number="",
        facts=_ranked_list_facts(selection_round, rows, counts, asdict(row_filter)),
        actor=request.user,
    )
    return letter_response(letter, filename=_filename(selection_round, "pdf"))
