"""The académie cut-offs' view permission joins the staff roles (tapif.core.roles): the
committee, the programme manager and the auditor read them."""

from django.db import migrations

from tapif.core.roles import sync_roles_migration

sync = sync_roles_migration("core", "candidates", "evaluations", "payments", "selection", "placements")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0005_round_permissions"),
        ("core", "0007_academiecutoff"),
        ("candidates", "0007_application_result"),
    ]

    # Going back leaves the groups as they were (0001 deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
