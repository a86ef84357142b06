"""Every change to a dossier goes through these functions (views, admin and tasks call them)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from candidates.choices import (
    DOCUMENTS_WITH_EXPIRY,
    ELIGIBILITY_RULE_LABELS,
    RESULT_DECISIONS,
    TRANSITIONS,
    ApplicationStatus,
    CoupleStatus,
    DocumentKind,
    DocumentRejection,
    DocumentReview,
    DossierEventKind,
    EligibilityOutcome,
    FrenchProofRoute,
    PaymentStatus,
    PreviousEvaluation,
)
from candidates.documents import DocumentRejected, clean_name, inspect_upload
from candidates.eligibility import RULE_CODES, Status
from candidates.messages import failure_text
from candidates.models import (
    Application,
    Assets,
    Couple,
    Document,
    DossierEvent,
    EligibilityDecision,
    FrenchProfile,
    Identity,
    NumberSequence,
    SectionDraft,
    Studies,
)
from candidates.selectors import dossier_load, dossier_status, dossier_verdict
from candidates.signals import eligibility_decided
from tapif.core.audit import audit_record
from tapif.core.choices import SchoolLevel
from tapif.core.exceptions import DomainError
from tapif.core.messages import Message
from tapif.core.models import Academie, Campaign, User
from tapif.core.moments import day_words
from tapif.core.outbox import mail_user
from tapif.core.services import rejection_note_clean


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("campaign", "candidate")
        .get(pk=application.pk)
    )


@transaction.atomic
def application_transition(
    *, application: Application, to_status: str, actor: User | None, reason: str = ""
) -> Application:
    """Move the dossier to `to_status` if the table allows it, and record it in its history.

    Locks the row; raises DomainError for a move the table does not allow. Writes a
    `status_changed` dossier event (from, to, actor, reason) and an audit row
    ("application.transition") in the same transaction. Returns early (no row) when the dossier
    is already in that status.
    """
    application = _lock(application)
    current = application.status
    if current == to_status:
        return application
    if to_status not in TRANSITIONS[current]:
        raise DomainError(
            _("A dossier cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": ApplicationStatus(current).label,
                "to": ApplicationStatus(to_status).label,
            },
            code="transition",
        )
    application.status = to_status
    fields = ["status", "updated_at"]
    if to_status == ApplicationStatus.SUBMITTED:
        application.submitted_at = timezone.now()
        fields.append("submitted_at")
    application.save(update_fields=fields)
    DossierEvent.objects.create(
        application=application,
        kind=DossierEventKind.STATUS_CHANGED,
        from_status=current,
        to_status=to_status,
        actor=actor,
        note=reason,
    )
    audit_record(
        actor=actor,
        action="application.transition",
        target=application,
        data={"from": current, "to": to_status, "reason": reason},
    )
    return application


def _next_number(campaign: Campaign) -> str:
    NumberSequence.objects.get_or_create(campaign=campaign)
    sequence = NumberSequence.objects.select_for_update().get(campaign=campaign)
    sequence.last_value = F("last_value") + 1
    sequence.save(update_fields=["last_value"])
    sequence.refresh_from_db(fields=["last_value"])
    return f"{campaign.code}-{sequence.last_value:05d}"


@transaction.atomic
def application_create(*, candidate: User, campaign: Campaign) -> Application:
    """Start the candidate's dossier for the campaign, with its candidate number.

    The number comes from a locked per-campaign counter, so it is unique and never reused even if
    a dossier is later deleted. Returns the existing dossier if there is one already.
    """
    existing = Application.objects.filter(candidate=candidate, campaign=campaign).first()
    if existing:
        return existing
    if not candidate.emailaddress_set.filter(verified=True).exists():
        raise DomainError(_("Confirm your e-mail address before starting a dossier."))
    if not campaign.is_open():
        raise DomainError(_("Applications for this campaign are closed."), code="closed")
    try:
        with transaction.atomic():
            application = Application.objects.create(
                candidate=candidate, campaign=campaign, number=_next_number(campaign)
            )
    except IntegrityError:  # a second tab created it at the same moment
        return Application.objects.get(candidate=candidate, campaign=campaign)
    DossierEvent.objects.create(
        application=application,
        kind=DossierEventKind.STATUS_CHANGED,
        to_status=ApplicationStatus.DRAFT,
        actor=candidate,
    )
    return application


def application_assert_editable(application: Application) -> None:
    """Candidates change a dossier only while it is a draft and the campaign is open."""
    if application.campaign.has_closed():
        raise DomainError(
            _("The application period has ended: your dossier can no longer be changed."),
            code="closed",
        )
    if not application.is_draft:
        raise DomainError(
            _("Your dossier has been submitted and can no longer be changed."), code="locked"
        )


_SECTION_MODELS = {
    "identity": Identity,
    "studies": Studies,
    "french": FrenchProfile,
    "assets": Assets,
}


@transaction.atomic
def section_update(
    *, application: Application, section: str, data: dict[str, Any], actor: User
) -> Any:
    """Save one section's fields (only those given), creating the section row the first time.

    Only the named fields are written, so a form on another section, open in another tab,
    never overwrites this one.
    """
    application = _lock(application)
    application_assert_editable(application)
    model = _SECTION_MODELS[section]
    row, _created = model.objects.get_or_create(application=application)
    _clear_test_verification_if_changed(application, row, data)
    for name, value in data.items():
        setattr(row, name, value)
    row.full_clean(exclude=["application"])
    row.save(update_fields=[*data.keys(), "updated_at"])
    application.save(update_fields=["updated_at"])
    SectionDraft.objects.filter(application=application, section=section).delete()
    return row


@dataclass(frozen=True)
class DraftSaved:
    draft: SectionDraft
    overtaken: bool  # another tab had written a newer draft than the one this write started from


@transaction.atomic
def section_draft_save(
    *,
    application: Application,
    section: str,
    data: Mapping[str, Any],
    base_version: int | None,
    actor: User,
) -> DraftSaved:
    """Keep what the candidate typed on a section page, unvalidated, until they press Save.

    The last write wins. `base_version` is the draft version the writer last saw (None for a
    page opened with no draft): when the stored draft is newer, the write still happens and the
    result says the writer was overtaken, so that page can tell its reader. Nothing else
    changes: completeness, eligibility and staff pages read only saved sections.
    """
    if section not in _SECTION_MODELS:
        raise DomainError(_("This section has no draft."), code="not_found")
    application = _lock(application)
    application_assert_editable(application)
    draft = (
        SectionDraft.objects.select_for_update()
        .filter(application=application, section=section)
        .first()
    )
    if draft is None:
        draft = SectionDraft.objects.create(
            application=application, section=section, data=dict(data)
        )
        return DraftSaved(draft=draft, overtaken=base_version not in (None, 0))
    overtaken = base_version is not None and base_version != draft.version
    draft.data = dict(data)
    draft.version += 1
    draft.save(update_fields=["data", "version", "updated_at"])
    return DraftSaved(draft=draft, overtaken=overtaken)


@transaction.atomic
def section_draft_discard(*, application: Application, section: str, actor: User) -> None:
    """Drop a section's draft: the candidate goes back to what they last saved."""
    SectionDraft.objects.filter(application=application, section=section).delete()


