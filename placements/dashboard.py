"""The programme manager's dashboard of a campaign: every figure's numbers, read here once.

Placements sits on top of the layers, so this selector reads every app's rows. Each figure is
a `Figure`: a key, a title, column headings and rows (a label, then numbers) that the page
draws as an SVG chart (`tapif.core.charts`), shows as a table, and offers as CSV. The
definitions, which docs/year.md repeats:

- funnel: candidate accounts created since applications opened; dossiers started (created);
  submitted (a submission date); then dossiers that ever reached complete, eligible, reviewed,
  accepted, placed, appointed (a status change to it in the dossier's history);
- the funnel by day: the same counts, cumulated at the end of each day of the campaign's time
  zone, from the opening to today (at the latest the contract's end), with the deadlines
  marked;
- dossiers by province and by university: the identity's province, the studies' institution;
- French levels and their source: the verified level on the dossier and where it came from;
- evaluations pending by age: invitations not answered yet (sent or opened), by days since sent;
- payments by status: the fee's status on the dossier;
- académies: requests as first choice and as any choice, the places of the campaign's round
  (the frozen one, else the latest draft), and last year's cut-offs (last rank placed).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.choices import ApplicationStatus, DossierEventKind, PaymentStatus
from candidates.models import Application, Assets, DossierEvent, Identity, Studies
from candidates.selectors import french_level_source_label
from evaluations.choices import RequestStatus
from evaluations.models import EvaluationRequest
from placements.choices import RoundStatus
from placements.models import Quota, SelectionRound
from tapif.core.choices import UserKind
from tapif.core.models import Academie, AcademieCutoff, Campaign, User

#: Statuses of the funnel reached through a status change, in order.
REACHED = (
    ApplicationStatus.COMPLETE,
    ApplicationStatus.ELIGIBLE,
    ApplicationStatus.REVIEWED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.PLACED,
    ApplicationStatus.APPOINTED,
)
#: Days a pending evaluation has waited: (first day, last day or None), in order.
AGE_BUCKETS = ((0, 7), (8, 14), (15, 30), (31, None))
MAX_DAYS = 800


@dataclass
class Figure:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    chart: str = "bar"  # or "line"
    markers: list[tuple[dt.date, str]] = field(default_factory=list)


def _stage_labels() -> list[str]:
    return [
        _("Accounts"),
        _("Dossiers started"),
        _("Submitted"),
        *(str(ApplicationStatus(status).label) for status in REACHED),
    ]


def _local_day(moment: dt.datetime, campaign: Campaign) -> dt.date:
    return moment.astimezone(campaign.zone).date()


def funnel_moments(campaign: Campaign) -> list[list[dt.datetime]]:
    """For each stage of the funnel, the moment each account or dossier reached it."""
    accounts = list(
        User.objects.filter(kind=UserKind.CANDIDATE, date_joined__gte=campaign.opens_at)
        .values_list("date_joined", flat=True)
        .order_by()
    )
    dossiers = Application.objects.filter(campaign=campaign).order_by()
    started = list(dossiers.values_list("created_at", flat=True))
    submitted = list(
        dossiers.filter(submitted_at__isnull=False).values_list("submitted_at", flat=True)
    )
    first: dict[tuple[int, str], dt.datetime] = {}
    events = (
        DossierEvent.objects.filter(
            application__campaign=campaign,
            kind=DossierEventKind.STATUS_CHANGED,
            to_status__in=REACHED,
        )
        .order_by()
        .values_list("application_id", "to_status", "created_at")
    )
    for application_id, status, moment in events:
        key = (application_id, status)
        if key not in first or moment < first[key]:
            first[key] = moment
    reached: dict[str, list[dt.datetime]] = defaultdict(list)
    for (_application, status), moment in first.items():
        reached[status].append(moment)
    return [accounts, started, submitted, *(reached[status] for status in REACHED)]


def _days(campaign: Campaign, today: dt.date) -> list[dt.date]:
    start = _local_day(campaign.opens_at, campaign)
    end = max(start, min(today, campaign.contract_end))
    start = max(start, end - dt.timedelta(days=MAX_DAYS))
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def _funnel(campaign: Campaign, today: dt.date) -> tuple[Figure, Figure]:
    labels = _stage_labels()
    moments = funnel_moments(campaign)
    totals = Figure(
        key="funnel",
        title=_("From account to appointment"),
        headers=[_("Stage"), _("Number")],
        rows=[[label, len(stage)] for label, stage in zip(labels, moments, strict=True)],
    )
    days = _days(campaign, today)
    per_day = []
    for stage in moments:
        counted = Counter(_local_day(moment, campaign) for moment in stage)
        running, series = sum(n for day, n in counted.items() if day < days[0]), []
        for day in days:
            running += counted.get(day, 0)
            series.append(running)
        per_day.append(series)
    markers = [
        (_local_day(campaign.closes_at, campaign), _("Applications close")),
        (campaign.language_test_deadline, _("French test results due")),
        (campaign.results_release_date, _("Results")),
    ]
    by_day = Figure(
        key="funnel_by_day",
        title=_("The funnel day by day"),
        headers=[_("Day"), *labels],
        rows=[
            [day.isoformat(), *(series[index] for series in per_day)]
            for index, day in enumerate(days)
        ],
        chart="line",
        markers=markers,
    )
    return totals, by_day


def _grouped(rows, *, none: str) -> list[list]:
    counted = sorted(rows, key=lambda pair: (-pair[1], str(pair[0] or "")))
    return [[label or none, count] for label, count in counted]


def _provinces(campaign: Campaign) -> Figure:
    rows = (
        Identity.objects.filter(application__campaign=campaign)
        .values_list("province")
        .annotate(count=Count("pk"))
        .order_by()
    )
    missing = Application.objects.filter(
        campaign=campaign, identity__isnull=True
    ).count()  # dossiers whose identity is not started
    grouped = Counter({(province or "").strip(): count for province, count in rows})
    grouped[""] += missing
    return Figure(
        key="provinces",
        title=_("Dossiers by province"),
        headers=[_("Province"), _("Dossiers")],
        rows=_grouped([(k, v) for k, v in grouped.items() if v], none=_("Not given")),
    )


def _universities(campaign: Campaign) -> Figure:
    rows = (
        Studies.objects.filter(application__campaign=campaign)
        .values_list("institution__name")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return Figure(
        key="universities",
        title=_("Dossiers by university"),
        headers=[_("University"), _("Dossiers")],
        rows=_grouped(list(rows), none=_("Not given")),
    )


def _french(campaign: Campaign) -> Figure:
    rows = (
        Application.objects.filter(campaign=campaign)
        .values_list("french_level", "french_level_source")
        .annotate(count=Count("pk"))
        .order_by("french_level", "french_level_source")
    )
    return Figure(
        key="french",
        title=_("French levels and their source"),
        headers=[_("French level"), _("Source"), _("Dossiers")],
        rows=[
            [
                level or _("Not known yet"),
                french_level_source_label(source) if source else "—",
                count,
            ]
            for level, source, count in rows
        ],
    )


def _bucket_label(low: int, high: int | None) -> str:
    if high is None:
        return _("%(low)d days or more") % {"low": low}
    return _("%(low)d to %(high)d days") % {"low": low, "high": high}


def _evaluations(campaign: Campaign, now: dt.datetime) -> Figure:
    pending = EvaluationRequest.objects.filter(
        application__campaign=campaign,
        status__in=[RequestStatus.INVITED, RequestStatus.OPENED],
    ).values_list("sent_at", flat=True)
    counts = Counter()
    not_sent = 0
    for sent_at in pending:
        if sent_at is None:
            not_sent += 1
            continue
        age = (_local_day(now, campaign) - _local_day(sent_at, campaign)).days
        for low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                counts[low, high] += 1
                break
    rows = [[_bucket_label(low, high), counts[low, high]] for low, high in AGE_BUCKETS]
    rows.append([_("Invitation not sent yet"), not_sent])
    return Figure(
        key="evaluations",
        title=_("Evaluations awaited, by days since the invitation"),
        headers=[_("Waiting"), _("Evaluations")],
        rows=rows,
    )


def _payments(campaign: Campaign) -> Figure:
    counted = dict(
        Application.objects.filter(campaign=campaign)
        .values_list("payment_status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = [[_("No fee declared"), counted.get("", 0)]]
    rows += [[str(label), counted.get(value, 0)] for value, label in PaymentStatus.choices]
    return Figure(
        key="payments",
        title=_("Application fees by status"),
        headers=[_("Fee"), _("Dossiers")],
        rows=rows,
    )


def campaign_round(campaign: Campaign) -> SelectionRound | None:
    rounds = SelectionRound.objects.filter(campaign=campaign)
    return rounds.filter(status=RoundStatus.FROZEN).first() or rounds.order_by("-number").first()


def campaign_previous(campaign: Campaign) -> Campaign | None:
    return (
        Campaign.objects.filter(school_year__lt=campaign.school_year)
        .order_by("-school_year")
        .first()
    )


def _academies(campaign: Campaign) -> Figure:
    assets = Assets.objects.filter(application__campaign=campaign).exclude(
        application__status=ApplicationStatus.DRAFT
    )
    first_choice = dict(assets.values_list("academie_1").annotate(count=Count("pk")).order_by())
    any_choice: Counter[int] = Counter()
    for choices in assets.values_list("academie_1", "academie_2", "academie_3"):
        for academie_id in set(choices) - {None}:
            any_choice[academie_id] += 1
    selection_round = campaign_round(campaign)
    places: dict[int, int] = {}
    if selection_round is not None:
        for quota in Quota.objects.filter(round=selection_round):
            places[quota.academie_id] = quota.primary + quota.secondary
    previous = campaign_previous(campaign)
    cutoffs: dict[tuple[int, str], int | None] = {}
    if previous is not None:
        for row in AcademieCutoff.objects.filter(campaign=previous):
            cutoffs[row.academie_id, row.level] = row.last_rank_placed
    rows = []
    for academie in Academie.objects.filter(
        Q(is_active=True) | Q(pk__in=list(any_choice))
    ).order_by("name"):
        rows.append(
            [
                academie.name,
                first_choice.get(academie.pk, 0),
                any_choice.get(academie.pk, 0),
                places.get(academie.pk, 0),
                cutoffs.get((academie.pk, "primary")) or "—",
                cutoffs.get((academie.pk, "secondary")) or "—",
            ]
        )
    return Figure(
        key="academies",
        title=_("Académies: requests, places and last year's cut-offs"),
        headers=[
            _("Académie"),
            _("First choice"),
            _("Any choice"),
            _("Places"),
            _("Last year's cut-off, primary"),
            _("Last year's cut-off, secondary"),
        ],
        rows=rows,
    )


def dashboard_figures(*, campaign: Campaign, now: dt.datetime | None = None) -> list[Figure]:
    """Every figure of the campaign's dashboard, in the page's order."""
    now = now or timezone.now()
    totals, by_day = _funnel(campaign, _local_day(now, campaign))
    return [
        totals,
        by_day,
        _provinces(campaign),
        _universities(campaign),
        _french(campaign),
        _evaluations(campaign, now),
        _payments(campaign),
        _academies(campaign),
    ]
