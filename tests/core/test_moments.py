"""Moments written for people (tapif.core.moments): the campaign's zone named in the reader's
language, French ordinals, and no zone written by hand anywhere else (issue 24)."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.utils import translation
from pypdf import PdfReader

from candidates import reminders
from candidates import services as dossier_services
from tapif.core.moments import clock_words, day_words, moment_words, zone_name
from tests.candidates.dossier import complete_dossier
from tests.candidates.factories import ApplicationFactory
from tests.factories import CandidateFactory

VANCOUVER = ZoneInfo("America/Vancouver")
CLOSE = dt.datetime(2027, 2, 27, 23, 59, tzinfo=VANCOUVER)


def words(function, *args, language: str) -> str:
    with translation.override(language):
        return function(*args)


# --- the words --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "27 février 2027 à 23 h 59, heure du Pacifique"),
        ("en", "27 February 2027, 11:59 p.m. Pacific time"),
    ],
)
def test_a_moment_names_the_campaigns_zone_in_the_readers_language(language, expected):
    assert words(moment_words, CLOSE, "America/Vancouver", language=language) == expected
    # the same instant stored in UTC reads the same on the campaign's clock
    assert words(moment_words, CLOSE.astimezone(dt.UTC), VANCOUVER, language=language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", "28 février 2027 à 2 h 59, heure de l’Est"),
        ("en", "28 February 2027, 2:59 a.m. Eastern time"),
    ],
)
def test_the_same_instant_in_toronto_is_another_day_and_hour(language, expected):
    assert words(moment_words, CLOSE, "America/Toronto", language=language) == expected


def test_summer_time_keeps_the_zones_name_and_its_clock():
    july = dt.datetime(2027, 7, 1, 16, 0, tzinfo=dt.UTC)  # 09:00 PDT, 12:00 EDT
    assert words(clock_words, july, VANCOUVER, language="fr") == "9 h 00, heure du Pacifique"
    assert words(clock_words, july, "America/Toronto", language="en") == "12:00 p.m. Eastern time"
    assert words(clock_words, july, "America/St_Johns", language="fr") == (
        "13 h 30, heure de Terre-Neuve"
    )


@pytest.mark.parametrize(
    ("zone", "fr", "en"),
    [
        ("America/Vancouver", "heure du Pacifique", "Pacific time"),
        ("America/Edmonton", "heure des Rocheuses", "Mountain time"),
        ("America/Winnipeg", "heure du Centre", "Central time"),
        ("America/Regina", "heure du Centre", "Central time"),
        ("America/Toronto", "heure de l’Est", "Eastern time"),
        ("America/Montreal", "heure de l’Est", "Eastern time"),
        ("America/Halifax", "heure de l’Atlantique", "Atlantic time"),
        ("America/St_Johns", "heure de Terre-Neuve", "Newfoundland time"),
        ("Europe/Paris", "heure de Paris", "Paris time"),
        ("America/New_York", "heure de New York", "New York time"),
    ],
)
def test_each_zone_has_its_name_in_both_languages(zone, fr, en):
    assert words(zone_name, zone, language="fr") == fr
    assert words(zone_name, zone, language="en") == en


def test_the_first_of_the_month_is_1er_in_french_only():
    first = dt.date(2027, 9, 1)
    assert words(day_words, first, language="fr") == "1er septembre 2027"
    assert words(day_words, first, language="en") == "1 September 2027"
    assert words(day_words, dt.date(2027, 9, 2), language="fr") == "2 septembre 2027"
    # a moment's day is the day on the campaign's clock: 1 October 03:00 UTC is 30 September
    # in Vancouver, 1 October in Paris
    early = dt.datetime(2027, 10, 1, 3, tzinfo=dt.UTC)
    assert words(day_words, early, VANCOUVER, language="fr") == "30 septembre 2027"
    assert words(day_words, early, "Europe/Paris", language="fr") == "1er octobre 2027"
    assert words(moment_words, dt.datetime(2027, 3, 1, 0, 0, tzinfo=VANCOUVER), VANCOUVER,
                 language="fr") == "1er mars 2027 à 0 h 00, heure du Pacifique"  # fmt: skip


def test_nothing_is_written_for_nothing():
    assert moment_words(None) == day_words(None) == clock_words(None) == ""


def test_the_filters_write_in_the_campaign_zone(reference_campaign):
    reference_campaign.time_zone = "America/Vancouver"
    template = Template(
        "{% load tapif %}{{ at|moment:campaign }} | {{ at|day:campaign }} | {{ at|clock:campaign }}"
        " | {{ start|day }} | {{ nothing|moment:campaign }}."
    )
    context = Context(
        {
            "at": CLOSE,
            "campaign": reference_campaign,
            "start": dt.date(2027, 10, 1),
            "nothing": None,
        }
    )
    with translation.override("fr"):
        assert template.render(context) == (
            "27 février 2027 à 23 h 59, heure du Pacifique | 27 février 2027 | "
            "23 h 59, heure du Pacifique | 1er octobre 2027 | ."
        )


# --- nobody writes a zone by hand -------------------------------------------------------------

ROOT = Path(settings.BASE_DIR)
APPS = ("candidates", "evaluations", "payments", "selection", "placements", "demo", "tapif")
#: A zone's name or abbreviation written into a page or a message, a raw zone printed, or the
#: zone abbreviation asked of `date` ("T"): each belongs in tapif.core.moments instead.
HAND_WRITTEN = re.compile(
    r"Eastern time|Pacific time|heure de l['’]Est|heure du Pacifique|\((?:EST|EDT|PST|PDT)\)"
    r"|\b(?:PST|PDT)\b|time_zone\s*}}|date:[\"']T[\"']|%Z|America/"
)
#: Where a zone's IANA name is configuration, not words: the setting, the model's choices and
#: default, and the helper itself.
ALLOWED = {"tapif/core/moments.py", "tapif/settings.py", "tapif/core/models.py"}


def _sources():
    yield from (ROOT / "templates").rglob("*.*")
    for app in APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in {".py", ".html", ".txt"} and "migrations" not in path.parts:
                yield path


def test_no_template_or_module_writes_a_time_zone_by_hand():
    found = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED or not path.is_file():
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_WRITTEN.search(line):
                found.append(f"{name}:{number}: {line.strip()[:120]}")
    assert found == []


def test_the_grep_catches_what_it_looks_for():
    for written in (
        "until {{ close }} (Eastern time).",
        "({{ campaign.time_zone }})",
        'zone=offer.respond_by|date:"T"',
        "23:59 (EST)",
        "heure de l’Est",
    ):
        assert HAND_WRITTEN.search(written), written


# --- a campaign run on Vancouver's clock ------------------------------------------------------


@pytest.fixture
def vancouver(reference_campaign, campaign_open):
    """The current campaign on Vancouver's clock, closing on 27 February 2026 at 23:59 there."""
    reference_campaign.time_zone = "America/Vancouver"
    reference_campaign.closes_at = dt.datetime(2026, 2, 27, 23, 59, tzinfo=VANCOUVER)
    reference_campaign.save(update_fields=["time_zone", "closes_at"])
    return reference_campaign


