from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.accounts import DEMO_TOTP_SECRET
from demo.load import load_demo


class Command(BaseCommand):
    help = "Create an open demo campaign and sample accounts (development machines only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo creates accounts with known passwords: DEBUG only.")
        campaign, accounts = load_demo()
        closes = timezone.localtime(campaign.closes_at, campaign.zone)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo campaign {campaign.school_year} is current; applications close "
                f"{closes:%Y-%m-%d %H:%M} ({campaign.time_zone})."
            )
        )
        self.stdout.write("Sample accounts (e-mail / password):")
        for account in accounts:
            role = account.role or str(account.kind.label)
            self.stdout.write(f"  {role:<26} {account.email:<28} {account.password}")
        self.stdout.write(
            "Staff accounts need a two-factor code at login: add the secret "
            f"{DEMO_TOTP_SECRET} to an authenticator app, or run "
            "`.venv/bin/python manage.py totp_code <e-mail>`."
        )
        self.stdout.write(
            "Demo dossiers demo1…demo5@demo.tapif.ca (same password as the candidate) are "
            "submitted, their fees verified, assigned to reviewer@demo.tapif.ca."
        )
        self.stdout.write("Open http://127.0.0.1:8000/ — e-mails are printed in this terminal.")