@transaction.atomic
def item_save(*, application: Application, instance: Any, actor: User) -> Any:
    """Add or change one repeatable entry (experience, French course, participation)."""
    application = _lock(application)
    application_assert_editable(application)
    if instance.application_id not in (None, application.pk):
        raise DomainError(_("This entry belongs to another dossier."), code="forbidden")
    instance.application = application
    instance.full_clean()
    instance.save()
    application.save(update_fields=["updated_at"])
    return instance


@transaction.atomic
def item_delete(*, application: Application, instance: Any, actor: User) -> None:
    application = _lock(application)
    application_assert_editable(application)
    if instance.application_id != application.pk:
        raise DomainError(_("This entry belongs to another dossier."), code="forbidden")
    instance.delete()
    application.save(update_fields=["updated_at"])


def _megabytes(size: int) -> str:
    return formats.number_format(size / (1024 * 1024), decimal_pos=0)


# The words of each refusal of `candidates.documents.inspect_upload`, by its code.
DOCUMENT_ERRORS = {
    "empty": lambda: _("The file is empty."),
    "too_large": lambda: (
        _("The file is larger than %(limit)s MB. Scan it at a lower resolution.")
        % {"limit": _megabytes(settings.UPLOAD_MAX_BYTES)}
    ),
    "type": lambda: _("Only PDF, JPEG or PNG files are accepted (this file is none of them)."),
    "pdf_broken": lambda: _(
        "This PDF cannot be read: it is damaged or incomplete. Save or export it again as PDF."
    ),
    "pdf_encrypted": lambda: _(
        "This PDF is protected by a password or encrypted. Save a copy without protection "
        "(for example with “Print to PDF”)."
    ),
    "pdf_script": lambda: _(
        "This PDF contains JavaScript or an interactive form, which we cannot accept. Save a "
        "flat copy (for example with “Print to PDF”)."
    ),
    "pdf_launch": lambda: _(
        "This PDF tries to open a program or another file, which we cannot accept. Save a flat "
        "copy (for example with “Print to PDF”)."
    ),
    "pdf_attachment": lambda: _(
        "This PDF carries attached files, which we cannot accept. Upload each document as its "
        "own file."
    ),
    "polyglot": lambda: _(
        "This file contains web page code besides the document, which we cannot accept. Save "
        "or scan the document again."
    ),
    "image_broken": lambda: _(
        "This image cannot be read: it is damaged or incomplete. Take the photo or scan again."
    ),
    "image_too_large": lambda: (
        _(
            "This image has too many pixels (more than %(limit)s million). Scan or photograph it "
            "at a lower resolution."
        )
        % {"limit": formats.number_format(settings.UPLOAD_MAX_IMAGE_PIXELS // 1_000_000)}
    ),
}


@transaction.atomic
def document_upload(
    *,
    application: Application,
    kind: str,
    upload: UploadedFile,
    actor: User,
    expires_on: dt.date | None = None,
    allow_after_submission: bool = False,
) -> Document:
    """Store a new version of a typed document; the previous one stays, for staff, as history.

    The file is opened by a real parser (`candidates.documents.inspect_upload`): a PDF with
    active content or a broken image is refused, an image is stored re-encoded (no EXIF). Its
    stored name is generated; the name shown is cleaned. Raises DomainError with the message
    for the form when the file or the dossier refuses it; the current document then stays.
    """
    application = _lock(application)
    if not allow_after_submission:
        application_assert_editable(application)
    try:
        checked = inspect_upload(
            upload,
            upload.size,
            max_bytes=settings.UPLOAD_MAX_BYTES,
            max_pixels=settings.UPLOAD_MAX_IMAGE_PIXELS,
        )
    except DocumentRejected as rejected:
        raise DomainError(DOCUMENT_ERRORS[rejected.code](), code=rejected.code) from rejected
    if kind in DOCUMENTS_WITH_EXPIRY and expires_on is None:
        raise DomainError(_("Enter the expiry date printed on the passport."), code="expiry")
    previous = Document.objects.select_for_update().filter(
        application=application, kind=kind, is_current=True
    )
    replaced = [d.pk for d in previous]
    previous.update(is_current=False)
    document = Document(
        application=application,
        kind=kind,
        original_name=clean_name(upload.name or "", checked.content_type),
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        expires_on=expires_on if kind in DOCUMENTS_WITH_EXPIRY else None,
        uploaded_by=actor,
    )
    # Store the checked bytes with the type read from them, not the one the browser claimed
    # (S3 serves it back).
    stored = ContentFile(checked.content, name="upload")
    stored.content_type = checked.content_type
    document.file.save("upload", stored, save=False)
    try:
        document.save()
        application.save(update_fields=["updated_at"])
        audit_record(
            actor=actor,
            action="document.upload",
            target=document,
            data={"kind": kind, "replaced": replaced},
        )
    except Exception:
        # The row is rolled back: do not leave the stored file behind.
        document.file.storage.delete(document.file.name)
        raise
    return document


@transaction.atomic
def application_submit(*, application: Application, actor: User) -> Application:
    """Submit a complete dossier with no failing eligibility rule, once.

    Locks the dossier so a double click or a second tab submits it once (the second call finds
    it submitted and returns it unchanged). Locks it for the candidate, records the timeline and
    sends the confirmation e-mail after commit.
    """
    locked = _lock(application)
    if locked.status == ApplicationStatus.SUBMITTED:
        return locked
    application_assert_editable(locked)
    status = dossier_status(dossier_load(locked.pk))
    if not status.complete:
        raise DomainError(
            _("Your dossier is not complete yet: %(missing)s.")
            % {"missing": "; ".join(str(m) for m in status.all_missing())},
            code="incomplete",
        )
    if status.verdict.eligible is False:
        raise DomainError(
            _("Your dossier cannot be submitted: %(reasons)s")
            % {"reasons": " ".join(status.failure_messages())},
            code="ineligible",
        )
    submitted = application_transition(
        application=locked, to_status=ApplicationStatus.SUBMITTED, actor=actor
    )
    candidate = submitted.candidate
    mail_user(
        user=candidate,
        template_prefix="candidates/email/submitted",
        context={"application": submitted, "campaign": submitted.campaign},
    )
    return submitted


@transaction.atomic
def application_reopen(*, application: Application, actor: User, reason: str) -> Application:
    """Staff give a submitted dossier back to the candidate as a draft; a reason is required."""
    if not reason.strip():
        raise DomainError(_("Say why the dossier is reopened."), code="reason")
    if _lock(application).status == ApplicationStatus.DRAFT:
        raise DomainError(_("It is already a draft."), code="draft")
    reopened = application_transition(
        application=application,
        to_status=ApplicationStatus.DRAFT,
        actor=actor,
        reason=reason.strip(),
    )
    audit_record(
        actor=actor, action="application.reopen", target=reopened, data={"reason": reason.strip()}
    )
    candidate = reopened.candidate
    mail_user(
        user=candidate,
        template_prefix="candidates/email/reopened",
        context={
            "application": reopened,
            "campaign": reopened.campaign,
            "reason": reason.strip(),
        },
    )
    return reopened


@transaction.atomic
def application_record_french_level(
    *, application: Application, level: str, actor: User | None, source: str
) -> Application:
    """Higher apps (evaluations, staff checks) record the verified French level here.

    `level` may be empty to withdraw a level (an evaluator replaced, a test changed). Returns
    early when nothing changes; records an audit entry otherwise.
    """
    application = _lock(application)
    if (application.french_level, application.french_level_source) == (level, source):
        return application
    previous = application.french_level
    application.french_level = level
    application.french_level_source = source if level else ""
    application.save(update_fields=["french_level", "french_level_source", "updated_at"])
    audit_record(
        actor=actor,
        action="application.french_level",
        target=application,
        data={"from": previous, "to": level, "source": source},
    )
    return application


@transaction.atomic
def application_record_previous_evaluation(
    *, application: Application, evaluation: str, actor: User | None
) -> Application:
    """Record a returning assistant's evaluation by their previous académie (a
    `PreviousEvaluation`). Returns early when nothing changes; audited otherwise. The selection
    round reads it: only a positive evaluation may be offered, "not yet known" holds the freeze."""
    evaluation = PreviousEvaluation(evaluation)
    application = _lock(application)
    if application.previous_evaluation == evaluation:
        return application
    previous = application.previous_evaluation
    application.previous_evaluation = evaluation
    application.save(update_fields=["previous_evaluation", "updated_at"])
    audit_record(
        actor=actor,
        action="application.previous_evaluation",
        target=application,
        data={"from": previous, "to": str(evaluation)},
    )
    return application


#: The words a CSV may use for each evaluation, in either language (compared in lower case).
_EVALUATION_WORDS = {
    PreviousEvaluation.POSITIVE: {"positive", "positif", "+", "yes", "oui"},
    PreviousEvaluation.NEGATIVE: {"negative", "négative", "negatif", "négatif", "-", "no", "non"},
    PreviousEvaluation.UNKNOWN: {"unknown", "not yet known", "inconnue", "inconnu", ""},
}


@dataclass(frozen=True)
class PreviousEvaluationsImported:
    """What `previous_evaluations_import` did: dossiers changed, unchanged, and each line refused
    (line number, the line's text, why)."""

    changed: int
    unchanged: int
    refused: tuple[tuple[int, str, str], ...]


def previous_evaluations_import(
    *, campaign: Campaign, text: str, actor: User | None
) -> PreviousEvaluationsImported:
    """Record the previous evaluations listed in a CSV (a dossier number and an evaluation per
    line, separated by ";" or ","; a header line is skipped), each through
    `application_record_previous_evaluation`. A line naming no dossier of the campaign with a
    previous participation, or an unknown word, is refused and reported; the others are kept."""
    delimiter = ";" if ";" in text[:2048] else ","
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter))
    returning = {
        application.number: application
        for application in Application.objects.filter(
            campaign=campaign, previous_participations__isnull=False
        ).distinct()
    }
    changed = unchanged = 0
    refused: list[tuple[int, str, str]] = []
    for line, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        number, word = [*cells, "", ""][:2]
        evaluation = next(
            (code for code, words in _EVALUATION_WORDS.items() if word.lower() in words), None
        )
        if line == 1 and number not in returning and evaluation is None:
            continue  # the header
        application = returning.get(number)
        if application is None:
            refused.append(
                (line, ";".join(cells), _("no returning assistant's dossier has this number"))
            )
            continue
        if evaluation is None:
            refused.append((line, ";".join(cells), _("the evaluation is not one of the words")))
            continue
        before = application.previous_evaluation
        application = application_record_previous_evaluation(
            application=application, evaluation=evaluation, actor=actor
        )
        if application.previous_evaluation == before:
            unchanged += 1
        else:
            changed += 1
    return PreviousEvaluationsImported(changed=changed, unchanged=unchanged, refused=tuple(refused))


