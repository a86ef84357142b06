"""Canadian universities most TAPIF candidates come from, listed and approved from the start."""

from django.db import migrations

UNIVERSITIES = [
    ("University of British Columbia", "Vancouver", "BC"),
    ("Simon Fraser University", "Burnaby", "BC"),
    ("University of Victoria", "Victoria", "BC"),
    ("University of Alberta", "Edmonton", "AB"),
    ("University of Calgary", "Calgary", "AB"),
    ("University of Saskatchewan", "Saskatoon", "SK"),
    ("University of Regina", "Regina", "SK"),
    ("University of Manitoba", "Winnipeg", "MB"),
    ("Université de Saint-Boniface", "Winnipeg", "MB"),
    ("University of Toronto", "Toronto", "ON"),
    ("York University", "Toronto", "ON"),
    ("Toronto Metropolitan University", "Toronto", "ON"),
    ("Université de l'Ontario français", "Toronto", "ON"),
    ("McMaster University", "Hamilton", "ON"),
    ("Queen's University", "Kingston", "ON"),
    ("University of Ottawa / Université d'Ottawa", "Ottawa", "ON"),
    ("Carleton University", "Ottawa", "ON"),
    ("Western University", "London", "ON"),
    ("University of Waterloo", "Waterloo", "ON"),
    ("Wilfrid Laurier University", "Waterloo", "ON"),
    ("University of Guelph", "Guelph", "ON"),
    ("Brock University", "St. Catharines", "ON"),
    ("Université Laurentienne / Laurentian University", "Sudbury", "ON"),
    ("McGill University", "Montréal", "QC"),
    ("Concordia University", "Montréal", "QC"),
    ("Université de Montréal", "Montréal", "QC"),
    ("Université du Québec à Montréal", "Montréal", "QC"),
    ("Université Laval", "Québec", "QC"),
    ("Université de Sherbrooke", "Sherbrooke", "QC"),
    ("Bishop's University", "Sherbrooke", "QC"),
    ("Université de Moncton", "Moncton", "NB"),
    ("University of New Brunswick", "Fredericton", "NB"),
    ("Mount Allison University", "Sackville", "NB"),
    ("Dalhousie University", "Halifax", "NS"),
    ("Université Sainte-Anne", "Church Point", "NS"),
    ("St. Francis Xavier University", "Antigonish", "NS"),
    ("University of Prince Edward Island", "Charlottetown", "PE"),
    ("Memorial University of Newfoundland", "St. John's", "NL"),
]


def load(apps, schema_editor):
    Institution = apps.get_model("core", "Institution")
    for name, city, province in UNIVERSITIES:
        Institution.objects.update_or_create(
            name=name,
            city=city,
            defaults={"province": province, "kind": "university", "status": "approved"},
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0003_campaign_countries_institution")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
