"""Offers, the promotion log and issued letters join the staff roles (tapif.core.roles): the
programme manager records académies' details, verifies criminal record checks and offers freed
places, as the committee may; the auditor sees everything."""

from django.db import migrations

from tapif.core.roles import sync_roles_migration

sync = sync_roles_migration("core", "candidates", "evaluations", "payments", "selection", "placements")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0010_promotion_reason_couple_turn"),
        ("core", "0010_issued_letter"),
    ]

    # Going back leaves the groups as they were (0001 deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