@transaction.atomic
def application_record_evaluator_status(
    *, application: Application, status: str, actor: User | None
) -> FrenchProfile:
    """The evaluations app tells the dossier where its evaluator stands (no content)."""
    application = _lock(application)
    french, _created = FrenchProfile.objects.select_for_update().get_or_create(
        application=application
    )
    if french.evaluator_status != status:
        french.evaluator_status = status
        french.save(update_fields=["evaluator_status", "updated_at"])
    return french


def dossier_event_record(
    *, application: Application, kind: DossierEventKind, actor: User | None, note: str = ""
) -> DossierEvent:
    """Add a fact to the dossier's history (call inside the change's own transaction).

    A status change is not a fact to record by hand: it goes through `application_transition`.
    """
    if kind == DossierEventKind.STATUS_CHANGED:
        raise ValueError("status changes are recorded by application_transition")
    return DossierEvent.objects.create(
        application=application, kind=kind, actor=actor, note=note.strip()
    )


@transaction.atomic
def application_record_payment(
    *,
    application: Application,
    status: PaymentStatus | str,
    event: DossierEventKind,
    actor: User | None,
    note: str = "",
) -> Application:
    """The payments app tells the dossier where its application fee stands, on its timeline.

    `status` is the state of the fee as a whole ('' once no payment counts any more); `event`
    says what happened, with `note` shown to the candidate (a rejection's reason, say).
    """
    application = _lock(application)
    if application.payment_status != status:
        application.payment_status = status
        application.save(update_fields=["payment_status", "updated_at"])
    dossier_event_record(application=application, kind=event, actor=actor, note=note)
    return application


