"""Create a staff account and e-mail it its set-up link (also the first superuser's way in)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tapif.core.exceptions import DomainError
from tapif.core.moments import moment_words
from tapif.core.roles import ROLES
from tapif.core.services import staff_create


class Command(BaseCommand):
    help = (
        "Create a staff account and e-mail it a single-use link to choose its password and set "
        "up its second factor. The first superuser: createstaff EMAIL --superuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--group",
            action="append",
            default=[],
            choices=sorted(ROLES),
            help="A staff role (repeat for several).",
        )
        parser.add_argument("--superuser", action="store_true", help="Every permission.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--language",
            default=settings.LANGUAGE_CODE,
            choices=[code for code, _name in settings.LANGUAGES],
            help="The language of the account's e-mails.",
        )

    def handle(self, *args, email, group, superuser, first_name, last_name, language, **options):
        if not group and not superuser:
            raise CommandError("Give a role (--group NAME) or --superuser.")
        try:
            user, invitation = staff_create(
                email=email,
                groups=group,
                superuser=superuser,
                first_name=first_name,
                last_name=last_name,
                language=language,
                actor=None,
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        until = moment_words(invitation.expires_at)
        self.stdout.write(
            f"Staff account {user.email} created; its set-up link was e-mailed (valid until "
            f"{until})."
        )
