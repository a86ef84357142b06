"""The merit review's permissions (selection) join the staff roles (tapif.core.roles)."""

from django.db import migrations

from tapif.core.roles import sync_roles_migration

sync = sync_roles_migration("core", "candidates", "evaluations", "payments", "selection")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0002_eligibility_permissions"),
        ("selection", "0001_initial"),
    ]

    # Going back leaves the groups to 0001 (which deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
