from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tapif.core.exceptions import DomainError
from tapif.core.models import Campaign
from tapif.core.rollover import campaign_rollover


class Command(BaseCommand):
    help = (
        "Prepare the campaign after the one numbered CODE (for example CA27): every setting "
        "copied, every date a year later, the criteria, weights and quotas copied. The new "
        "campaign is not current: check it in the admin, then make it current."
    )

    def add_arguments(self, parser):
        parser.add_argument("code", help="The candidate number prefix of the campaign to copy.")
        parser.add_argument("--school-year", default="", help="Default: the next school year.")
        parser.add_argument("--new-code", default="", help="Default: the prefix's number + 1.")
        parser.add_argument("--language", default="en", choices=["en", "fr"])

    def handle(self, *args, code: str, school_year: str, new_code: str, language: str, **options):
        with translation.override(language):
            campaign = Campaign.objects.filter(code=code).first()
            if campaign is None:
                raise CommandError(f"No campaign numbers its candidates {code}.")
            try:
                target = campaign_rollover(
                    campaign=campaign, actor=None, school_year=school_year, code=new_code
                )
            except DomainError as error:
                raise CommandError(error.message) from error
            self.stdout.write(
                f"{target.school_year} ({target.code}): opens {target.opens_at.isoformat()}, "
                f"closes {target.closes_at.isoformat()}."
            )
