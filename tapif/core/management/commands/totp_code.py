import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current two-factor code of a user (development machines only)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("totp_code reveals a second factor: DEBUG only.")
        authenticator = Authenticator.objects.filter(
            user__email__iexact=email, type=Authenticator.Type.TOTP
        ).first()
        if authenticator is None:
            raise CommandError(f"{email} has no authenticator app set up.")
        secret = decrypt(authenticator.data["secret"])
        period = mfa_settings.TOTP_PERIOD
        counter = int(time.time()) // period
        seconds_left = period - int(time.time()) % period
        self.stdout.write(
            f"{format_hotp_value(hotp_value(secret, counter))} (valid {seconds_left} s more)"
        )
