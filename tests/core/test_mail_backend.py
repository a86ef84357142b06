import io

from django.core.mail import EmailMultiAlternatives

from tapif.core.mail_backends import ReadableConsoleBackend

LINK = "http://127.0.0.1:8000/fr/accounts/confirm-email/MQ:1vQzX2:abcdefghijklmnopqrstuvwxyz0123/"


def test_console_mail_shows_accents_and_whole_links():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="Confirmez votre adresse électronique",
        body=f"Cliquez ici : {LINK}\n",
        from_email="TAPIF <no-reply@tapif.ca>",
        to=["camille@example.ca"],
    )
    message.attach_alternative("<p>HTML</p>", "text/html")

    ReadableConsoleBackend(stream=stream, alias="default").send_messages([message])

    printed = stream.getvalue()
    assert "Subject: Confirmez votre adresse électronique" in printed
    assert LINK in printed
    assert "To: camille@example.ca" in printed