FR_CLOSE = "27 février 2026 à 23 h 59, heure du Pacifique"
EN_CLOSE = "27 February 2026, 11:59 p.m. Pacific time"
ELSEWHERE = ("Eastern time", "heure de l’Est", "heure de l&#x27;Est", "America/", "(PST)")


def flat(html: str) -> str:
    return " ".join(html.split())


def assert_pacific_only(text: str) -> None:
    for other in ELSEWHERE:
        assert other not in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"Les candidatures pour 2026-2027 sont ouvertes jusqu’au {FR_CLOSE}."),
        ("en", f"Applications for 2026-2027 are open until {EN_CLOSE}."),
    ],
)
def test_the_landing_page_gives_the_close_on_the_campaigns_clock(
    client, vancouver, language, expected
):
    html = flat(client.get(f"/{language}/").content.decode())
    assert expected in html
    assert html.count(FR_CLOSE if language == "fr" else EN_CLOSE) == 2  # status and key dates
    assert_pacific_only(html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"Les candidatures pour 2026-2027 sont ouvertes jusqu’au {FR_CLOSE}."),
        ("en", f"Applications for 2026-2027 are open until {EN_CLOSE}."),
    ],
)
def test_the_start_page_gives_the_close_on_the_campaigns_clock(
    client, vancouver, language, expected
):
    client.force_login(CandidateFactory())
    html = flat(client.get(f"/{language}/dossier/").content.decode())  # no dossier yet
    assert expected in html
    assert_pacific_only(html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("fr", f"Date limite : {FR_CLOSE}, dans"), ("en", f"Deadline: {EN_CLOSE}, in")],
)
def test_the_dossier_gives_the_deadline_on_the_campaigns_clock(
    client, vancouver, language, expected
):
    application = ApplicationFactory()
    client.force_login(application.candidate)
    html = flat(client.get(f"/{language}/dossier/").content.decode())
    assert expected in html
    assert_pacific_only(html)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fr", f"ferment dans 14 jours, le {FR_CLOSE}."),
        ("en", f"close in 14 days, on {EN_CLOSE}."),
    ],
)
def test_the_deadline_reminder_gives_the_close_on_the_campaigns_clock(
    vancouver, campaign_open, django_capture_on_commit_callbacks, language, expected
):
    ApplicationFactory(candidate=CandidateFactory(preferred_language=language))
    campaign_open.move_to(dt.datetime(2026, 2, 13, 9, tzinfo=VANCOUVER))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        reminders.deadline_reminders_send()
    (message,) = mail.outbox
    assert expected in flat(message.body)
    assert_pacific_only(message.body)


def test_the_dossier_summary_pdf_gives_the_submission_on_the_campaigns_clock(
    client, vancouver, private_storage
):
    candidate = CandidateFactory(preferred_language="fr")
    application = complete_dossier(ApplicationFactory(candidate=candidate))
    dossier_services.application_submit(application=application, actor=candidate)  # 12:00 Toronto
    client.force_login(candidate)

    for language, expected in (
        ("fr", "Soumis le 15 janvier 2026 à 9 h 00, heure du Pacifique."),
        ("en", "Submitted on 15 January 2026, 9:00 a.m. Pacific time."),
    ):
        response = client.get("/en/dossier/summary.pdf", {"lang": language})
        reader = PdfReader(io.BytesIO(response.content))
        text = flat(" ".join(page.extract_text() for page in reader.pages))
        assert expected in text
        assert_pacific_only(text)
