"""A console e-mail backend for laptops that prints messages as people read them.

Django's console backend prints the raw MIME source, where accents and long links are
quoted-printable encoded (a confirmation link is cut by "=" line breaks). This one prints the
recipients, the subject and the plain-text body as they are, so links can be clicked.
"""

from django.core.mail.backends.console import EmailBackend as ConsoleBackend


class ReadableConsoleBackend(ConsoleBackend):
    def write_message(self, message):
        lines = [
            f"From: {message.from_email}",
            f"To: {', '.join(message.to)}",
            f"Subject: {message.subject}",
            "",
            message.body,
        ]
        self.stream.write("\n".join(lines) + "\n" + "-" * 79 + "\n")
