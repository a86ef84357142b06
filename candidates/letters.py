"""The dossier summary as an issued letter: what it states, and how to read it when checked.

`summary_letter_facts` is what the summary PDF records with its `IssuedLetter` (plain values, the
same in both languages). The two readers below are registered for the "dossier_summary" kind
in `CandidatesConfig.ready()` (`tapif.core.letters.letter_kind_register`):

- standing: **withdrawn** once the dossier is withdrawn; **replaced** once a newer summary
  stating something else was issued to the candidate *and* this one no longer states the
  dossier as it is (a dossier reopened and submitted again); **valid** otherwise;
- facts: the candidate's name, the school year and the submission date are public (the few
  facts that let a reader match the letter); the number, e-mail address, académies and
  documents are for staff only.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from candidates.choices import ApplicationStatus, DocumentKind
from candidates.models import Application
from candidates.selectors import dossier_load
from tapif.core.choices import LetterStanding
from tapif.core.letters import LetterFact, date_words, letter_newer_differs
from tapif.core.models import IssuedLetter


def summary_letter_facts(application: Application, documents: list | None = None) -> dict:
    """What the submitted summary states (its current documents by kind unless given)."""
    if documents is None:
        documents = sorted(application.current_documents, key=lambda d: d.kind)
    return {
        "number": application.number,
        "name": application.candidate.get_full_name(),
        "email": application.candidate.email,
        "campaign": application.campaign.school_year,
        "submitted_at": application.submitted_at.isoformat() if application.submitted_at else "",
        "academies": [str(academie) for academie in application.assets.academie_choices],
        "documents": [
            {
                "kind": document.kind,
                "name": document.original_name,
                "uploaded_at": document.uploaded_at.isoformat(),
            }
            for document in documents
        ],
    }


def _application(letter: IssuedLetter) -> Application | None:
    return (
        Application.objects.filter(number=letter.number, candidate_id=letter.owner_id)
        .only("pk", "status")
        .first()
    )


def summary_letter_standing(letter: IssuedLetter) -> str:
    application = _application(letter)
    if application is None or application.status == ApplicationStatus.WITHDRAWN:
        return LetterStanding.WITHDRAWN
    if letter_newer_differs(letter):
        current = summary_letter_facts(dossier_load(application.pk))
        if current != letter.facts:
            return LetterStanding.REPLACED
    return LetterStanding.VALID


def _document_text(item: dict[str, Any]) -> str:
    kind = item.get("kind", "")
    label = DocumentKind(kind).label if kind in DocumentKind.values else kind
    return _("%(kind)s: %(name)s, %(date)s") % {
        "kind": label,
        "name": item.get("name", ""),
        "date": date_words(item.get("uploaded_at")),
    }


def summary_letter_words(letter: IssuedLetter) -> list[LetterFact]:
    facts = letter.facts
    return [
        LetterFact(_("Name"), facts.get("name", ""), public=True),
        LetterFact(_("School year"), facts.get("campaign", ""), public=True),
        LetterFact(_("Submitted"), date_words(facts.get("submitted_at")), public=True),
        LetterFact(_("Candidate number"), facts.get("number", "")),
        LetterFact(_("E-mail address"), facts.get("email", "")),
        LetterFact(_("Académies, in order"), "; ".join(facts.get("academies", [])) or "—"),
        LetterFact(
            _("Documents"),
            "; ".join(_document_text(item) for item in facts.get("documents", [])) or "—",
        ),
    ]
