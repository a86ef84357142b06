"""The candidate's data: what each app holds about a person, how long it is kept, and how the
person takes it.

Core imports no app, so each app declares its own part from its `AppConfig.ready()`:

- `export_register(*sections, excluded={...})`: the records about a person the app holds (an
  `ExportSection` per model: which rows, which fields, which files), and the models it leaves
  out on purpose, each with its reason. `personal_data` and `personal_files` walk them for the
  "My data" download; a test fails when a model linked to a person or a dossier is in neither.
- `retention_rule_register(rule)`: a rule of the campaign's retention policy (`RetentionRule`):
  what it will do and when (`plan`), and how it does one step (`apply`).
- `dossier_eraser_register(eraser)`: what an app removes or blanks of its own rows when a
  dossier is deleted (a draft) or anonymised, called through `dossier_erase_related`.

`retention_run` is the daily job (and `manage.py apply_retention`): it walks the rules' plans,
applies the steps that are due, one transaction and one audit row per dossier, and deletes the
files from storage only once that transaction has committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext

from tapif.core.audit import audit_record_as
from tapif.core.messages import explain
from tapif.core.models import User

logger = logging.getLogger(__name__)

#: A candidate whose draft the policy deletes is told this many days before.
DRAFT_WARNING_DAYS = 14

# --- The export: every record about a person ---------------------------------------------------


@dataclass(frozen=True)
class ExportSection:
    """One model's records about a person, for their download.

    `rows(user)` gives the rows; every concrete field is exported under its verbose name except
    those `exclude` names (a tuple, or a function of the row for fields shown only sometimes:
    a result before its release); `computed(row)` adds readable values worked out rather than
    stored; `files(row)` names the row's files as (name in the archive, file).
    """

    model: type[models.Model]
    rows: Callable[[User], Iterable[models.Model]]
    exclude: tuple[str, ...] | Callable[[models.Model], Iterable[str]] = ()
    files: Callable[[models.Model], Iterable[tuple[str, FieldFile]]] | None = None
    computed: Callable[[models.Model], Mapping[str, Any]] | None = None

    @property
    def label(self) -> str:
        return self.model._meta.label


_SECTIONS: list[ExportSection] = []
_EXCLUDED: dict[str, str] = {}


def export_register(*sections: ExportSection, excluded: Mapping[str, str] | None = None) -> None:
    """Declare an app's records about a person, and the models left out (label → reason)."""
    known = {section.label for section in _SECTIONS}
    for section in sections:
        if section.label in known or section.label in _EXCLUDED:
            raise ValueError(f"{section.label} is already declared for the export")
        _SECTIONS.append(section)
        known.add(section.label)
    for label, reason in (excluded or {}).items():
        if label in known or label in _EXCLUDED:
            raise ValueError(f"{label} is already declared for the export")
        _EXCLUDED[label] = reason


def export_declared() -> tuple[set[str], dict[str, str]]:
    """The labels of the exported models, and the excluded ones with their reasons."""
    return {section.label for section in _SECTIONS}, dict(_EXCLUDED)


def _value(row: models.Model, model_field: models.Field) -> Any:
    if model_field.is_relation:
        related = getattr(row, model_field.name)
        return str(related) if related is not None else None
    value = getattr(row, model_field.attname)
    if isinstance(model_field, models.FileField):
        return value.name if value else None
    if model_field.choices and value not in (None, ""):
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str | list | dict) or value is None:
        return value
    return str(value)


def _row_values(row: models.Model, section: ExportSection) -> dict[str, Any]:
    excluded = set(section.exclude(row) if callable(section.exclude) else section.exclude)
    values: dict[str, Any] = {}
    for model_field in row._meta.concrete_fields:
        if model_field.name in excluded:
            continue
        name = str(model_field.verbose_name)
        name = name[:1].upper() + name[1:]
        if name in values:
            name = f"{name} ({model_field.name})"
        values[name] = _value(row, model_field)
    if section.computed is not None:
        values.update(section.computed(row))
    return values


def personal_data(user: User) -> dict[str, list[dict[str, Any]]]:
    """Every record about `user`, by model (its plural verbose name in the active language),
    each row as {readable field name: value}. Models with no row appear with an empty list, so
    the person sees what kinds of record exist."""
    data: dict[str, list[dict[str, Any]]] = {}
    for section in _SECTIONS:
        title = str(section.model._meta.verbose_name_plural)
        title = title[:1].upper() + title[1:]
        data[title] = [_row_values(row, section) for row in section.rows(user)]
    return data


def personal_files(user: User) -> list[tuple[str, FieldFile]]:
    """Every stored file about `user` (documents, letters) as (name in the archive, file)."""
    found: list[tuple[str, FieldFile]] = []
    for section in _SECTIONS:
        if section.files is None:
            continue
        for row in section.rows(user):
            found.extend((name, file) for name, file in section.files(row) if file)
    return found


# --- Erasing a dossier's rows in every app ------------------------------------------------------

#: A stored file to delete once the change that forgets it has committed.
StoredFile = tuple[Storage, str]


class EraseMode:
    DELETE = "delete"  # a draft: the dossier goes, with everything hanging on it
    ANONYMISE = "anonymise"  # a decided dossier: the rows stay, what names the person goes


DossierEraser = Callable[..., list[StoredFile]]
_ERASERS: list[DossierEraser] = []


def dossier_eraser_register(eraser: DossierEraser) -> None:
    """`eraser(*, application_id, mode)` removes or blanks the app's rows about a dossier and
    returns the stored files they held (deleted after commit by the caller)."""
    if eraser not in _ERASERS:
        _ERASERS.append(eraser)


