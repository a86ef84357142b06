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


DOCUMENTS_PAGE = "candidates:documents"


@dataclass(frozen=True)
class Missing:
    """One thing the dossier still lacks: its words, the form field that answers it (empty for
    a whole section) and, when it is answered on another page than its section's, that page's
    URL name. Reads as its words wherever it is written out."""

    label: Promise | str
    field: str = ""
    page: str = ""

    def __str__(self) -> str:
        return str(self.label)

    @property
    def anchor(self) -> str:
        """The id of the field's place on its page ("" for a whole section)."""
        if not self.field:
            return ""
        if self.page == DOCUMENTS_PAGE:
            return f"document-{self.field}"
        return f"id_{self.field}_field"


def _missing(checks) -> list[Missing]:
    """`checks`: (answered, label, field) triples; the unanswered ones, in order."""
    return [Missing(label, name) for value, label, name in checks if not value]


@dataclass
class SectionState:
    key: str
    missing: list[Missing] = field(default_factory=list)

    @property
    def title(self):
        return SECTION_TITLES[self.key]

    @property
    def url_name(self) -> str:
        """The URL name of the section's page."""
        return f"candidates:{self.key}"

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
        return [Missing(_("This section has not been filled in yet."))]
    address_field = (
        "address_line"
        if not identity.address_line
        else "city"
        if not identity.city
        else "postal_code"
    )
    missing = _missing(
        [
            (
                identity.legal_first_names,
                _("First name(s) as on your passport"),
                "legal_first_names",
            ),
            (identity.legal_last_name, _("Last name as on your passport"), "legal_last_name"),
            (identity.date_of_birth, _("Date of birth"), "date_of_birth"),
            (identity.place_of_birth, _("Place of birth"), "place_of_birth"),
            (identity.sex, _("Sex as on your passport"), "sex"),
            (identity.citizenship, _("Citizenship"), "citizenship"),
            (
                identity.resides_in_canada is not None,
                _("Whether you live in Canada"),
                "resides_in_canada",
            ),
            (
                identity.address_line and identity.city and identity.postal_code,
                _("Full address"),
                address_field,
            ),
            (identity.phone, _("Phone number"), "phone"),
        ]
    )
    if identity.citizenship == Citizenship.PERMANENT_RESIDENT and not (
        identity.country_of_citizenship
    ):
        missing.append(Missing(_("Country of citizenship"), "country_of_citizenship"))
    if identity.resides_in_canada is False and identity.exchange_student_abroad is None:
        missing.append(
            Missing(_("Whether you are on an exchange programme abroad"), "exchange_student_abroad")
        )
    return missing


def studies_missing(studies) -> list:
    if studies is None:
        return [Missing(_("This section has not been filled in yet."))]
    return _missing(
        [
            (studies.enrolment_status, _("Your current situation"), "enrolment_status"),
            (studies.institution_id, _("Your university"), "institution"),
            (studies.programme, _("Programme"), "programme"),
            (
                studies.french_study,
                _("Whether you have a French major or minor"),
                "french_study",
            ),
            (
                studies.university_years_completed is not None,
                _("University years completed"),
                "university_years_completed",
            ),
            (
                studies.has_education_degree is not None,
                _("Whether you hold an education degree"),
                "has_education_degree",
            ),
            (
                studies.studies_mostly_in_canada is not None,
                _("Whether most of your studies were done in Canada"),
                "studies_mostly_in_canada",
            ),
        ]
    )


# Evaluator states (recorded by the evaluations app) that count as "an evaluator is on it".
# "confirming": received, staff confirm the evaluator before it counts.
EVALUATOR_ENGAGED = frozenset({"invited", "opened", "submitted", "confirming"})


def french_missing(french) -> list:
    if french is None or not french.proof_route:
        return [Missing(_("How your French level will be proved"), "proof_route")]
    if french.proof_route == FrenchProofRoute.OFFICIAL_TEST:
        return _missing(
            [
                (french.test_name, _("Official test taken"), "test_name"),
                (french.test_level, _("Level obtained"), "test_level"),
                (french.test_date, _("Date of the results"), "test_date"),
            ]
        )
    evaluator = "evaluations:evaluator"
    if french.evaluator_status == "declined":
        return [Missing(_("Your evaluator declined: invite another one"), page=evaluator)]
    if french.evaluator_status == "rejected":
        return [
            Missing(
                _("The embassy could not confirm your evaluator: invite another one"),
                page=evaluator,
            )
        ]
    if french.evaluator_status not in EVALUATOR_ENGAGED:
        return [Missing(_("Invite the professor who will evaluate your French"), page=evaluator)]
    return []


def payment_missing(payment_status: str) -> list:
    """The fee counts once declared (its receipt uploaded); staff verify it after submission."""
    if payment_status in LIVE_PAYMENT_STATUSES:
        return []
    fee = "payments:fee"
    if payment_status == PaymentStatus.REJECTED:
        return [
            Missing(_("Application fee: your payment was rejected, declare a new one"), page=fee)
        ]
    return [
        Missing(
            _("Application fee: declare your Interac e-Transfer and upload its receipt"), page=fee
        )
    ]


def assets_missing(assets, target_words: int, payment_status: str = "") -> list:
    payment = payment_missing(payment_status)
    if assets is None:
        return [Missing(_("This section has not been filled in yet.")), *payment]
    missing = []
    minimum, _low, _high = letter_bounds(target_words)
    words = count_words(assets.motivation_letter)
    if words == 0:
        missing.append(Missing(_("Motivation letter"), "motivation_letter"))
    elif words < minimum:
        missing.append(
            Missing(
                _("Motivation letter: at least %(minimum)d words (it has %(words)d)")
                % {"minimum": minimum, "words": words},
                "motivation_letter",
            )
        )
    missing += _missing(
        [
            (assets.academie_1_id is not None, _("At least one académie"), "academie_1"),
            (assets.school_level, _("School level wanted"), "school_level"),
            (
                assets.available_from_contract_start,
                _("Attestation of availability on 1 October"),
                "available_from_contract_start",
            ),
        ]
    )
    return missing + payment


def documents_missing(required: list[str], current_documents: dict) -> list:
    missing = []
    labels = dict(DocumentKind.choices)
    page = DOCUMENTS_PAGE
    for kind in required:
        document = current_documents.get(kind)
        if document is None:
            missing.append(Missing(labels[kind], kind, page))
        elif document.review_status == DocumentReview.REJECTED:
            # A rejected file does not count: the candidate must replace it.
            missing.append(
                Missing(
                    _("%(document)s: rejected by the embassy, upload a new file")
                    % {"document": labels[kind]},
                    kind,
                    page,
                )
            )
        elif kind in DOCUMENTS_WITH_EXPIRY and document.expires_on is None:
            missing.append(
                Missing(_("%(document)s: expiry date") % {"document": labels[kind]}, kind, page)
            )
    return missing
