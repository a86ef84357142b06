"""Templated e-mails: the plain-text part is not HTML-escaped, the HTML part is."""

from types import SimpleNamespace

from tapif.core.mail import render_mail


def test_plain_text_keeps_apostrophes_and_ampersands_while_html_escapes_them():
    application = SimpleNamespace(number="CA27-00042")
    user = SimpleNamespace(get_short_name=lambda: "Zoë")
    context = {
        "user": user,
        "application": application,
        "campaign": None,
        "reason": "Relevé illisible & sans cachet de l'université",
    }

    subject, text, html = render_mail("candidates/email/reopened", language="fr", context=context)

    assert "CA27-00042" in subject
    assert "Relevé illisible & sans cachet de l'université" in text
    assert "&#x27;" not in text
    assert "&amp;" not in text
    assert "Relevé illisible &amp; sans cachet de l&#x27;université" in html
