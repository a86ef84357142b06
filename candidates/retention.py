"""The retention policy on dossiers, and the candidate's own erasure (docs/privacy.md).

The campaign holds the policy (`Campaign.retention_*`); this module turns it into rules that
the core's retention job walks (`tapif.core.privacy`), registered from `CandidatesConfig.ready()`:

- `retention.draft_warning` then `retention.draft_delete`: a dossier never submitted is deleted
  with its files `retention_draft_days` after the close; its candidate is told two weeks before.
- `retention.replaced_versions`: replaced document versions go once the dossier is decided.
- `retention.documents_not_selected`: the files of a submitted dossier that did not lead to a
  contract go `retention_not_selected_months` after the results.
- `retention.documents_assistant`: an assistant's files go `retention_assistant_months` after
  the contract ends.
- `retention.anonymise`: `retention_identity_years` after the contract ends, what names the
  person goes from every app; a `ParticipationTrace` keeps a keyed fingerprint of the identity,
  the year and the outcome, so the lifetime limit on participations still applies.

Also here: the candidate deleting their draft (`application_delete_draft`), their account
(`account_delete`), and a deletion request after submission (`deletion_request_create`,
settled by staff with `deletion_request_settle`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.choices import ApplicationStatus
from candidates.fingerprint import identity_fingerprint, participation_traces_changed
from candidates.models import (
    Application,
    Assets,
    DeletionRequest,
    Document,
    DossierEvent,
    Identity,
    ParticipationTrace,
    Studies,
)
from tapif.core.audit import audit_record, audit_record_as
from tapif.core.exceptions import DomainError
from tapif.core.models import AuditEntry, Campaign, IssuedLetter, OutboundMessage, User
from tapif.core.outbox import mail_user
from tapif.core.privacy import (
    DRAFT_WARNING_DAYS,
    EraseMode,
    RetentionRule,
    RetentionStep,
    StoredFile,
    dossier_erase_related,
    files_delete_on_commit,
    retention_rule_register,
    stored_file,
)
from tapif.core.schedule import local_date, months_after

DRAFT_WARNING_TEMPLATE = "candidates/email/draft_deletion_warning"
DELETION_SETTLED_TEMPLATE = "candidates/email/deletion_request_settled"

#: A dossier that led to a contract: its documents follow the contract's dates.
ASSISTANT_STATUSES = frozenset(
    {ApplicationStatus.PLACED, ApplicationStatus.OFFER_ACCEPTED, ApplicationStatus.APPOINTED}
)
#: A dossier whose outcome is known: its replaced document versions are no longer needed.
DECIDED_STATUSES = frozenset(
    {
        ApplicationStatus.INELIGIBLE,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.NOT_SELECTED,
        ApplicationStatus.PLACED,
        ApplicationStatus.OFFER_ACCEPTED,
        ApplicationStatus.OFFER_DECLINED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.APPOINTED,
    }
)
#: A dossier never submitted (a draft, or withdrawn while still a draft).
NEVER_SUBMITTED = Q(submitted_at__isnull=True, status__in=[ApplicationStatus.DRAFT, "withdrawn"])

# --- The dates of the policy --------------------------------------------------------------------


@dataclass(frozen=True)
class DossierRetention:
    """When the policy lets each part of a dossier go (None: not planned yet)."""

    documents_until: dt.date | None
    identity_until: dt.date


def draft_deletion_day(campaign: Campaign) -> dt.date:
    return local_date(campaign.closes_at, campaign.zone) + dt.timedelta(
        days=campaign.retention_draft_days
    )


def identity_anonymised_on(campaign: Campaign) -> dt.date:
    return months_after(campaign.contract_end, 12 * campaign.retention_identity_years)


def documents_deleted_on(application: Application) -> dt.date:
    campaign = application.campaign
    if application.submitted_at is None:
        return draft_deletion_day(campaign)
    if application.status in ASSISTANT_STATUSES:
        return months_after(campaign.contract_end, campaign.retention_assistant_months)
    return months_after(campaign.results_release_date, campaign.retention_not_selected_months)


def dossier_retention(application: Application) -> DossierRetention:
    """The policy's dates for one dossier, as the candidate and staff read them."""
    if application.submitted_at is None:
        day = draft_deletion_day(application.campaign)
        return DossierRetention(documents_until=day, identity_until=day)
    return DossierRetention(
        documents_until=documents_deleted_on(application),
        identity_until=identity_anonymised_on(application.campaign),
    )


