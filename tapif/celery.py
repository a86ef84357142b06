import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tapif.settings")

app = Celery("tapif")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_to_start_misconfigured(**kwargs) -> None:
    """The worker and beat run no system check of their own: with DJANGO_DEBUG=0 on a laptop's
    stand-ins, stop (Celery's signals swallow exceptions, not SystemExit)."""
    import sys

    from django.core.management.base import SystemCheckError

    from tapif.core.checks import startup_check

    try:
        startup_check()
    except SystemCheckError as error:
        print(error, file=sys.stderr)
        raise SystemExit(1) from error