def _result_values(
    *,
    decision_status: str,
    academie: Academie | None,
    level: str,
    waitlist_position: int | None,
    explanation: list[Message],
) -> dict[str, Any]:
    """The result's fields as stored on the dossier, or a DomainError for an incoherent one."""
    if decision_status not in RESULT_DECISIONS:
        raise DomainError(
            _("“%(decision)s” is not a selection result.") % {"decision": decision_status},
            code="result_decision",
        )
    if academie is not None and decision_status != ApplicationStatus.ACCEPTED:
        raise DomainError(
            _("Only an accepted candidate is placed in an académie."), code="result_academie"
        )
    if (academie is None) != (not level) or (level and level not in SchoolLevel.values):
        raise DomainError(
            _("A placement names both an académie and a school level (primary or secondary)."),
            code="result_level",
        )
    if (waitlist_position is not None) != (decision_status == ApplicationStatus.WAITLISTED):
        raise DomainError(
            _("A waitlisted candidate, and only they, has a waitlist position."),
            code="result_waitlist",
        )
    return {
        "result_decision": str(decision_status),
        "result_academie_id": academie.pk if academie is not None else None,
        "result_level": level or "",
        "result_waitlist_position": waitlist_position,
        "result_explanation": list(explanation),
    }


@transaction.atomic
def application_record_result(
    *,
    application: Application,
    decision_status: str,
    academie: Academie | None,
    level: str,
    waitlist_position: int | None,
    explanation: list[Message],
    actor: User | None,
) -> Application:
    """The committee's released result, recorded on the dossier (placements' release calls it).

    A reviewed dossier moves to the decision ("accepted", "waitlisted" or "not selected"), then
    an accepted one given an académie to "placed"; the result (académie and level, waitlist
    position, the explanation's messages) is stored with `result_released_at`, the
    moment from which the candidate sees it, and a "result released" fact joins the timeline.
    Idempotent: the same result again changes nothing (a release job may run twice). A dossier
    whose result is already released with other data, or that is no longer "reviewed" (a
    withdrawal, say), is refused with a DomainError and left as it was.
    """
    values = _result_values(
        decision_status=decision_status,
        academie=academie,
        level=level,
        waitlist_position=waitlist_position,
        explanation=explanation,
    )
    application = _lock(application)
    if application.result_released_at is not None:
        if all(getattr(application, field) == value for field, value in values.items()):
            return application
        raise DomainError(
            _("The result of dossier %(number)s has already been released.")
            % {"number": application.number},
            code="result_released",
        )
    if application.status != ApplicationStatus.REVIEWED:
        raise DomainError(
            _("Dossier %(number)s is “%(status)s”: only a reviewed dossier receives a result.")
            % {
                "number": application.number,
                "status": ApplicationStatus(application.status).label,
            },
            code="result_not_reviewed",
        )
    application = application_transition(
        application=application, to_status=decision_status, actor=actor
    )
    if academie is not None:
        application = application_transition(
            application=application, to_status=ApplicationStatus.PLACED, actor=actor
        )
    for field, value in values.items():
        setattr(application, field, value)
    application.result_released_at = timezone.now()
    application.save(update_fields=[*values, "result_released_at", "updated_at"])
    dossier_event_record(
        application=application, kind=DossierEventKind.RESULT_RELEASED, actor=actor
    )
    audit_record(
        actor=actor,
        action="application.result_release",
        target=application,
        data={
            "decision": values["result_decision"],
            "academie": academie.code if academie is not None else None,
            "level": values["result_level"],
            "waitlist_position": waitlist_position,
        },
    )
    return application


