"""`manage.py import_etransfers FILE.csv [--profile NAME] [--dry-run] [--partial] [--json]`.

The same service as the admin's upload (`statement_import`): the file is read with the import
profile named, or the one its header is recognised by; lines already imported are skipped, so
running the command twice on one file changes nothing. When some lines cannot be read, every
problem is printed and nothing is imported, unless `--partial` imports the readable ones.

Prints the count per outcome, then one line per new bank line (line number, outcome, dossier,
explanation), in English. With `--json`, one JSON document instead: the counts, `lines` (one
object per bank line: `line`, `outcome`, `dossier`, `how`, `explanation_en`,
`explanation_fr`) and `errors` (`line`, `column`, `code`, `explanation_en`, `explanation_fr`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from payments.matching import StatementError
from payments.models import ImportProfile
from payments.services import ImportReport, StatementProblems, statement_import
from tapif.core.messages import explain_message
from tapif.core.models import Campaign
from tapif.core.selectors import campaign_current

OUTCOME_LABELS = {
    "matched": "matched",
    "suggested": "suggestion (to confirm)",
    "amount_mismatch": "amount mismatch",
    "duplicate": "duplicate (refund)",
    "unmatched": "unmatched (queue)",
}

#: The report is in English, explanations included (the JSON gives both languages).
LANGUAGE = "en"


def _both(message: dict[str, Any]) -> dict[str, str]:
    words = {}
    for language in ("en", "fr"):
        with translation.override(language):
            words[f"explanation_{language}"] = explain_message(message)
    return words


def _error(error: StatementError) -> dict[str, Any]:
    return {
        "line": error.line_number,
        "column": error.column,
        "code": error.code,
        **_both(error.message),
    }


class Command(BaseCommand):
    help = (
        "Import a CSV export of received Interac e-Transfers and match its lines to dossiers. "
        "The file is read with --profile, or the import profile its header is recognised by "
        "(see the admin's import profiles). Lines already imported are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="the bank export (CSV)")
        parser.add_argument("--profile", metavar="NAME", help="the import profile to read it with")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what the import would do without saving anything",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="when some lines cannot be read, import the others (they are listed)",
        )
        parser.add_argument("--json", action="store_true", help="print one JSON document")
        parser.add_argument(
            "--campaign",
            metavar="CODE",
            help="the campaign's candidate number prefix, e.g. CA27 (default: the current one)",
        )

    def handle(self, *args: Any, file: str, campaign: str | None, **options: Any) -> None:
        target = _campaign(campaign)
        profile = _profile(options["profile"])
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        try:
            report = statement_import(
                campaign=target,
                data=data,
                file_name=Path(file).name,
                actor=None,
                profile=profile,
                dry_run=options["dry_run"],
                partial=options["partial"],
            )
        except StatementProblems as refused:
            self._refuse(file, refused.problems, as_json=options["json"], some_readable=True)
        except StatementError as error:
            self._refuse(file, [error], as_json=options["json"], some_readable=False)
        if options["json"]:
            self.stdout.write(json.dumps(self._document(report, target), ensure_ascii=False))
            return
        with translation.override(LANGUAGE):
            self._print(report, target)

    def _refuse(
        self, file: str, problems: list[StatementError], *, as_json: bool, some_readable: bool
    ) -> None:
        if as_json:
            document = {"file": Path(file).name, "imported": False}
            self.stdout.write(
                json.dumps(document | {"errors": [_error(p) for p in problems]}, ensure_ascii=False)
            )
        with translation.override(LANGUAGE):
            listed = "\n".join(
                f"{file}: {problem.where}: {explain_message(problem.message)}"
                for problem in problems
            )
        advice = "\n(--partial imports the readable lines)" if some_readable else ""
        raise CommandError(f"{listed}{advice}")

    def _document(self, report: ImportReport, campaign: Campaign) -> dict[str, Any]:
        return {
            "file": report.file_name,
            "campaign": campaign.code,
            "profile": report.reading.layout.name if report.reading else None,
            "dry_run": report.dry_run,
            "imported": not report.dry_run,
            "lines_read": report.lines_read,
            "already_imported": report.already_imported,
            "debits_skipped": report.reading.debits if report.reading else [],
            "counts": {str(outcome): count for outcome, count in report.counts.items()},
            "lines": [
                {
                    "line": result.line.line_number,
                    "outcome": result.outcome.value,
                    "dossier": result.dossier_number,
                    "how": result.how.value if result.how else None,
                    **_both(result.explanation),
                }
                for result in report.results
            ],
            "errors": [_error(problem) for problem in report.problems],
        }

    def _print(self, report: ImportReport, campaign: Campaign) -> None:
        heading = "Dry run, nothing saved" if report.dry_run else "Imported"
        self.stdout.write(f"{heading}: {report.file_name} → campaign {campaign.code}")
        if report.reading is not None:
            self.stdout.write(f"  profile: {report.reading.layout.name}")
        self.stdout.write(f"  lines read: {report.lines_read}")
        self.stdout.write(f"  already imported (skipped): {report.already_imported}")
        for outcome, count in report.counts.items():
            self.stdout.write(f"  {OUTCOME_LABELS[outcome]}: {count}")
        if report.debits:
            self.stdout.write(f"  debits (not fees, skipped): {report.debits}")
        if report.problems:
            self.stdout.write(f"  unreadable lines left out: {len(report.reading.unreadable)}")
        for result in report.results:
            self.stdout.write(
                f"line {result.line.line_number}: {result.outcome.value} "
                f"{result.dossier_number or '-'} — {explain_message(result.explanation)}"
            )
        for problem in report.problems:
            self.stdout.write(f"{problem.where}: not imported — {explain_message(problem.message)}")


def _campaign(code: str | None) -> Campaign:
    if code:
        campaign = Campaign.objects.filter(code__iexact=code.strip()).first()
        if campaign is None:
            raise CommandError(f"no campaign with the code {code}")
        return campaign
    campaign = campaign_current()
    if campaign is None:
        raise CommandError("there is no current campaign: pass --campaign CODE")
    return campaign


def _profile(name: str | None) -> ImportProfile | None:
    if not name:
        return None
    profile = ImportProfile.objects.filter(name__iexact=name.strip()).first()
    if profile is None:
        names = ", ".join(ImportProfile.objects.values_list("name", flat=True))
        raise CommandError(f"no import profile called {name!r} (there are: {names})")
    return profile
