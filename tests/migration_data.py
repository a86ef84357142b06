"""The rows data migrations write (the reference campaign, académies, institutions, roles):
a transactional test ends by emptying every table, and these put them back."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps as django_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.operations import RunPython

from tapif.core.models import Campaign


def _is_ours(app_label: str) -> bool:
    """An app of this repository, not an installed package."""
    return "site-packages" not in Path(django_apps.get_app_config(app_label).path).parts


def _run_data_migrations_again() -> None:
    """Run the RunPython steps of our migrations again, in migration order.

    With today's models, not the historical ones `migrate` gave them: the emptied tables have
    today's columns (a column added since, with its default, would be missing from an insert).
    """
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes(), clean_start=True)
    for migration, _backwards in plan:
        if not _is_ours(migration.app_label):
            continue
        for operation in migration.operations:
            if isinstance(operation, RunPython):
                with connection.schema_editor() as schema_editor:
                    operation.code(django_apps, schema_editor)


def restore_migration_data() -> None:
    """Put the migrations' rows back if a flush has removed them (the campaign tells)."""
    if not Campaign.objects.filter(school_year="2026-2027").exists():
        # Only on emptied tables: the loaders expect them (run twice, the campaign loader would
        # take the current flag off the campaign).
        _run_data_migrations_again()