# --- After the results: placements records offers and the waitlist here -----------------------


@transaction.atomic
def application_record_offer(
    *, application: Application, academie: Academie, level: str, actor: User | None, reason: str
) -> Application:
    """A waitlisted candidate is offered a place (a freed place, or the committee's): the
    dossier moves "waitlisted" → "placed" with `reason` on its timeline (in the candidate's
    language), the académie and level become its result and it leaves the waitlist (position
    cleared). Placements calls it in the transaction that writes the offer; refused with a
    DomainError unless the dossier is waitlisted with its result released.
    """
    if level not in SchoolLevel.values:
        raise DomainError(
            _("A placement names both an académie and a school level (primary or secondary)."),
            code="result_level",
        )
    application = _lock(application)
    if application.status != ApplicationStatus.WAITLISTED or application.result_released_at is None:
        raise DomainError(
            _("Dossier %(number)s is “%(status)s”: only a waitlisted candidate is offered a place.")
            % {
                "number": application.number,
                "status": ApplicationStatus(application.status).label,
            },
            code="not_waitlisted",
        )
    application = application_transition(
        application=application, to_status=ApplicationStatus.PLACED, actor=actor, reason=reason
    )
    application.result_academie = academie
    application.result_level = level
    application.result_waitlist_position = None
    application.save(
        update_fields=[
            "result_academie",
            "result_level",
            "result_waitlist_position",
            "updated_at",
        ]
    )
    return application


@transaction.atomic
def application_record_waitlist_position(
    *, application: Application, position: int | None
) -> Application:
    """The candidate's place on the waitlist as it is now (placements recomputes it when the
    list moves: someone ahead promoted or withdrawn). Returns early when it is unchanged."""
    application = _lock(application)
    if application.result_waitlist_position == position:
        return application
    application.result_waitlist_position = position
    application.save(update_fields=["result_waitlist_position", "updated_at"])
    return application


