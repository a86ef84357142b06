"""The eligibility decision's permissions join the staff roles (tapif.core.roles), as 0001 did."""

from django.db import migrations

from tapif.core.roles import sync_roles_migration

sync = sync_roles_migration("core", "candidates", "evaluations", "payments")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0001_staff_roles"),
        ("candidates", "0006_eligibilitydecision"),
    ]

    # Going back leaves the groups to 0001 (which deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