def application_fingerprint(application: Application) -> str | None:
    identity = getattr(application, "identity", None)
    if identity is None:
        return None
    return identity_fingerprint(
        last_name=identity.legal_last_name,
        first_names=identity.legal_first_names,
        date_of_birth=identity.date_of_birth,
    )


# --- Erasing ------------------------------------------------------------------------------------


def _document_files(documents: Iterable[Document]) -> list[StoredFile]:
    return [item for document in documents for item in stored_file(document.file)]


def _erase_documents(documents: Iterable[Document], now: dt.datetime) -> list[StoredFile]:
    """Forget the documents' files (the rows stay: what it was, when, how it was checked)."""
    documents = list(documents)
    files = _document_files(documents)
    Document.objects.filter(pk__in=[document.pk for document in documents]).update(
        file="", original_name="", sha256="", erased_at=now
    )
    return files


def _dossier_letters(application: Application):
    return IssuedLetter.objects.filter(owner=application.candidate_id, number=application.number)


def _forget_dossier_traces(application: Application) -> None:
    """The e-mails about the dossier go; its audit rows keep who did what and when, not the
    values they recorded."""
    OutboundMessage.objects.filter(dossier=application.number).delete()
    AuditEntry.objects.filter(dossier=application.number).update(data={})


def _dossier_delete(application: Application) -> list[StoredFile]:
    """Delete a dossier never submitted with everything hanging on it; returns its files."""
    files = _document_files(application.documents.all())
    letters = _dossier_letters(application)
    files += [item for letter in letters for item in stored_file(letter.file)]
    files += dossier_erase_related(application_id=application.pk, mode=EraseMode.DELETE)
    letters.delete()
    _forget_dossier_traces(application)
    application.delete()
    return files


def _anonymise(application: Application, now: dt.datetime) -> list[StoredFile]:
    """Keep the participation trace, then forget what names the person in every app."""
    fingerprint = application_fingerprint(application)
    if fingerprint is not None:
        ParticipationTrace.objects.get_or_create(
            fingerprint=fingerprint,
            school_year=application.campaign.school_year,
            defaults={"outcome": application.status},
        )
        participation_traces_changed()
    files = _erase_documents(application.documents.filter(erased_at__isnull=True), now)
    letters = list(_dossier_letters(application).filter(erased_at__isnull=True))
    files += [item for letter in letters for item in stored_file(letter.file)]
    IssuedLetter.objects.filter(pk__in=[letter.pk for letter in letters]).update(
        file="", facts={}, erased_at=now
    )
    files += dossier_erase_related(application_id=application.pk, mode=EraseMode.ANONYMISE)
    # The sections: identity, experience and courses go; the rest keeps no free text.
    Identity.objects.filter(application=application).delete()
    application.experiences.all().delete()
    application.french_courses.all().delete()
    Studies.objects.filter(application=application).update(programme="", major="", minor="")
    Assets.objects.filter(application=application).update(motivation_letter="")
    application.couples_proposed.update(partner_email="")
    DossierEvent.objects.filter(application=application).update(note="")
    _forget_dossier_traces(application)
    Application.objects.filter(pk=application.pk).update(anonymised_at=now)
    _anonymise_account_if_done(application.candidate)
    return files


def _anonymise_account_if_done(user: User) -> None:
    """Once none of a candidate's dossiers names them any more, the account goes too: it can
    no longer sign in and keeps no name or address."""
    if user.kind != "candidate":
        return
    if Application.objects.filter(candidate=user, anonymised_at__isnull=True).exists():
        return
    _account_forget(user)


