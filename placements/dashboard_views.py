"""The campaign's dashboard, under /admin/committee/dashboard/: every figure of
`placements.dashboard` as an SVG chart with its table, and each as CSV. For those who run the
campaign (`core.change_campaign`: programme managers)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from placements.dashboard import Figure, dashboard_figures
from selection.staff import render, staff_view
from tapif.core.charts import bar_chart, line_chart
from tapif.core.models import Campaign
from tapif.core.selectors import campaign_current

PERMISSION = "core.change_campaign"


def _campaign(request: HttpRequest) -> Campaign:
    pk = request.GET.get("campaign", "")
    if pk.isdigit():
        return get_object_or_404(Campaign, pk=int(pk))
    campaign = campaign_current()
    if campaign is None:
        raise Http404
    return campaign


def _chart(figure: Figure) -> str:
    description = _("The same numbers are in the table below the chart.")
    if figure.chart == "line":
        series = [
            (heading, [row[index] for row in figure.rows])
            for index, heading in enumerate(figure.headers[1:], start=1)
        ]
        return line_chart(
            key=figure.key,
            title=figure.title,
            description=description,
            days=[dt.date.fromisoformat(row[0]) for row in figure.rows],
            series=series,
            markers=figure.markers,
        )
    numeric = [
        index
        for index in range(1, len(figure.headers))
        if all(isinstance(row[index], int) for row in figure.rows)
    ]
    labels = [" · ".join(str(cell) for cell in row[: numeric[0]]) for row in figure.rows]
    series = [(figure.headers[index], [row[index] for row in figure.rows]) for index in numeric[:3]]
    return bar_chart(
        key=figure.key, title=figure.title, description=description, labels=labels, series=series
    )


def dashboard(request: HttpRequest) -> HttpResponse:
    campaign = _campaign(request)
    figures = dashboard_figures(campaign=campaign)
    return render(
        request,
        "placements/dashboard.html",
        {
            "title": _("Dashboard of the %(year)s campaign") % {"year": campaign.school_year},
            "campaign": campaign,
            "campaigns": Campaign.objects.order_by("-school_year"),
            "figures": [
                {"figure": figure, "svg": mark_safe(_chart(figure))}  # noqa: S308 (escaped in charts)
                for figure in figures
            ],
        },
    )


def dashboard_csv(request: HttpRequest, key: str) -> HttpResponse:
    campaign = _campaign(request)
    figure = next((f for f in dashboard_figures(campaign=campaign) if f.key == key), None)
    if figure is None:
        raise Http404
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(figure.headers)
    writer.writerows(figure.rows)
    response = HttpResponse(
        ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="tapif-{campaign.school_year}-{figure.key}.csv"'
    )
    return response


dashboard = staff_view(dashboard, permission=PERMISSION, methods=require_GET)
dashboard_csv = staff_view(dashboard_csv, permission=PERMISSION, methods=require_GET)
