"""The two import profiles every installation starts with (docs/payments.md describes them).

The values are written out here, not imported from `payments.bankfile`, so that this migration
keeps making the same rows whatever the code becomes.
"""

from django.db import migrations

GENERIC = {
    "name": "e-Transfer (generic)",
    "columns": {
        "date": ["date"],
        "amount": ["amount", "montant"],
        "currency": ["currency", "devise"],
        "sender_name": ["sender_name", "nom_expediteur"],
        "sender_email": ["sender_email", "courriel_expediteur"],
        "reference_number": ["reference_number", "numero_reference"],
        "message": ["message"],
    },
    "date_order": "",
    "decimal_separator": "",
    "thousands_separator": "",
    "encoding": "",
    "currency": "CAD",
    "header_signature": "",
}
ACTIVITY = {
    "name": "Account activity (CAD$)",
    "columns": {
        "date": ["Transaction Date"],
        "amount": ["CAD$"],
        "description": ["Description 1", "Description 2"],
    },
    "date_order": "MDY",
    "decimal_separator": ".",
    "thousands_separator": ",",
    "encoding": "",
    "currency": "CAD",
    "header_signature": "",
}


def create(apps, schema_editor):
    ImportProfile = apps.get_model("payments", "ImportProfile")
    for values in (GENERIC, ACTIVITY):
        ImportProfile.objects.get_or_create(name=values["name"], defaults=values)


def remove(apps, schema_editor):
    ImportProfile = apps.get_model("payments", "ImportProfile")
    ImportProfile.objects.filter(name__in=[GENERIC["name"], ACTIVITY["name"]]).delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_import_profiles_and_line_settlement")]

    operations = [migrations.RunPython(create, remove)]
