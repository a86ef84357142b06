"""The hand-off to académies: who each académie receives from a frozen round, as CSV, .xlsx
and PDF, and one file of every placed assistant for France Education international.

An assistant here is a dossier of the round holding a place (its offer pending or accepted;
a declined, lapsed or withdrawn offer gave the place back). The columns are declared once
(`COLUMNS`, each with its heading and what it holds, printed in docs/year.md); the académie's
list uses `ACADEMIE_COLUMNS`, the national file `ALL_COLUMNS`. Values are plain text in the
reader's language (dates in ISO 8601, so a spreadsheet reads them as dates).

`handoff_rows` reads everything in four queries whatever the number of assistants;
`handoff_file` writes one of the three formats. The staff pages (placements.handoff_views)
and `manage.py academie_handoff` call them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from candidates.choices import CoupleStatus
from candidates.models import Couple
from placements.choices import HOLDING_OFFER_STATUSES, RoundStatus
from placements.models import Offer, OfferSchool, SelectionRound
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie
from tapif.core.pdf import html_to_pdf, render_html

FORMATS = ("csv", "xlsx", "pdf")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class Column:
    key: str
    heading: Promise
    description: Promise
    value: Callable[[Offer], object]


def _identity(offer: Offer):
    return getattr(offer.application, "identity", None)


def _iso(value) -> str:
    return value.isoformat() if value else ""


def _schools(offer: Offer) -> str:
    return " | ".join(f"{school.name}, {school.address}" for school in offer.schools.all())


def _partner(offer: Offer) -> str:
    return getattr(offer, "partner_number", "")


COLUMNS: dict[str, Column] = {
    column.key: column
    for column in [
        Column(
            "number",
            _("Candidate number"),
            _("The dossier's number, unique across campaigns (for example CA27-00042)."),
            lambda o: o.application.number,
        ),
        Column(
            "last_name",
            _("Last name"),
            _("As on the passport."),
            lambda o: _identity(o).legal_last_name if _identity(o) else "",
        ),
        Column(
            "first_names",
            _("First names"),
            _("As on the passport."),
            lambda o: _identity(o).legal_first_names if _identity(o) else "",
        ),
        Column(
            "date_of_birth",
            _("Date of birth"),
            _("YYYY-MM-DD."),
            lambda o: _iso(_identity(o).date_of_birth) if _identity(o) else "",
        ),
        Column(
            "sex",
            _("Sex"),
            _("As on the passport: F, M or X."),
            lambda o: _identity(o).sex if _identity(o) else "",
        ),
        Column(
            "citizenship",
            _("Citizenship"),
            _(
                "Canadian citizen, or permanent resident of Canada (then the country of "
                "citizenship)."
            ),
            lambda o: (
                " ".join(
                    part
                    for part in (
                        _identity(o).get_citizenship_display(),
                        _identity(o).country_of_citizenship,
                    )
                    if part
                )
                if _identity(o)
                else ""
            ),
        ),
        Column(
            "email",
            _("E-mail"),
            _("The address the assistant signs in with."),
            lambda o: o.application.candidate.email,
        ),
        Column(
            "phone",
            _("Phone"),
            _("As the candidate gave it."),
            lambda o: _identity(o).phone if _identity(o) else "",
        ),
        Column(
            "academie",
            _("Académie"),
            _("The académie receiving the assistant."),
            lambda o: o.academie.name,
        ),
        Column(
            "level",
            _("School level"),
            _("Primary or secondary."),
            lambda o: o.get_level_display(),
        ),
        Column(
            "contract_start",
            _("Contract start"),
            _("YYYY-MM-DD, as offered."),
            lambda o: _iso(o.contract_start),
        ),
        Column(
            "contract_end",
            _("Contract end"),
            _("YYYY-MM-DD, as offered."),
            lambda o: _iso(o.contract_end),
        ),
        Column(
            "offer_status",
            _("Offer"),
            _("Accepted, or still awaiting the assistant's answer."),
            lambda o: o.get_status_display(),
        ),
        Column(
            "couple",
            _("Couple with"),
            _("The partner's candidate number when both apply as a confirmed couple."),
            _partner,
        ),
        Column(
            "town",
            _("Town"),
            _("Once the académie has set it."),
            lambda o: o.town,
        ),
        Column(
            "schools",
            _("Schools"),
            _("Name and address of each school, separated by |, once set."),
            _schools,
        ),
        Column(
            "criminal_record_verified",
            _("Criminal record check verified"),
            _("YYYY-MM-DD when the embassy verified it, else empty."),
            lambda o: (
                _iso(o.criminal_record_verified_at.date()) if o.criminal_record_verified_at else ""
            ),
        ),
    ]
}

#: What an académie receives about its assistants (issue 21).
ACADEMIE_COLUMNS = (
    "number",
    "last_name",
    "first_names",
    "email",
    "phone",
    "level",
    "contract_start",
    "contract_end",
    "offer_status",
    "couple",
    "town",
    "schools",
)
#: The national file of every placed assistant, for France Education international.
ALL_COLUMNS = (
    "number",
    "last_name",
    "first_names",
    "date_of_birth",
    "sex",
    "citizenship",
    "email",
    "phone",
    "academie",
    "level",
    "contract_start",
    "contract_end",
    "offer_status",
    "couple",
    "town",
    "schools",
    "criminal_record_verified",
)


def handoff_round(round_id: int) -> SelectionRound:
    """The frozen round to hand off; a draft or superseded round is refused."""
    selection_round = SelectionRound.objects.select_related("campaign").filter(pk=round_id).first()
    if selection_round is None:
        raise DomainError(_("There is no such selection round."), code="not_found")
    if selection_round.status != RoundStatus.FROZEN:
        raise DomainError(
            _("Only a frozen round is handed to the académies."), code="round_not_frozen"
        )
    return selection_round


def handoff_rows(*, selection_round: SelectionRound, academie: Academie | None = None) -> list:
    """The offers holding a place in the round (one académie's, or all), by académie, level
    and name, with their schools and couple partners read in bulk."""
    offers = (
        Offer.objects.filter(round=selection_round, status__in=HOLDING_OFFER_STATUSES)
        .select_related("application__candidate", "application__identity", "academie")
        .prefetch_related(Prefetch("schools", queryset=OfferSchool.objects.order_by("pk")))
        .order_by(
            "academie__name",
            "level",
            "application__identity__legal_last_name",
            "application__number",
        )
    )
    if academie is not None:
        offers = offers.filter(academie=academie)
    offers = list(offers)
    ids = [offer.application_id for offer in offers]
    partners: dict[int, str] = {}
    couples = (
        Couple.objects.filter(status=CoupleStatus.CONFIRMED)
        .filter(Q(proposer_id__in=ids) | Q(partner_id__in=ids))
        .select_related("proposer", "partner")
    )
    for couple in couples:
        if couple.partner is not None:
            partners[couple.proposer_id] = couple.partner.number
            partners[couple.partner_id] = couple.proposer.number
    for offer in offers:
        offer.partner_number = partners.get(offer.application_id, "")
    return offers


def _table(offers: Sequence[Offer], keys: Sequence[str]) -> tuple[list[str], list[list[str]]]:
    columns = [COLUMNS[key] for key in keys]
    headings = [str(column.heading) for column in columns]
    rows = [[str(column.value(offer) or "") for column in columns] for offer in offers]
    return headings, rows


def _csv(headings: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headings)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM: Excel reads UTF-8


def _xlsx(headings: list[str], rows: list[list[str]], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for index, heading in enumerate(headings, start=1):
        width = max([len(heading), *(len(row[index - 1]) for row in rows)])
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(
            width + 2, 60
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def handoff_file(
    *,
    selection_round: SelectionRound,
    academie: Academie | None,
    file_format: str,
    language: str,
) -> tuple[bytes, str]:
    """One académie's list (or, without one, the national file) in `file_format`, worded in
    `language`; returns the bytes and a file name."""
    if file_format not in FORMATS:
        raise DomainError(_("Choose CSV, .xlsx or PDF."), code="format")
    offers = handoff_rows(selection_round=selection_round, academie=academie)
    keys = ACADEMIE_COLUMNS if academie is not None else ALL_COLUMNS
    campaign = selection_round.campaign
    name = f"tapif-{campaign.school_year}-{academie.code if academie else 'all'}.{file_format}"
    with translation.override(language):
        headings, rows = _table(offers, keys)
        if file_format == "csv":
            return _csv(headings, rows), name
        if file_format == "xlsx":
            return _xlsx(headings, rows, title=academie.name if academie else "TAPIF"), name
        html = render_html(
            "placements/handoff_pdf.html",
            {
                "campaign": campaign,
                "round": selection_round,
                "academie": academie,
                "headings": headings,
                "rows": rows,
            },
            language=language,
        )
    return html_to_pdf(html), name
