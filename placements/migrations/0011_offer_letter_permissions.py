"""Offers, the promotion log and issued letters join the staff roles (tapif.core.roles): the
programme manager records académies' details, verifies criminal record checks and offers freed
places, as the committee may; the auditor sees everything."""

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
        ("placements", "0010_promotion_reason_couple_turn"),
        ("core", "0010_issued_letter"),
    ]

    # Going back leaves the groups as they were (0001 deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
