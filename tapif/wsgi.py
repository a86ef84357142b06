import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tapif.settings")
application = get_wsgi_application()

# gunicorn runs no system check: refuse to serve with DJANGO_DEBUG=0 on a laptop's stand-ins.
from tapif.core.checks import startup_check  # noqa: E402 (needs the apps loaded above)

startup_check()
