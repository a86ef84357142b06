"""The results release joins the staff roles (tapif.core.roles): the programme manager releases
a frozen round's results; the committee, the programme manager and the auditor see releases."""

from django.db import migrations

from tapif.core.roles import sync_roles_migration

sync = sync_roles_migration("core", "candidates", "evaluations", "payments", "selection", "placements")


class Migration(migrations.Migration):
    dependencies = [
        ("placements", "0007_resultsrelease"),
        ("core", "0008_outbox_jobs_reminder_settings"),
    ]

    # Going back leaves the groups as they were (0001 deletes them when it is unapplied).
    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
