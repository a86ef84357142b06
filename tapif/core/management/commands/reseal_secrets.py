from django.core.management.base import BaseCommand

from tapif.core.services import authenticator_secrets_reseal


class Command(BaseCommand):
    help = (
        "Seal every stored second-factor secret with the current DJANGO_SECRET_KEY (after a key "
        "rotation, while the old key is still in DJANGO_SECRET_KEY_FALLBACKS)."
    )

    def handle(self, *args, **options):
        changed = authenticator_secrets_reseal()
        self.stdout.write(f"{changed} authenticator(s) re-sealed with the current key.")