def _account_forget(user: User) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    OutboundMessage.objects.filter(recipient=user).delete()
    user.email = f"anonymised-{user.pk}@invalid.invalid"
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["email", "first_name", "last_name", "is_active", "password"])


# --- The rules ----------------------------------------------------------------------------------


def _step(rule: str, application: Application, due: dt.date, files: int = 0) -> RetentionStep:
    return RetentionStep(
        rule=rule, application_id=application.pk, dossier=application.number, due=due, files=files
    )


def _live_dossiers():
    return Application.objects.filter(anonymised_at__isnull=True).select_related("campaign")


def _files_left(application: Application) -> list[Document]:
    return [document for document in application.documents.all() if document.erased_at is None]


def warning_key(application_id: int) -> str:
    return f"draft-deletion-warning:{application_id}"


def _drafts() -> list[Application]:
    return list(
        _live_dossiers()
        .filter(NEVER_SUBMITTED)
        .select_related("candidate")
        .prefetch_related("documents")
    )


def _warnings_sent(drafts: list[Application]) -> dict[int, dt.date]:
    """The day each draft's candidate was warned, by dossier id."""
    keys = {warning_key(draft.pk): draft.pk for draft in drafts}
    sent = OutboundMessage.objects.filter(dedup_key__in=keys).values_list("dedup_key", "created_at")
    return {keys[key]: timezone.localdate(created) for key, created in sent}


def _deletion_due(draft: Application, warned_on: dt.date | None, today: dt.date) -> dt.date:
    """The policy's day, and never less than two weeks after the candidate was warned (a job
    that was down warns late, and deletes late)."""
    day = draft_deletion_day(draft.campaign)
    if not draft.candidate.is_active:
        return day
    notice = (warned_on or max(today, day - dt.timedelta(DRAFT_WARNING_DAYS))) + dt.timedelta(
        DRAFT_WARNING_DAYS
    )
    return max(day, notice)


def _plan_draft_warnings(today: dt.date) -> Iterable[RetentionStep]:
    drafts = _drafts()
    warned = _warnings_sent(drafts)
    for draft in drafts:
        if draft.pk not in warned and draft.candidate.is_active:
            day = draft_deletion_day(draft.campaign) - dt.timedelta(DRAFT_WARNING_DAYS)
            yield _step("retention.draft_warning", draft, day)


def _plan_draft_deletions(today: dt.date) -> Iterable[RetentionStep]:
    drafts = _drafts()
    warned = _warnings_sent(drafts)
    for draft in drafts:
        due = _deletion_due(draft, warned.get(draft.pk), today)
        yield _step("retention.draft_delete", draft, due, len(_files_left(draft)))


def _lock(step: RetentionStep, *conditions: Q, **filters) -> Application | None:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("campaign", "candidate")
        .filter(*conditions, pk=step.application_id, anonymised_at__isnull=True, **filters)
        .first()
    )


def _apply_draft_warning(step: RetentionStep, now: dt.datetime) -> list[StoredFile] | None:
    draft = _lock(step, NEVER_SUBMITTED)
    if draft is None:
        return None
    message = mail_user(
        user=draft.candidate,
        template_prefix=DRAFT_WARNING_TEMPLATE,
        context={
            "application": draft,
            "campaign": draft.campaign,
            "deleted_on": draft_deletion_day(draft.campaign),
        },
        dedup_key=warning_key(draft.pk),
        campaign=draft.campaign,
        dossier=draft.number,
    )
    return [] if message is not None else None


def _apply_draft_delete(step: RetentionStep, now: dt.datetime) -> list[StoredFile] | None:
    draft = _lock(step, NEVER_SUBMITTED)
    today = timezone.localdate(now)
    if draft is None or _deletion_due(draft, _warnings_sent([draft]).get(draft.pk), today) > today:
        return None
    return _dossier_delete(draft)


def _plan_replaced(today: dt.date) -> Iterable[RetentionStep]:
    dossiers = (
        _live_dossiers()
        .filter(
            status__in=DECIDED_STATUSES,
            documents__is_current=False,
            documents__erased_at__isnull=True,
        )
        .distinct()
    )
    for dossier in dossiers:
        count = dossier.documents.filter(is_current=False, erased_at__isnull=True).count()
        yield _step("retention.replaced_versions", dossier, today, count)