@transaction.atomic
def document_record_verified(*, document: Document, actor: User) -> Document:
    """Staff verified a document asked for after the selection (the criminal record check,
    checked by placements before the appointment): this version reads "accepted". Audited."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if document.review_status == DocumentReview.ACCEPTED:
        return document
    document.review_status = DocumentReview.ACCEPTED
    document.reviewed_by = actor
    document.reviewed_at = timezone.now()
    document.save(update_fields=["review_status", "reviewed_by", "reviewed_at"])
    audit_record(actor=actor, action="document.accept", target=document)
    return document


@transaction.atomic
def french_test_verify(*, application: Application, actor: User) -> Application:
    """Staff confirm the official test certificate: its CEFR level becomes the French level.

    Refused when the dossier is not on the test route, the test is incomplete, dated after the
    campaign's language deadline, or has no certificate uploaded.
    """
    application = _lock(application)
    french = FrenchProfile.objects.select_for_update().filter(application=application).first()
    if french is None or french.proof_route != FrenchProofRoute.OFFICIAL_TEST:
        raise DomainError(_("This dossier does not prove its French with an official test."))
    if not (french.test_name and french.test_level and french.test_date):
        raise DomainError(_("The test, its level and its date must all be entered first."))
    deadline = application.campaign.language_test_deadline
    if french.test_date > deadline:
        raise DomainError(
            _("The results are dated after the deadline (%(date)s).")
            % {"date": day_words(deadline)}
        )
    if not Document.objects.filter(
        application=application, kind=DocumentKind.LANGUAGE_TEST, is_current=True
    ).exists():
        raise DomainError(_("The test certificate has not been uploaded."))
    if french.test_verified_at:  # already checked: nothing to record twice
        return application
    french.test_verified_at = timezone.now()
    french.test_verified_by = actor
    french.save(update_fields=["test_verified_at", "test_verified_by", "updated_at"])
    audit_record(
        actor=actor,
        action="french_test.verify",
        target=application,
        data={"test": french.test_name, "level": french.test_level},
    )
    return application_record_french_level(
        application=application,
        level=french.test_level,
        actor=actor,
        source=FrenchProofRoute.OFFICIAL_TEST,
    )


_TEST_FIELDS = {"proof_route", "test_name", "test_level", "test_date"}


def _clear_test_verification_if_changed(application: Application, row, data: dict) -> None:
    """A verified test that the candidate changes must be checked again."""
    if not isinstance(row, FrenchProfile) or not row.test_verified_at:
        return
    if not any(getattr(row, name) != data[name] for name in _TEST_FIELDS & data.keys()):
        return
    row.test_verified_at, row.test_verified_by = None, None
    row.save(update_fields=["test_verified_at", "test_verified_by"])
    if application.french_level_source == FrenchProofRoute.OFFICIAL_TEST:
        application_record_french_level(
            application=application, level="", actor=None, source=FrenchProofRoute.OFFICIAL_TEST
        )


def _live_couple_of(application: Application) -> Couple | None:
    return (
        Couple.objects.select_for_update()
        .filter(status__in=[CoupleStatus.PROPOSED, CoupleStatus.CONFIRMED])
        .filter(Q(proposer=application) | Q(partner=application))
        .first()
    )


@transaction.atomic
def couple_propose(
    *, application: Application, partner_email: str, preference: str, actor: User
) -> Couple:
    """Declare a couple application; the partner confirms it from their own dossier."""
    application = _lock(application)
    application_assert_editable(application)
    partner_email = partner_email.strip().lower()
    if partner_email == application.candidate.email.lower():
        raise DomainError(_("Enter your partner's e-mail address, not yours."), code="self")
    if _live_couple_of(application):
        raise DomainError(
            _("You already have a couple application. Dissolve it first."), code="exists"
        )
    couple = Couple.objects.create(
        proposer=application, partner_email=partner_email, preference=preference
    )
    audit_record(actor=actor, action="couple.propose", target=couple)
    return couple


@transaction.atomic
def couple_confirm(*, couple: Couple, application: Application, actor: User) -> Couple:
    """The invited partner confirms from their own dossier (same campaign, e-mail matching)."""
    couple = (
        Couple.objects.select_for_update(of=("self",)).select_related("proposer").get(pk=couple.pk)
    )
    application = _lock(application)
    application_assert_editable(application)
    if couple.status != CoupleStatus.PROPOSED:
        raise DomainError(_("This couple application is no longer waiting for you."))
    if (
        application.candidate.email.lower() != couple.partner_email
        or application.campaign_id != couple.proposer.campaign_id
    ):
        raise DomainError(_("This couple application was not addressed to you."), code="forbidden")
    if _live_couple_of(application):
        raise DomainError(
            _("You already have a couple application. Dissolve it first."), code="exists"
        )
    couple.partner = application
    couple.status = CoupleStatus.CONFIRMED
    couple.confirmed_at = timezone.now()
    couple.save(update_fields=["partner", "status", "confirmed_at"])
    audit_record(actor=actor, action="couple.confirm", target=couple)
    return couple


@transaction.atomic
def couple_dissolve(*, couple: Couple, application: Application, actor: User) -> Couple:
    """Either partner ends the couple application while both dossiers are still drafts."""
    couple = Couple.objects.select_for_update().get(pk=couple.pk)
    if application.pk not in (couple.proposer_id, couple.partner_id):
        raise DomainError(_("This couple application is not yours."), code="forbidden")
    for member_id in filter(None, (couple.proposer_id, couple.partner_id)):
        application_assert_editable(
            Application.objects.select_related("campaign").get(pk=member_id)
        )
    if couple.status == CoupleStatus.DISSOLVED:
        return couple
    couple.status = CoupleStatus.DISSOLVED
    couple.dissolved_at = timezone.now()
    couple.save(update_fields=["status", "dissolved_at"])
    audit_record(actor=actor, action="couple.dissolve", target=couple)
    return couple


def document_log_staff_access(*, document: Document, actor: User, reason: str = "") -> None:
    """Staff reading a candidate's document leaves a trace (who, which file, when, and the
    reason given for a draft's document)."""
    data = {"kind": document.kind, "application": document.application.number}
    if reason:
        data["reason"] = reason
    audit_record(actor=actor, action="document.staff_download", target=document, data=data)


# --- Staff check documents ------------------------------------------------------------------

#: Dossier statuses in which staff check documents (after submission, before the selection).
DOCUMENT_CHECK_STATUSES = frozenset(
    {ApplicationStatus.SUBMITTED, ApplicationStatus.INCOMPLETE, ApplicationStatus.COMPLETE}
)


#: Documents asked for after the results, checked while the dossier is in these statuses.
LATER_DOCUMENT_CHECKS = {
    ApplicationStatus.OFFER_ACCEPTED: frozenset({DocumentKind.CRIMINAL_RECORD}),
}


def document_may_be_checked(document: Document, application: Application) -> bool:
    """Staff check a dossier's documents after submission and before the selection, and the
    criminal record check once the offer is accepted."""
    return application.status in DOCUMENT_CHECK_STATUSES or document.kind in (
        LATER_DOCUMENT_CHECKS.get(application.status, frozenset())
    )


