"""What each section still needs, computed from a loaded dossier (no queries of its own).

The messages are what the candidate reads next to each section; the submission refuses a
dossier while any list is non-empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from candidates.choices import (
    DOCUMENTS_WITH_EXPIRY,
    LIVE_PAYMENT_STATUSES,
    Citizenship,
    DocumentKind,
    DocumentReview,
    FrenchProofRoute,
    PaymentStatus,
)

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d+", re.UNICODE)

# The letter is "about 500 words": warn outside 70–140 % of the target, refuse under 30 %.
LETTER_WARN_LOW, LETTER_WARN_HIGH, LETTER_MINIMUM = 0.7, 1.4, 0.3


def count_words(text: str) -> int:
    """Words as a reader counts them: "l'anglais" and "peut-être" are one word each."""
    return len(_WORD.findall(text or ""))


def letter_bounds(target_words: int) -> tuple[int, int, int]:
    """(minimum accepted, low warning, high warning) for a target length such as 500."""
    return (
        round(target_words * LETTER_MINIMUM),
        round(target_words * LETTER_WARN_LOW),
        round(target_words * LETTER_WARN_HIGH),
    )


SECTION_TITLES = {
    "identity": _("1. Identity"),
    "studies": _("2. Studies"),
    "french": _("3. French"),
    "experience": _("4. Experience"),
    "assets": _("5. My strengths"),
}


@dataclass
class SectionState:
    key: str
    missing: list[Promise | str] = field(default_factory=list)

    @property
    def title(self):
        return SECTION_TITLES[self.key]

    @property
    def complete(self) -> bool:
        return not self.missing


def required_document_kinds(identity, french) -> list[str]:
    """The documents this dossier must carry, given citizenship and the French proof route."""
    kinds: list[str] = []
    citizenship = identity.citizenship if identity else ""
    if citizenship == Citizenship.PERMANENT_RESIDENT:
        kinds += [DocumentKind.PR_CARD, DocumentKind.CITIZENSHIP_PASSPORT]
    else:
        kinds.append(DocumentKind.PASSPORT)
    if identity and identity.is_eu_citizen:
        kinds.append(DocumentKind.EU_PASSPORT)
    kinds += [DocumentKind.TRANSCRIPTS, DocumentKind.BIRTH_CERTIFICATE]
    if french and french.proof_route == FrenchProofRoute.OFFICIAL_TEST:
        kinds.append(DocumentKind.LANGUAGE_TEST)
    return kinds


def identity_missing(identity) -> list:
    if identity is None:
        return [_("This section has not been filled in yet.")]
    missing = []
    checks = [
        (identity.legal_first_names, _("First name(s) as on your passport")),
        (identity.legal_last_name, _("Last name as on your passport")),
        (identity.date_of_birth, _("Date of birth")),
        (identity.place_of_birth, _("Place of birth")),
        (identity.sex, _("Sex as on your passport")),
        (identity.citizenship, _("Citizenship")),
        (identity.resides_in_canada is not None, _("Whether you live in Canada")),
        (identity.address_line and identity.city and identity.postal_code, _("Full address")),
        (identity.phone, _("Phone number")),
    ]
    missing += [label for value, label in checks if not value]
    if identity.citizenship == Citizenship.PERMANENT_RESIDENT and not (
        identity.country_of_citizenship
    ):
        missing.append(_("Country of citizenship"))
    if identity.resides_in_canada is False and identity.exchange_student_abroad is None:
        missing.append(_("Whether you are on an exchange programme abroad"))
    return missing


def studies_missing(studies) -> list:
    if studies is None:
        return [_("This section has not been filled in yet.")]
    checks = [
        (studies.enrolment_status, _("Your current situation")),
        (studies.institution_id, _("Your university")),
        (studies.programme, _("Programme")),
        (studies.french_study, _("Whether you have a French major or minor")),
        (studies.university_years_completed is not None, _("University years completed")),
        (studies.has_education_degree is not None, _("Whether you hold an education degree")),
        (
            studies.studies_mostly_in_canada is not None,
            _("Whether most of your studies were done in Canada"),
        ),
    ]
    return [label for value, label in checks if not value]


# Evaluator states (recorded by the evaluations app) that count as "an evaluator is on it".
# "confirming": received, staff confirm the evaluator before it counts.
EVALUATOR_ENGAGED = frozenset({"invited", "opened", "submitted", "confirming"})


def french_missing(french) -> list:
    if french is None or not french.proof_route:
        return [_("How your French level will be proved")]
    if french.proof_route == FrenchProofRoute.OFFICIAL_TEST:
        checks = [
            (french.test_name, _("Official test taken")),
            (french.test_level, _("Level obtained")),
            (french.test_date, _("Date of the results")),
        ]
        return [label for value, label in checks if not value]
    if french.evaluator_status == "declined":
        return [_("Your evaluator declined: invite another one")]
    if french.evaluator_status == "rejected":
        return [_("The embassy could not confirm your evaluator: invite another one")]
    if french.evaluator_status not in EVALUATOR_ENGAGED:
        return [_("Invite the professor who will evaluate your French")]
    return []


def payment_missing(payment_status: str) -> list:
    """The fee counts once declared (its receipt uploaded); staff verify it after submission."""
    if payment_status in LIVE_PAYMENT_STATUSES:
        return []
    if payment_status == PaymentStatus.REJECTED:
        return [_("Application fee: your payment was rejected, declare a new one")]
    return [_("Application fee: declare your Interac e-Transfer and upload its receipt")]


def assets_missing(assets, target_words: int, payment_status: str = "") -> list:
    payment = payment_missing(payment_status)
    if assets is None:
        return [_("This section has not been filled in yet."), *payment]
    missing = []
    minimum, _low, _high = letter_bounds(target_words)
    words = count_words(assets.motivation_letter)
    if words == 0:
        missing.append(_("Motivation letter"))
    elif words < minimum:
        missing.append(
            _("Motivation letter: at least %(minimum)d words (it has %(words)d)")
            % {"minimum": minimum, "words": words}
        )
    if assets.academie_1_id is None:
        missing.append(_("At least one académie"))
    if not assets.school_level:
        missing.append(_("School level wanted"))
    if not assets.available_from_contract_start:
        missing.append(_("Attestation of availability on 1 October"))
    return missing + payment


def documents_missing(required: list[str], current_documents: dict) -> list:
    missing = []
    labels = dict(DocumentKind.choices)
    for kind in required:
        document = current_documents.get(kind)
        if document is None:
            missing.append(labels[kind])
        elif document.review_status == DocumentReview.REJECTED:
            # A rejected file does not count: the candidate must replace it.
            missing.append(
                _("%(document)s: rejected by the embassy, upload a new file")
                % {"document": labels[kind]}
            )
        elif kind in DOCUMENTS_WITH_EXPIRY and document.expires_on is None:
            missing.append(_("%(document)s: expiry date") % {"document": labels[kind]})
    return missing