def _apply_replaced(step: RetentionStep, now: dt.datetime) -> list[StoredFile] | None:
    dossier = _lock(step, status__in=DECIDED_STATUSES)
    if dossier is None:
        return None
    return _erase_documents(dossier.documents.filter(is_current=False, erased_at__isnull=True), now)


def _plan_documents(rule: str, assistants: bool) -> Callable[[dt.date], Iterable[RetentionStep]]:
    def plan(today: dt.date) -> Iterable[RetentionStep]:
        dossiers = (
            _live_dossiers()
            .filter(submitted_at__isnull=False, documents__erased_at__isnull=True)
            .distinct()
            .prefetch_related("documents")
        )
        status = Q(status__in=ASSISTANT_STATUSES)
        dossiers = dossiers.filter(status) if assistants else dossiers.exclude(status)
        for dossier in dossiers:
            yield _step(rule, dossier, documents_deleted_on(dossier), len(_files_left(dossier)))

    return plan


def _apply_documents(
    assistants: bool,
) -> Callable[[RetentionStep, dt.datetime], list[StoredFile] | None]:
    def apply(step: RetentionStep, now: dt.datetime) -> list[StoredFile] | None:
        status = Q(status__in=ASSISTANT_STATUSES)
        dossier = _lock(step, status if assistants else ~status, submitted_at__isnull=False)
        if dossier is None or documents_deleted_on(dossier) > timezone.localdate(now):
            return None
        return _erase_documents(dossier.documents.filter(erased_at__isnull=True), now)

    return apply


def _plan_anonymise(today: dt.date) -> Iterable[RetentionStep]:
    for dossier in _live_dossiers().filter(submitted_at__isnull=False):
        yield _step("retention.anonymise", dossier, identity_anonymised_on(dossier.campaign))


def _apply_anonymise(step: RetentionStep, now: dt.datetime) -> list[StoredFile] | None:
    dossier = _lock(step, submitted_at__isnull=False)
    if dossier is None or identity_anonymised_on(dossier.campaign) > timezone.localdate(now):
        return None
    return _anonymise(dossier, now)


RULES = (
    RetentionRule("retention.draft_warning", plan=_plan_draft_warnings, apply=_apply_draft_warning),
    RetentionRule("retention.draft_delete", plan=_plan_draft_deletions, apply=_apply_draft_delete),
    RetentionRule("retention.replaced_versions", plan=_plan_replaced, apply=_apply_replaced),
    RetentionRule(
        "retention.documents_not_selected",
        plan=_plan_documents("retention.documents_not_selected", assistants=False),
        apply=_apply_documents(assistants=False),
    ),
    RetentionRule(
        "retention.documents_assistant",
        plan=_plan_documents("retention.documents_assistant", assistants=True),
        apply=_apply_documents(assistants=True),
    ),
    RetentionRule("retention.anonymise", plan=_plan_anonymise, apply=_apply_anonymise),
)


def register() -> None:
    for rule in RULES:
        retention_rule_register(rule)


# --- What the candidate does --------------------------------------------------------------------


def application_may_be_deleted(application: Application) -> bool:
    """The candidate may delete a dossier that was never submitted (a submitted one is kept
    as the policy says: they ask, `deletion_request_create`)."""
    return application.submitted_at is None and application.anonymised_at is None


@transaction.atomic
def application_delete_draft(*, application: Application, actor: User) -> None:
    """The candidate deletes their dossier never submitted: every row and file of it goes
    (files once this commits); one audit row keeps that it happened."""
    locked = (
        Application.objects.select_for_update(of=("self",))
        .filter(pk=application.pk, candidate=actor)
        .first()
    )
    if locked is None or not application_may_be_deleted(locked):
        raise DomainError(
            _("This dossier was submitted: ask for its deletion instead."), code="submitted"
        )
    number, pk = locked.number, locked.pk
    files = _dossier_delete(locked)
    audit_record_as(
        actor=actor,
        action="application.delete",
        target_type="candidates.application",
        target_id=str(pk),
        target_repr=number,
        dossier=number,
        data={"files": len(files)},
    )
    files_delete_on_commit(files)