def _lock_document(document: Document) -> tuple[Document, Application]:
    application = _lock(document.application)
    document = Document.objects.select_for_update().get(pk=document.pk)
    document.application = application  # the locked row: no second read for the audit entry
    if not document.is_current:
        raise DomainError(
            _("A newer version of this document has been uploaded: check that one."),
            code="replaced",
        )
    if not document_may_be_checked(document, application):
        raise DomainError(
            _(
                "Documents are checked once the dossier is submitted and before its eligibility "
                "is decided (this dossier is “%(status)s”)."
            )
            % {"status": ApplicationStatus(application.status).label},
            code="status",
        )
    return document, application


def _all_required_documents_accepted(application: Application) -> bool:
    dossier = dossier_load(application.pk)
    status = dossier_status(dossier)
    current = {d.kind: d for d in dossier.current_documents}
    return all(
        kind in current and current[kind].review_status == DocumentReview.ACCEPTED
        for kind in status.required_documents
    )


@transaction.atomic
def document_accept(*, document: Document, actor: User) -> Document:
    """Staff accept a document; once every required one is accepted the dossier is complete."""
    document, application = _lock_document(document)
    if document.review_status != DocumentReview.ACCEPTED:
        document.review_status = DocumentReview.ACCEPTED
        document.rejection_reason = ""
        document.rejection_note = ""
        document.replaceable_until = None
        document.reviewed_by = actor
        document.reviewed_at = timezone.now()
        document.save()
        audit_record(actor=actor, action="document.accept", target=document)
    if application.status != ApplicationStatus.COMPLETE and _all_required_documents_accepted(
        application
    ):
        application_transition(
            application=application, to_status=ApplicationStatus.COMPLETE, actor=actor
        )
    return document


@transaction.atomic
def document_reject(*, document: Document, actor: User, reason: str, note: str = "") -> Document:
    """Staff reject a document with a reason the candidate reads; the candidate may replace that
    document only, until the campaign's correction window closes. The dossier is incomplete."""
    note = rejection_note_clean(reasons=DocumentRejection, reason=reason, note=note)
    document, application = _lock_document(document)
    window = dt.timedelta(days=application.campaign.correction_window_days)
    document.review_status = DocumentReview.REJECTED
    document.rejection_reason = reason
    document.rejection_note = note
    document.replaceable_until = timezone.now() + window
    document.reviewed_by = actor
    document.reviewed_at = timezone.now()
    document.save()
    audit_record(
        actor=actor,
        action="document.reject",
        target=document,
        data={"reason": reason, "note": note},
    )
    candidate = application.candidate
    with translation.override(candidate.preferred_language):
        label = f"{document.get_kind_display()}: {DocumentRejection(reason).label}"
    dossier_event_record(
        application=application,
        kind=DossierEventKind.DOCUMENT_REJECTED,
        actor=actor,
        note=f"{label}. {note}" if note else label,
    )
    if application.status in DOCUMENT_CHECK_STATUSES - {ApplicationStatus.INCOMPLETE}:
        application_transition(
            application=application,
            to_status=ApplicationStatus.INCOMPLETE,
            actor=actor,
            reason=label,
        )
    mail_user(
        user=candidate,
        template_prefix="candidates/email/document_rejected",
        context={
            "application": application,
            "campaign": application.campaign,
            "document": document,
            "reason": DocumentRejection(reason).label,
            "note": note,
        },
    )
    return document


def document_replaceable_kinds(application: Application) -> set[str]:
    """Kinds whose current version was rejected and may still be replaced after submission."""
    now = timezone.now()
    return {
        document.kind
        for document in Document.objects.filter(
            application=application, is_current=True, review_status=DocumentReview.REJECTED
        )
        if document.may_be_replaced(now)
    }


@transaction.atomic
def document_replace_rejected(
    *,
    application: Application,
    kind: str,
    upload: UploadedFile,
    actor: User,
    expires_on: dt.date | None = None,
) -> Document:
    """The candidate replaces a rejected document after submission (the rest stays locked)."""
    application = _lock(application)
    if kind not in document_replaceable_kinds(application):
        rejected = Document.objects.filter(
            application=application,
            kind=kind,
            is_current=True,
            review_status=DocumentReview.REJECTED,
        ).exists()
        if rejected:
            raise DomainError(
                _("The time allowed to replace this document has passed."), code="locked"
            )
        application_assert_editable(application)  # says why the dossier is locked
    document = document_upload(
        application=application,
        kind=kind,
        upload=upload,
        actor=actor,
        expires_on=expires_on,
        allow_after_submission=True,
    )
    with translation.override(application.candidate.preferred_language):
        label = str(document.get_kind_display())
    dossier_event_record(
        application=application, kind=DossierEventKind.DOCUMENT_REPLACED, actor=actor, note=label
    )
    return document


# --- Staff decide eligibility ---------------------------------------------------------------

OVERRIDE_STATUSES = frozenset({Status.PASS, Status.FAIL})


def _rule_label(rule: str) -> str:
    return str(ELIGIBILITY_RULE_LABELS.get(rule, rule))


def eligibility_may_override(actor: User) -> bool:
    """Whether `actor` may overrule eligibility rules (and decide an ineligible dossier again)."""
    return actor.has_perm("candidates.override_eligibility")