def dossier_erase_related(*, application_id: int, mode: str) -> list[StoredFile]:
    """Every app's eraser, the higher apps first (their rows protect the dossier's)."""
    files: list[StoredFile] = []
    for eraser in reversed(_ERASERS):
        files.extend(eraser(application_id=application_id, mode=mode))
    return files


def stored_file(file: FieldFile | None) -> list[StoredFile]:
    """The (storage, name) of a file field's file, or nothing when it holds none."""
    return [(file.storage, file.name)] if file else []


def files_delete_on_commit(files: Iterable[StoredFile]) -> None:
    """Delete the files from their storage once the current transaction commits (never before:
    a rolled-back change keeps its files). A file already gone is not an error."""
    pending = list(files)
    if pending:
        transaction.on_commit(lambda: _delete_files(pending), robust=True)


def _delete_files(files: list[StoredFile]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except Exception:
            logger.exception("Could not delete %s from storage", name)


# --- The retention policy's rules ---------------------------------------------------------------


@dataclass(frozen=True)
class RetentionStep:
    """One thing a rule will do to one dossier, and the day it is due."""

    rule: str  # the rule's code, worded through tapif.core.messages
    application_id: int
    dossier: str  # the candidate number
    due: dt.date
    files: int = 0  # the stored files it deletes
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return explain(self.rule, {"files": self.files, **self.params})


@dataclass(frozen=True)
class RetentionRule:
    """A rule of the policy. `plan(today)` lists every step still to take, due or not (a step
    disappears once done); `apply(step, now)` takes one inside the caller's transaction: it
    checks again that the step still applies (returning None when it no longer does), changes
    the rows and returns the stored files to delete after commit."""

    code: str
    plan: Callable[[dt.date], Iterable[RetentionStep]]
    apply: Callable[[RetentionStep, dt.datetime], list[StoredFile] | None]


_RULES: dict[str, RetentionRule] = {}


def retention_rule_register(rule: RetentionRule) -> None:
    known = _RULES.get(rule.code)
    if known is not None and known is not rule:
        raise ValueError(f"retention rule {rule.code!r} is already registered")
    _RULES[rule.code] = rule


def retention_rules() -> list[RetentionRule]:
    return list(_RULES.values())


def retention_plan(*, today: dt.date | None = None) -> list[RetentionStep]:
    """Every step the rules still have to take, due or not, by due day then dossier."""
    today = today or timezone.localdate()
    steps = [step for rule in _RULES.values() for step in rule.plan(today)]
    return sorted(steps, key=lambda step: (step.due, step.dossier, step.rule))


@dataclass
class RetentionReport:
    """What a run did (or, dry, would do): the steps due, by dossier; those still to come."""

    today: dt.date
    dry_run: bool
    done: dict[str, list[RetentionStep]] = field(default_factory=dict)
    skipped: list[RetentionStep] = field(default_factory=list)
    upcoming: list[RetentionStep] = field(default_factory=list)
    files_deleted: int = 0

    @property
    def summary(self) -> dict[str, int]:
        return {"dossiers_handled": len(self.done), "files_deleted": self.files_deleted}

    def lines(self) -> list[str]:
        """The report as staff read it, in the active language."""
        verb = gettext("would do") if self.dry_run else gettext("done")
        lines = [
            gettext("Retention on %(day)s (%(mode)s)")
            % {
                "day": self.today.isoformat(),
                "mode": gettext("dry run: nothing changed") if self.dry_run else gettext("applied"),
            }
        ]
        if not self.done:
            lines.append(gettext("Nothing is due today."))
        for dossier, steps in self.done.items():
            for step in steps:
                lines.append(f"{verb}: {dossier} · {step.text} · {step.due.isoformat()}")
        for step in self.skipped:
            lines.append(
                gettext("no longer applies: %(dossier)s · %(step)s")
                % {"dossier": step.dossier, "step": step.text}
            )
        if self.upcoming:
            lines.append(gettext("Later:"))
        for step in self.upcoming:
            lines.append(f"{step.due.isoformat()}: {step.dossier} · {step.text}")
        return lines


def retention_run(
    *, now: dt.datetime | None = None, dry_run: bool = False, actor: User | None = None
) -> RetentionReport:
    """Apply the steps due today (or only report them, `dry_run`).

    Each dossier is one transaction: its steps, then one audit row (`retention.apply`, with the
    rules applied and the number of files); the files leave storage only once it commits. A
    step that no longer applies (the dossier changed since the plan) is skipped and reported.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    plan = retention_plan(today=today)
    report = RetentionReport(today=today, dry_run=dry_run)
    due: dict[str, list[RetentionStep]] = defaultdict(list)
    for step in plan:
        (due[step.dossier] if step.due <= today else report.upcoming).append(step)
    if dry_run:
        report.done = dict(due)
        report.files_deleted = sum(step.files for steps in due.values() for step in steps)
        return report
    for dossier, steps in due.items():
        with transaction.atomic():
            applied: list[RetentionStep] = []
            files: list[StoredFile] = []
            for step in steps:
                result = _RULES[step.rule].apply(step, now)
                if result is None:
                    report.skipped.append(step)
                    continue
                applied.append(step)
                files.extend(result)
            if not applied:
                continue
            audit_record_as(
                actor=actor,
                action="retention.apply",
                target_type="candidates.application",
                target_id=str(steps[0].application_id),
                target_repr=dossier,
                dossier=dossier,
                data={"rules": [step.rule for step in applied], "files": len(files)},
            )
            files_delete_on_commit(files)
        report.done[dossier] = applied
        report.files_deleted += len(files)
    return report


def retention_apply_due() -> dict[str, int]:
    """The daily job's service (tapif.core.tasks.apply_retention): today's steps, applied."""
    return retention_run().summary
