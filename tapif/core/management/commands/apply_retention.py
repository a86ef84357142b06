from django.core.management.base import BaseCommand
from django.utils import translation

from tapif.core.jobs import run_job
from tapif.core.privacy import retention_run


class Command(BaseCommand):
    help = (
        "Apply the campaigns' retention policy now: delete the documents and drafts whose time "
        "has come, anonymise the dossiers past their identity's retention, and print each step "
        "with the steps to come. With --dry-run, print what it would do and change nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan only; change nothing."
        )
        parser.add_argument("--language", default="en", choices=["en", "fr"])

    def handle(self, *args, dry_run: bool = False, language: str = "en", **options):
        with translation.override(language):
            if dry_run:
                report = retention_run(dry_run=True)
            else:
                holder = {}

                def service():
                    holder["report"] = retention_run()
                    return holder["report"].summary

                run_job("retention", service)
                report = holder["report"]
            for line in report.lines():
                self.stdout.write(line)
