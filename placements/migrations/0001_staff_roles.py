"""Staff roles as groups (tapif.core.roles). A later migration adding permissions re-runs it."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

from tapif.core.roles import ROLES, sync_roles

APP_LABELS = ["core", "candidates", "evaluations", "payments"]


def create_roles(apps, schema_editor):
    # Permissions are made by post_migrate, after every migration: make them now.
    for label in APP_LABELS:
        create_permissions(
            global_apps.get_app_config(label),
            verbosity=0,
            using=schema_editor.connection.alias,
            apps=global_apps,
        )
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0005_campaign_correction_window_days"),
        ("candidates", "0005_alter_document_options_document_rejection_note_and_more"),
        ("evaluations", "0001_initial"),
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
