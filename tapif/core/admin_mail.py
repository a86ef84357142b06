"""Django's error mails to `ADMINS` (DJANGO_ADMINS), masked like the logs.

A server error's mail holds the request's path (an evaluator's link carries its token there)
and the traceback, which may quote an e-mail address: both pass `tapif.core.logs.redact`.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.log import AdminEmailHandler

from tapif.core.logs import redact


class RedactingAdminEmailHandler(AdminEmailHandler):
    def emit(self, record) -> None:
        if not settings.ADMINS:
            return  # nobody to tell: not even the report is built
        super().emit(record)

    def send_mail(self, subject, message, *args, **kwargs) -> None:
        html = kwargs.get("html_message")
        if html:
            kwargs["html_message"] = redact(html)
        super().send_mail(redact(subject), redact(message), *args, **kwargs)