def account_may_be_deleted(user: User) -> bool:
    """A candidate whose dossiers were never submitted (or who has none) may erase everything."""
    return (
        user.kind == "candidate"
        and not user.is_staff
        and all(application_may_be_deleted(application) for application in user.applications.all())
    )


@transaction.atomic
def account_delete(*, user: User, actor: User) -> None:
    """The candidate erases their account: their drafts (with files), then the account and
    everything that hangs on it. Refused once a dossier was submitted."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not account_may_be_deleted(locked):
        raise DomainError(
            _("A dossier of yours was submitted: ask for the deletion of your data instead."),
            code="submitted",
        )
    files: list[StoredFile] = []
    for application in locked.applications.select_for_update(of=("self",)):
        files += _dossier_delete(application)
    letters = IssuedLetter.objects.filter(owner=locked)
    files += [item for letter in letters for item in stored_file(letter.file)]
    letters.delete()
    OutboundMessage.objects.filter(recipient=locked).delete()
    audit_record_as(
        actor=None,
        action="account.delete",
        target_type="core.user",
        target_id=str(locked.pk),
        target_repr=f"#{locked.pk}",
        data={"files": len(files)},
    )
    locked.delete()
    files_delete_on_commit(files)


@transaction.atomic
def deletion_request_create(*, user: User, reason: str = "") -> DeletionRequest:
    """The candidate asks the programme to erase their data (one open request at a time)."""
    existing = DeletionRequest.objects.filter(
        candidate=user, status=DeletionRequest.Status.OPEN
    ).first()
    if existing is not None:
        return existing
    request = DeletionRequest.objects.create(candidate=user, reason=reason.strip()[:2000])
    audit_record(actor=user, action="deletion_request.create", target=request)
    return request


def deletion_outcome(user: User) -> list[dict]:
    """What the policy keeps of each dossier and until when, as messages."""
    outcome = []
    for application in user.applications.select_related("campaign"):
        if application.anonymised_at is not None:
            continue
        dates = dossier_retention(application)
        outcome.append(
            {
                "code": "retention.kept_until",
                "params": {
                    "number": application.number,
                    "documents_until": dates.documents_until.isoformat()
                    if dates.documents_until
                    else "",
                    "identity_until": dates.identity_until.isoformat(),
                },
            }
        )
    return outcome


@transaction.atomic
def deletion_request_settle(*, request: DeletionRequest, actor: User) -> DeletionRequest:
    """Staff settle a deletion request under the policy: the candidate's drafts go now (with
    their files, after commit); each submitted dossier is kept until the policy's dates, which
    the request records and the candidate receives by e-mail in their language."""
    locked = (
        DeletionRequest.objects.select_for_update().select_related("candidate").get(pk=request.pk)
    )
    if locked.status == DeletionRequest.Status.SETTLED:
        return locked
    files: list[StoredFile] = []
    deleted = []
    for application in locked.candidate.applications.select_for_update(of=("self",)):
        if application_may_be_deleted(application):
            deleted.append(application.number)
            files += _dossier_delete(application)
    outcome = [
        {"code": "retention.draft_deleted", "params": {"number": number}} for number in deleted
    ] + deletion_outcome(locked.candidate)
    locked.status = DeletionRequest.Status.SETTLED
    locked.settled_at = timezone.now()
    locked.settled_by = actor
    locked.outcome = outcome
    locked.save(update_fields=["status", "settled_at", "settled_by", "outcome"])
    audit_record(
        actor=actor,
        action="deletion_request.settle",
        target=locked,
        data={"deleted": deleted, "files": len(files)},
    )
    mail_user(
        user=locked.candidate,
        template_prefix=DELETION_SETTLED_TEMPLATE,
        context={"outcome": outcome},
        dedup_key=f"deletion-request-settled:{locked.pk}",
    )
    files_delete_on_commit(files)
    return locked
