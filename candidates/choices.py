from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tapif.core.choices import SchoolLevel


class ApplicationStatus(models.TextChoices):
    """The dossier's life (DESIGN.md). Staff see these labels; candidates see CANDIDATE_LABELS."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    COMPLETE = "complete", _("Complete")
    INCOMPLETE = "incomplete", _("Incomplete")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")
    REVIEWED = "reviewed", _("Reviewed")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("Waitlisted")
    NOT_SELECTED = "not_selected", _("Not selected")
    PLACED = "placed", _("Placed")
    OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
    OFFER_DECLINED = "offer_declined", _("Offer declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    APPOINTED = "appointed", _("Appointed")


class PreviousEvaluation(models.TextChoices):
    """A returning assistant's evaluation by the académie of their previous year, recorded by
    staff (`candidates.services.application_record_previous_evaluation`). Only a positive one
    may be offered a second year (placements.allocation); "not known yet" holds the freeze."""

    UNKNOWN = "unknown", _("Not yet known")
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")


#: Allowed status moves, read by `candidates.services.application_transition` (the one way a
#: status changes) and by the candidate's situation (`candidates.selectors.candidate_situation`).
#: Later capabilities (review, selection, offers) use the same table.
TRANSITIONS: dict[str, set[str]] = {
    ApplicationStatus.DRAFT: {ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.SUBMITTED: {
        ApplicationStatus.DRAFT,  # reopened by staff
        ApplicationStatus.COMPLETE,
        ApplicationStatus.INCOMPLETE,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.INCOMPLETE: {
        ApplicationStatus.DRAFT,
        ApplicationStatus.COMPLETE,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.COMPLETE: {
        ApplicationStatus.DRAFT,
        ApplicationStatus.INCOMPLETE,  # a document rejected after all were accepted
        ApplicationStatus.ELIGIBLE,
        ApplicationStatus.INELIGIBLE,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.ELIGIBLE: {
        ApplicationStatus.REVIEWED,
        ApplicationStatus.INELIGIBLE,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.INELIGIBLE: {ApplicationStatus.ELIGIBLE, ApplicationStatus.DRAFT},
    ApplicationStatus.REVIEWED: {
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.NOT_SELECTED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.ACCEPTED: {ApplicationStatus.PLACED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.WAITLISTED: {ApplicationStatus.PLACED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.NOT_SELECTED: set(),
    ApplicationStatus.PLACED: {
        ApplicationStatus.OFFER_ACCEPTED,
        ApplicationStatus.OFFER_DECLINED,
        ApplicationStatus.WITHDRAWN,
    },
    ApplicationStatus.OFFER_ACCEPTED: {ApplicationStatus.APPOINTED, ApplicationStatus.WITHDRAWN},
    ApplicationStatus.OFFER_DECLINED: set(),
    ApplicationStatus.WITHDRAWN: set(),
    ApplicationStatus.APPOINTED: {ApplicationStatus.WITHDRAWN},
}


# What the candidate reads: plain words, no internal step names (one label per status; the
# candidate's pages read it through `candidates.selectors.candidate_situation`).
CANDIDATE_LABELS = {
    ApplicationStatus.DRAFT: _("In preparation"),
    ApplicationStatus.SUBMITTED: _("Submitted, waiting for the embassy's check"),
    ApplicationStatus.COMPLETE: _("Checked: complete"),
    ApplicationStatus.INCOMPLETE: _("Checked: something is missing"),
    ApplicationStatus.ELIGIBLE: _("Eligible, waiting for the selection"),
    ApplicationStatus.INELIGIBLE: _("Not eligible"),
    ApplicationStatus.REVIEWED: _("Reviewed, waiting for the selection committee"),
    ApplicationStatus.ACCEPTED: _("Accepted"),
    ApplicationStatus.WAITLISTED: _("On the waiting list"),
    ApplicationStatus.NOT_SELECTED: _("Not selected"),
    ApplicationStatus.PLACED: _("Placed in an académie"),
    ApplicationStatus.OFFER_ACCEPTED: _("Offer accepted"),
    ApplicationStatus.OFFER_DECLINED: _("Offer declined"),
    ApplicationStatus.WITHDRAWN: _("Withdrawn"),
    ApplicationStatus.APPOINTED: _("Appointed"),
}


class Sex(models.TextChoices):
    FEMALE = "F", pgettext_lazy("sex on passport", "F (female)")
    MALE = "M", pgettext_lazy("sex on passport", "M (male)")
    UNSPECIFIED = "X", pgettext_lazy("sex on passport", "X (unspecified)")


class Citizenship(models.TextChoices):
    CANADIAN = "canadian", _("Canadian citizen")
    PERMANENT_RESIDENT = "permanent_resident", _("Permanent resident of Canada")
    OTHER = "other", _("Neither")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled at university")
    GRADUATED = "graduated", _("Graduated")
    STOPPED = "stopped", _("Stopped my studies")


class FrenchStudy(models.TextChoices):
    NONE = "none", _("Neither")
    MAJOR = "major", _("French major")
    MINOR = "minor", _("French minor")


class FrenchProofRoute(models.TextChoices):
    PROFESSOR = "professor", _("Evaluation by a current or former French professor (recommended)")
    OFFICIAL_TEST = "official_test", _("Official test or diploma (TCF, TEF, DELF, DALF)")


class OfficialTest(models.TextChoices):
    TCF = "TCF", "TCF"
    TEF = "TEF", "TEF"
    DELF = "DELF", "DELF"
    DALF = "DALF", "DALF"


class CefrLevel(models.TextChoices):
    A1 = "A1", "A1"
    A2 = "A2", "A2"
    B1 = "B1", "B1"
    B2 = "B2", "B2"
    C1 = "C1", "C1"
    C2 = "C2", "C2"


class ExperienceKind(models.TextChoices):
    TEACHING = "teaching", _("Teaching")
    CHILDREN = "children", _("Work with children")
    TEENAGERS = "teenagers", _("Work with teenagers")
    ADULTS = "adults", _("Work with adults")
    ABROAD = "abroad", _("Time abroad")


class AbroadActivity(models.TextChoices):
    STUDIED = "studied", _("Studied")
    WORKED = "worked", _("Worked")
    LIVED = "lived", _("Lived")
    TRAVELLED = "travelled", _("Travelled")


class SchoolLevelWish(models.TextChoices):
    """The level a candidate asks to teach at: a `SchoolLevel` (with the pupils' ages, as the
    candidate chooses it), or either. The places, offers and results use `SchoolLevel`."""

    PRIMARY = SchoolLevel.PRIMARY.value, _("Primary (pupils aged 6 to 10)")
    SECONDARY = SchoolLevel.SECONDARY.value, _("Secondary (pupils aged 11 to 18)")
    EITHER = "either", _("Either")


class CouplePreference(models.TextChoices):
    TOGETHER_ONLY = "together_only", _("Together only: we decline to be placed apart")
    TOGETHER_PREFERRED = "together_preferred", _("Together preferred: we accept to be placed apart")


class CoupleStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for the partner's confirmation")
    CONFIRMED = "confirmed", _("Confirmed by both")
    DISSOLVED = "dissolved", _("Dissolved")


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    PR_CARD = "pr_card", _("Permanent resident card")
    CITIZENSHIP_PASSPORT = "citizenship_passport", _("Passport of your country of citizenship")
    EU_PASSPORT = "eu_passport", _("European Union passport")
    TRANSCRIPTS = "transcripts", _("Transcripts of the last two completed years (stamped)")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    LANGUAGE_TEST = "language_test", _("Official French test certificate")
    FEE_RECEIPT = "fee_receipt", _("Application fee receipt")
    CRIMINAL_RECORD = "criminal_record", _("Criminal record check (level 1)")


#: Documents whose expiry date the candidate enters (the passport rule reads it).
DOCUMENTS_WITH_EXPIRY = frozenset(
    {DocumentKind.PASSPORT, DocumentKind.CITIZENSHIP_PASSPORT, DocumentKind.EU_PASSPORT}
)


class PaymentStatus(models.TextChoices):
    """Where the dossier's application fee stands (the payments app records it here)."""

    DECLARED = "declared", _("Declared")
    MATCHED = "matched", _("Matched to a bank line")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    REFUNDED = "refunded", _("Refunded")