def _check_overrides(overrides: Mapping[str, tuple[str, str]], actor: User) -> list[dict]:
    """The overrides as recorded, in the engine's rule order; DomainError for any that is not
    allowed (no permission, unknown rule or status, no justification)."""
    if overrides and not eligibility_may_override(actor):
        raise DomainError(_("You are not allowed to overrule eligibility rules."), code="forbidden")
    for rule in overrides:
        if rule not in RULE_CODES:
            raise DomainError(
                _("There is no eligibility rule “%(rule)s”.") % {"rule": rule}, code="rule"
            )
    checked = []
    for rule in (code for code in RULE_CODES if code in overrides):
        status, justification = overrides[rule]
        if status not in OVERRIDE_STATUSES:
            raise DomainError(
                _("A rule is overruled to “met” or “not met” only (rule “%(rule)s”).")
                % {"rule": _rule_label(rule)},
                code="override",
            )
        if not (justification or "").strip():
            raise DomainError(
                _("Justify overruling the rule “%(rule)s”.") % {"rule": _rule_label(rule)},
                code="justification",
            )
        checked.append(
            {"rule": rule, "status": str(status), "justification": justification.strip()}
        )
    return checked


def eligibility_decision_refusal(*, application: Application, actor: User) -> str | None:
    """Why `actor` may not decide this dossier's eligibility now, or None if they may.

    A decision needs a complete dossier (every required document accepted) whose fee is
    verified; an ineligible dossier may be decided again by staff who may overrule rules.
    """
    status = application.status
    if status == ApplicationStatus.INELIGIBLE:
        if not eligibility_may_override(actor):
            return _(
                "This dossier was found ineligible: only staff allowed to overrule rules can "
                "decide again."
            )
    elif status != ApplicationStatus.COMPLETE:
        return _(
            "Eligibility is decided once every required document is accepted (this dossier is "
            "“%(status)s”)."
        ) % {"status": ApplicationStatus(status).label}
    if not application.payment_verified:
        return _("The application fee is not verified yet.")
    return None


@transaction.atomic
def eligibility_decide(
    *,
    application: Application,
    actor: User,
    overrides: Mapping[str, tuple[str, str]] | None = None,
) -> EligibilityDecision:
    """Staff decide a complete dossier's eligibility: the rule engine's verdict, confirmed or
    with rules overruled (`overrides`: rule code → ("pass" | "fail", justification)).

    Locks the dossier. Allowed on a complete dossier whose fee is verified, or again on an
    ineligible one by staff who may overrule rules (to reverse it). Refused while a rule is still
    unknown. Records an EligibilityDecision (outcome, overrides, failing rules' messages), moves
    the dossier to eligible or ineligible with the reasons in the candidate's language on the
    timeline, writes an audit entry (status before and after, overrides) and, when ineligible,
    e-mails the candidate after commit. A rule overruled to "not met" gives its justification as
    the reason.
    """
    overrides = overrides or {}
    application = _lock(application)
    before = application.status
    refusal = eligibility_decision_refusal(application=application, actor=actor)
    if refusal:
        raise DomainError(refusal, code="refused")
    recorded = _check_overrides(overrides, actor)

    dossier = dossier_load(application.pk)
    verdict = dossier_verdict(dossier)
    overruled = {o["rule"]: o for o in recorded}
    statuses = {
        result.rule: Status(overruled[result.rule]["status"])
        if result.rule in overruled
        else result.status
        for result in verdict.rules
    }
    unknown = [_rule_label(rule) for rule, status in statuses.items() if status == Status.UNKNOWN]
    if unknown:
        raise DomainError(
            ngettext(
                "The rule “%(rules)s” is not known yet: overrule it with a justification or wait "
                "for the fact.",
                "These rules are not known yet: %(rules)s. Overrule them with a justification or "
                "wait for the facts.",
                len(unknown),
            )
            % {"rules": ", ".join(unknown)},
            code="unknown",
        )
    failures = [
        {"rule": result.rule, **result.message}
        if result.rule not in overruled
        else {"rule": result.rule, "justification": overruled[result.rule]["justification"]}
        for result in verdict.rules
        if statuses[result.rule] == Status.FAIL
    ]
    outcome = EligibilityOutcome.INELIGIBLE if failures else EligibilityOutcome.ELIGIBLE
    if before == ApplicationStatus.INELIGIBLE and outcome == EligibilityOutcome.INELIGIBLE:
        raise DomainError(
            _("The dossier is already ineligible: overrule a rule to change the outcome."),
            code="unchanged",
        )

    candidate = application.candidate
    english = (candidate.preferred_language or "fr").startswith("en")
    with translation.override("en" if english else "fr"):  # the timeline's words are stored
        reasons = [failure_text(failure) for failure in failures]
    decision = EligibilityDecision.objects.create(
        application=application,
        outcome=outcome,
        overrides=recorded,
        failures=failures,
        decided_by=actor,
    )
    decided = application_transition(
        application=application, to_status=outcome, actor=actor, reason="\n".join(reasons)
    )
    audit_record(
        actor=actor,
        action="application.eligibility",
        target=decided,
        data={
            "before": before,
            "after": outcome,
            "overrides": recorded,
            "failures": [f["rule"] for f in failures],
        },
    )
    eligibility_decided.send(sender=Application, application=decided, outcome=outcome)
    if outcome == EligibilityOutcome.INELIGIBLE:
        mail_user(
            user=candidate,
            template_prefix="candidates/email/ineligible",
            context={
                "application": decided,
                "campaign": decided.campaign,
                "reasons": reasons,
            },
        )
    return decision
