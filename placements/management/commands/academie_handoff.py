from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from placements.handoff import FORMATS, handoff_file, handoff_round
from tapif.core.exceptions import DomainError
from tapif.core.models import Academie


class Command(BaseCommand):
    help = (
        "Write the list of an académie's assistants in a frozen selection round (or, with "
        "--academie all, the file of every placed assistant for France Education international) "
        "as CSV, .xlsx or PDF. The columns are described in docs/year.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--round", type=int, required=True, dest="round_id")
        parser.add_argument("--academie", required=True, help="An académie's code, or all.")
        parser.add_argument("--format", choices=FORMATS, default="csv", dest="file_format")
        parser.add_argument("--language", choices=["en", "fr"], default="fr")
        parser.add_argument("--output", default="", help="Default: the file's name, here.")

    def handle(self, *args, round_id, academie, file_format, language, output, **options):
        try:
            selection_round = handoff_round(round_id)
        except DomainError as error:
            raise CommandError(error.message) from error
        target = None
        if academie != "all":
            target = Academie.objects.filter(code=academie).first()
            if target is None:
                raise CommandError(f"No académie has the code {academie}.")
        content, name = handoff_file(
            selection_round=selection_round,
            academie=target,
            file_format=file_format,
            language=language,
        )
        path = Path(output or name)
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content)} bytes)")
