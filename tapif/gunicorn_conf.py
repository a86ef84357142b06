"""gunicorn's settings: `gunicorn -c python:tapif.gunicorn_conf tapif.wsgi`.

Access and error lines to standard output and error, in the same shape as the application's
(`LOGGING`, tapif/core/logs.py): UTC ISO 8601 time, JSON in production (`LOG_FORMAT`), and no
secret from the request line. Evaluators and staff open links whose path carries a token
(`/fr/evaluations/r/<token>/`, `/fr/staff/setup/<token>/`): the access log would keep it, and
the Referer of every request made from that page too. `RedactingLogger` leaves out query
strings (as the proxy's log does) and masks link tokens and e-mail addresses in every field.

Command-line options still override these (`--bind`, `--workers`, `GUNICORN_CMD_ARGS`).
"""

from __future__ import annotations

import logging
import os
import time

from gunicorn.glogging import Logger

from tapif.core.logs import JsonFormatter, RedactingFilter, UtcFormatter, redact
from tapif.env import log_format

# In its container, behind the reverse proxy (docs/production.md); workers: WEB_CONCURRENCY.
bind = ["0.0.0.0:8000"]
# The proxy's X-Forwarded-Proto is trusted from any address: gunicorn is reachable only from it.
forwarded_allow_ips = "*"
# A stuck request ends here, before the proxy's 75 s read timeout; a restart waits this long.
timeout = 60
graceful_timeout = 20
control_socket_disable = True
accesslog = "-"
errorlog = "-"
# The client's address comes from X-Forwarded-For (TAPIF_TRUSTED_PROXY_COUNT, in Django), not
# from gunicorn; %(h)s below is the proxy's. Apache's combined format otherwise.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
logger_class = "tapif.gunicorn_conf.RedactingLogger"


class RedactingLogger(Logger):
    """gunicorn's logger, its lines masked (`tapif.core.logs.redact`) and timed in UTC."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        json_lines = log_format(os.environ) == "json"
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not getattr(handler, "_gunicorn", False):
                    continue  # another's (a logconfig's, a test's): left as it is
                if log is self.access_log:
                    formatter = JsonFormatter() if json_lines else logging.Formatter("%(message)s")
                else:
                    formatter = (
                        JsonFormatter()
                        if json_lines
                        else UtcFormatter("%(asctime)s [%(process)d] %(levelname)s %(message)s")
                    )
                handler.setFormatter(formatter)
                if not any(isinstance(existing, RedactingFilter) for existing in handler.filters):
                    handler.addFilter(RedactingFilter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        """As gunicorn's, without query strings (a search, a `next=` address: like the proxy's
        log) and every field masked."""
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("PATH_INFO") or environ.get("RAW_URI", "").split("?", 1)[0]
        atoms["r"] = f"{environ['REQUEST_METHOD']} {path} {environ['SERVER_PROTOCOL']}"
        atoms["q"] = ""
        if isinstance(atoms.get("f"), str):
            atoms["f"] = atoms["f"].split("?", 1)[0]
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }

    def now(self) -> str:
        """The access line's own time (%(t)s), in UTC."""
        return time.strftime("[%Y-%m-%dT%H:%M:%SZ]", time.gmtime())
