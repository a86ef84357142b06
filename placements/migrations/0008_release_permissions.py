"""The results release joins the staff roles (tapif.core.roles): the programme manager releases
a frozen round's results; the committee, the programme manager and the auditor see releases."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from tapif.core.roles import sync_roles

APP_LABELS = ["core", "candidates", "evaluations", "payments", "selection", "placements"]


def sync(apps, schema_editor):
    # Permissions are made by post_migrate, after every migration: make them now.
    for label in APP_LABELS:
        create_permissions(
            global_apps.get_app_config(label),
            verbosity=0,
            using=schema_editor.connection.alias,
            apps=global_apps,
        )
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0007_resultsrelease"),
        ("core", "0008_outbox_jobs_reminder_settings"),
    ]

    # Going back leaves the groups as they were (0001 deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