#: A payment in one of these states counts for the dossier (one at most, by constraint).
LIVE_PAYMENT_STATUSES = frozenset(
    {PaymentStatus.DECLARED, PaymentStatus.MATCHED, PaymentStatus.VERIFIED}
)

# What the candidate reads about their fee.
PAYMENT_CANDIDATE_LABELS = {
    "": _("Not declared yet"),
    PaymentStatus.DECLARED: _("Declared, waiting for the embassy's bank statement"),
    PaymentStatus.MATCHED: _("Received, waiting for the embassy's verification"),
    PaymentStatus.VERIFIED: _("Payment verified"),
    PaymentStatus.REJECTED: _("Rejected: declare your payment again"),
    PaymentStatus.REFUNDED: _("Refunded"),
}


class DossierEventKind(models.TextChoices):
    """What a dossier event records: a status change, or a fact higher apps record on it."""

    STATUS_CHANGED = "status_changed", _("Status changed")
    PAYMENT_DECLARED = "payment_declared", _("Application fee declared")
    PAYMENT_MATCHED = "payment_matched", _("Application fee received by the embassy")
    PAYMENT_VERIFIED = "payment_verified", _("Application fee verified")
    PAYMENT_REJECTED = "payment_rejected", _("Application fee rejected")
    PAYMENT_REFUNDED = "payment_refunded", _("Payment refunded")
    DOCUMENT_REJECTED = "document_rejected", _("Document rejected by the embassy")
    DOCUMENT_REPLACED = "document_replaced", _("Rejected document replaced")
    RESULT_RELEASED = "result_released", _("Selection result released")
    PROGRAMME_MESSAGE = "programme_message", _("Message from the programme")


#: The committee's decisions a released result may carry (the dossier's status after release;
#: an accepted candidate given an académie then moves on to "placed").
RESULT_DECISIONS = (
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.NOT_SELECTED,
)


class DocumentReview(models.TextChoices):
    """Staff's check of one document version."""

    PENDING = "pending", _("To check")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class DocumentRejection(models.TextChoices):
    """Why staff reject a document: the candidate reads the label (and the note, if any)."""

    UNREADABLE = "unreadable", _("Unreadable or incomplete scan")
    EXPIRED = "expired", _("Expired, or not valid long enough")
    WRONG_DOCUMENT = "wrong_document", _("Not the document asked for")
    NOT_STAMPED = "not_stamped", _("Not stamped by the institution")
    OTHER = "other", _("Other reason (see the note)")


class EligibilityOutcome(models.TextChoices):
    """Staff's decision on a complete dossier's eligibility (the status it moves to)."""

    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Ineligible")


# The engine's rules (candidates.eligibility.RULE_CODES), as staff read them.
ELIGIBILITY_RULE_LABELS = {
    "age": _("Age on 1 October"),
    "citizenship": _("Citizenship"),
    "residence": _("Residence in Canada"),
    "education": _("University studies"),
    "studies_in_canada": _("Studies in Canada"),
    "french_level": _("French level"),
    "passport": _("Passport validity"),
    "participations": _("Previous participations"),
    "availability": _("Availability on 1 October"),
}
