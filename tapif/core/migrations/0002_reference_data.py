"""Today's 30 académies and the 2026-2027 campaign, with the values of the programme's page."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import migrations

# (code, name, overseas, overseas salary supplement). Normandie replaces Caen and Rouen (2020).
ACADEMIES = [
    ("aix-marseille", "Aix-Marseille", False, False),
    ("amiens", "Amiens", False, False),
    ("besancon", "Besançon", False, False),
    ("bordeaux", "Bordeaux", False, False),
    ("clermont-ferrand", "Clermont-Ferrand", False, False),
    ("corse", "Corse", False, False),
    ("creteil", "Créteil", False, False),
    ("dijon", "Dijon", False, False),
    ("grenoble", "Grenoble", False, False),
    ("lille", "Lille", False, False),
    ("limoges", "Limoges", False, False),
    ("lyon", "Lyon", False, False),
    ("montpellier", "Montpellier", False, False),
    ("nancy-metz", "Nancy-Metz", False, False),
    ("nantes", "Nantes", False, False),
    ("nice", "Nice", False, False),
    ("normandie", "Normandie", False, False),
    ("orleans-tours", "Orléans-Tours", False, False),
    ("paris", "Paris", False, False),
    ("poitiers", "Poitiers", False, False),
    ("reims", "Reims", False, False),
    ("rennes", "Rennes", False, False),
    ("strasbourg", "Strasbourg", False, False),
    ("toulouse", "Toulouse", False, False),
    ("versailles", "Versailles", False, False),
    # The programme's page names the supplement for these four overseas académies only.
    ("guadeloupe", "Guadeloupe", True, True),
    ("guyane", "Guyane", True, True),
    ("martinique", "Martinique", True, True),
    ("la-reunion", "La Réunion", True, True),
    ("mayotte", "Mayotte", True, False),
]

EASTERN = ZoneInfo("America/Toronto")


def load(apps, schema_editor):
    Academie = apps.get_model("core", "Academie")
    Campaign = apps.get_model("core", "Campaign")
    for code, name, overseas, supplement in ACADEMIES:
        Academie.objects.update_or_create(
            code=code,
            defaults={"name": name, "is_overseas": overseas, "has_salary_supplement": supplement},
        )
    values = {
        "code": "CA27",
        "time_zone": "America/Toronto",
        # The page says the campaign "opens in autumn"; 1 October is the programme's habit.
        "opens_at": dt.datetime(2025, 10, 1, 0, 0, tzinfo=EASTERN),
        "closes_at": dt.datetime(2026, 2, 27, 23, 59, 59, tzinfo=EASTERN),
        "language_test_deadline": dt.date(2026, 2, 20),
        "contract_start": dt.date(2026, 10, 1),
        "contract_end": dt.date(2027, 4, 30),
        "passport_valid_until": dt.date(2027, 10, 30),
        "min_age": 20,
        "max_age": 35,
        "max_participations": 3,
        "weekly_hours": 12,
        "max_schools": 3,
        "max_academie_choices": 3,
        "motivation_letter_words": 500,
        "fee_amount": Decimal("80.00"),
        "fee_currency": "CAD",
        "etransfer_recipient": "administration@institutfrancais.ca",
        "etransfer_memo": "TAPIF application fee",
        "monthly_gross_salary": Decimal("1036.21"),
        "salary_currency": "EUR",
        "overseas_supplement_min_percent": 30,
        "overseas_supplement_max_percent": 35,
        "total_positions": 100,
        # Results go out in April; the 15th is the reference campaign's release day.
        "results_release_date": dt.date(2026, 4, 15),
        "offer_response_days": 14,
        "contact_email": "tapif@institutfrancais.ca",
    }
    Campaign.objects.update_or_create(
        school_year="2026-2027",
        defaults=values,
        # Current only when created: running the loader again never moves the flag.
        create_defaults={
            **values,
            "is_current": not Campaign.objects.filter(is_current=True).exists(),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
