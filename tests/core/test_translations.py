"""The French catalogue is complete and the pages a visitor reaches carry no English left over."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.factories import CandidateFactory, InstitutionContactFactory, ProfessorFactory

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def _unquote(chunk: str) -> str:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"', chunk)
    return "".join(parts).replace('\\"', '"').replace("\\n", "\n")


def _catalogue() -> dict[str, str]:
    """msgid → msgstr for the singular entries of the French catalogue."""
    entries = {}
    for block in PO_FILE.read_text(encoding="utf-8").split("\n\n")[1:]:
        msgid = re.search(r"^msgid ((?:\".*\"\n?)+)", block, re.M)
        msgstr = re.search(r"^msgstr ((?:\".*\"\n?)+)", block, re.M)
        if msgid and msgstr:
            entries[_unquote(msgid.group(1))] = _unquote(msgstr.group(1))
    return entries


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_french_catalogue_has_no_untranslated_or_fuzzy_entry():
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(PO_FILE)],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr
    assert "fuzzy" not in result.stderr


def test_every_entry_has_a_french_text():
    empty = [msgid for msgid, msgstr in _catalogue().items() if msgid and not msgstr]
    assert empty == []


def _leftover_english(html: str) -> list[str]:
    """Catalogue sentences (those French writes differently) still present in English."""
    # The e-Transfer memo is data the candidate must type as is, in English.
    html = html.replace("TAPIF application fee", "")
    return [
        msgid
        for msgid, msgstr in _catalogue().items()
        if len(msgid) > 12 and "%(" not in msgid and msgid != msgstr and msgid in html
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/fr/", "/fr/accounts/login/", "/fr/accounts/signup/", "/fr/accounts/password/reset/"]
)
def test_public_pages_in_french_have_no_english_left(client, path):
    html = client.get(path, follow=True).content.decode()
    assert _leftover_english(html) == []


@pytest.mark.django_db
@pytest.mark.parametrize("factory", [CandidateFactory, ProfessorFactory, InstitutionContactFactory])
@pytest.mark.parametrize("path", ["/fr/home/", "/fr/accounts/email/", "/fr/accounts/2fa/"])
def test_signed_in_pages_in_french_have_no_english_left(client, factory, path):
    client.force_login(factory())
    html = client.get(path, follow=True).content.decode()
    assert _leftover_english(html) == []
