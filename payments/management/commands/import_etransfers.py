"""`manage.py import_etransfers FILE.csv [--dry-run] [--campaign CODE]`: import a bank export.

The same service as the admin's upload: lines already imported are skipped, so running the
command twice on one file changes nothing. Prints the count per outcome, then one line per new
bank line (its line number, outcome, dossier and explanation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from payments.matching import COLUMNS, FRENCH_COLUMNS, StatementError
from payments.services import ImportReport, statement_import
from tapif.core.messages import explain_message
from tapif.core.models import Campaign
from tapif.core.selectors import campaign_current

OUTCOME_LABELS = {
    "matched": "matched",
    "amount_mismatch": "amount mismatch",
    "duplicate": "duplicate (refund)",
    "unmatched": "unmatched (queue)",
}


#: The report is in English, explanations included.
LANGUAGE = "en"


class Command(BaseCommand):
    help = (
        "Import a CSV export of received Interac e-Transfers and match its lines to dossiers. "
        f"Header: {','.join(COLUMNS)} (or in French: {','.join(FRENCH_COLUMNS)}); UTF-8, "
        "',' or ';'. Lines already imported are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE.csv", help="the bank export (UTF-8 CSV)")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="show what the import would do without saving anything",
        )
        parser.add_argument(
            "--campaign",
            metavar="CODE",
            help="the campaign's candidate number prefix, e.g. CA27 (default: the current one)",
        )

    def handle(self, *args: Any, file: str, dry_run: bool, campaign: str | None, **options):
        target = _campaign(campaign)
        try:
            text = Path(file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {file}: {error}") from None
        try:
            report = statement_import(
                campaign=target, text=text, file_name=Path(file).name, actor=None, dry_run=dry_run
            )
        except StatementError as error:
            with translation.override(LANGUAGE):
                detail = explain_message(error.message)
            raise CommandError(f"{file}: {error.where}: {detail}") from None
        with translation.override(LANGUAGE):
            self._print(report, target)

    def _print(self, report: ImportReport, campaign: Campaign) -> None:
        heading = "Dry run, nothing saved" if report.dry_run else "Imported"
        self.stdout.write(f"{heading}: {report.file_name} → campaign {campaign.code}")
        self.stdout.write(f"  lines read: {report.lines_read}")
        self.stdout.write(f"  already imported (skipped): {report.already_imported}")
        for outcome, count in report.counts.items():
            self.stdout.write(f"  {OUTCOME_LABELS[outcome]}: {count}")
        for result in report.results:
            self.stdout.write(
                f"line {result.line.line_number}: {result.outcome.value} "
                f"{result.dossier_number or '-'} — {explain_message(result.explanation)}"
            )


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
