"""The selection rounds' and placements' permissions join the staff roles (tapif.core.roles)."""

from django.db import migrations

from tapif.core.roles import sync_roles_migration

sync = sync_roles_migration("core", "candidates", "evaluations", "payments", "selection", "placements")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0004_quotas_and_placements"),
        ("selection", "0002_selectionround_rankentry_and_more"),
    ]

    # Going back leaves the groups to 0001 (which deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
