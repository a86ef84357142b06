"""What the candidates app holds about a person, for their "My data" download
(`tapif.core.privacy`), and the core records it answers for (core imports no app, and a
person's account, e-mails and letters are read here, where the candidate's pages are).

Registered from `CandidatesConfig.ready()`; the models left out say why.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _

from candidates.choices import CANDIDATE_LABELS, ApplicationStatus
from candidates.models import (
    Application,
    Assets,
    Couple,
    DeletionRequest,
    Document,
    DossierEvent,
    EligibilityDecision,
    Experience,
    FrenchCourse,
    FrenchProfile,
    Identity,
    PreviousParticipation,
    SectionDraft,
    Studies,
)
from tapif.core.models import AuditEntry, Institution, IssuedLetter, OutboundMessage, User
from tapif.core.privacy import ExportSection, export_register

#: Statuses the committee's freeze sets before the results reach the candidate.
RESULT_STATUSES = frozenset(
    {ApplicationStatus.ACCEPTED, ApplicationStatus.WAITLISTED, ApplicationStatus.NOT_SELECTED}
)


def _own(model):
    """Rows of the person's dossiers (by `application`)."""
    return lambda user: model.objects.filter(application__candidate=user).order_by("pk")


def _application_hidden(application: Application) -> set[str]:
    """What the candidate does not read on their pages: the confidential French level from an
    evaluation, and the result before its release."""
    hidden = {"french_level", "french_level_source", "status"}
    if application.result_released_at is None:
        hidden |= {
            "result_decision",
            "result_academie",
            "result_level",
            "result_waitlist_position",
            "result_explanation",
        }
    return hidden


def _application_rows(user: User):
    return Application.objects.filter(candidate=user).select_related("campaign").order_by("pk")


def _event_rows(user: User):
    """The dossier's history as the candidate may read it: no result before its release."""
    events = DossierEvent.objects.filter(application__candidate=user).select_related("application")
    return [
        event
        for event in events.order_by("application_id", "created_at", "pk")
        if event.application.result_released_at is not None
        or event.to_status not in RESULT_STATUSES
    ]


def _document_files(document: Document):
    if not document.file:
        return []
    extension = document.file.name.rsplit(".", 1)[-1]
    return [
        (
            f"documents/{document.application.number}/{document.kind}-{document.pk}.{extension}",
            document.file,
        )
    ]


def _letter_files(letter: IssuedLetter):
    if not letter.file:
        return []
    return [(f"letters/{letter.kind}-{letter.display_code}.pdf", letter.file)]


SECTIONS = (
    ExportSection(
        User,
        rows=lambda user: [user],
        exclude=("password", "is_staff", "is_superuser", "groups", "user_permissions"),
    ),
    ExportSection(EmailAddress, rows=lambda user: EmailAddress.objects.filter(user=user)),
    ExportSection(
        Application,
        rows=_application_rows,
        exclude=_application_hidden,
        computed=lambda row: {str(_("Status")): str(CANDIDATE_LABELS[row.status])},
    ),
    ExportSection(Identity, rows=_own(Identity)),
    ExportSection(Studies, rows=_own(Studies)),
    ExportSection(FrenchProfile, rows=_own(FrenchProfile), exclude=("test_verified_by",)),
    ExportSection(FrenchCourse, rows=_own(FrenchCourse)),
    ExportSection(Experience, rows=_own(Experience)),
    ExportSection(Assets, rows=_own(Assets)),
    ExportSection(PreviousParticipation, rows=_own(PreviousParticipation)),
    ExportSection(SectionDraft, rows=_own(SectionDraft)),
    ExportSection(
        Couple,
        rows=lambda user: (
            Couple.objects.filter(proposer__candidate=user)
            | Couple.objects.filter(partner__candidate=user)
        ),
    ),
    ExportSection(
        Document,
        rows=lambda user: (
            Document.objects.filter(application__candidate=user)
            .select_related("application")
            .order_by("pk")
        ),
        exclude=("uploaded_by", "reviewed_by", "sha256"),
        files=_document_files,
    ),
    ExportSection(DossierEvent, rows=_event_rows, exclude=("actor",)),
    ExportSection(
        EligibilityDecision,
        rows=_own(EligibilityDecision),
        exclude=("decided_by", "overrides"),
    ),
    ExportSection(
        DeletionRequest,
        rows=lambda user: DeletionRequest.objects.filter(candidate=user),
        exclude=("settled_by",),
    ),
    ExportSection(
        IssuedLetter,
        rows=lambda user: IssuedLetter.objects.filter(owner=user).order_by("pk"),
        exclude=("content_sha256", "file_sha256", "template"),
        files=_letter_files,
    ),
    ExportSection(
        OutboundMessage,
        rows=lambda user: OutboundMessage.objects.filter(recipient=user).order_by("pk"),
        exclude=("context", "secret_keys", "dedup_key", "claimed_until", "error", "attempts"),
    ),
    ExportSection(
        AuditEntry,
        rows=lambda user: AuditEntry.objects.filter(actor=user).order_by("pk"),
        exclude=("data",),
    ),
    ExportSection(
        Institution,
        rows=lambda user: Institution.objects.filter(requested_by=user),
        exclude=("domains_approved_by", "domains_approved_at", "email_domains"),
    ),
)

EXCLUDED = {
    "candidates.ParticipationTrace": "holds no link to a person: a keyed fingerprint only",
    "candidates.NumberSequence": "a counter of candidate numbers, about no one",
    "core.StaffInvitation": "staff accounts' set-up links (secrets), never a candidate's",
    "mfa.Authenticator": "second-factor secrets: exporting them would weaken the account",
    "account.EmailConfirmation": "a pending confirmation key (a secret, valid a few days)",
    "admin.LogEntry": "the admin's own log of staff edits; staff only",
    "candidates.GroupMessage": "staff's message to many candidates: each copy is an e-mail",
}


def register() -> None:
    export_register(*SECTIONS, excluded=EXCLUDED)
