"""Staff roles as groups (tapif.core.roles). A later migration adding permissions re-runs it."""

from django.db import migrations

from tapif.core.roles import ROLES, sync_roles_migration

create_roles = sync_roles_migration("core", "candidates", "evaluations", "payments")


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
