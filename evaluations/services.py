"""Every change to evaluators, requests and evaluations goes through these functions.

What the dossier needs to know (where the evaluator stands, the French level once an
evaluation is submitted) is recorded on it through candidates.services. E-mails are written to
the outbox (tapif.core.outbox) in the same transaction as the change causing them; whether an
invitation was delivered comes back through the outbox's signals (evaluations.signals).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates import services as dossier_services
from candidates.choices import FrenchProofRoute
from candidates.models import Application
from evaluations import trust
from evaluations.choices import (
    OPEN_STATUSES,
    ContactStatus,
    EvaluationStatus,
    EvaluatorCheck,
    RequestStatus,
)
from evaluations.models import Evaluation, EvaluationRequest, InstitutionContact, Professor
from evaluations.tokens import new_token, token_hash
from tapif.core.audit import audit_record
from tapif.core.choices import UserKind
from tapif.core.exceptions import DomainError
from tapif.core.models import Institution, User
from tapif.core.outbox import mail_address, mail_user
from tapif.core.schedule import calendar_days_since, deadline_passed
from tapif.core.services import institution_set_status

#: Fields a professor fills; all are required to submit.
EVALUATION_FIELDS = (
    "oral_comprehension",
    "oral_expression",
    "written_comprehension",
    "written_expression",
    "overall_level",
    "motivation",
    "aptitude",
    "known_for",
    "known_context",
    "known_context_details",
    "comment",
    "recommendation",
)
REQUIRED_TO_SUBMIT = tuple(
    f for f in EVALUATION_FIELDS if f not in {"known_context_details", "comment"}
)
#: The outbox templates of the e-mails that carry an evaluator's personal link.
INVITATION_TEMPLATE = "evaluations/email/invitation"
REMINDER_TEMPLATE = "evaluations/email/evaluator_reminder"


def _link_expiry(application: Application) -> dt.datetime:
    """Links work until the campaign closes (evaluations are part of the dossier)."""
    return application.campaign.closes_at


def _assert_campaign_open(application: Application) -> None:
    if application.campaign.has_closed():
        raise DomainError(
            _("The application period has ended: the invitation can no longer be sent."),
            code="closed",
        )


def _lock_request(request: EvaluationRequest) -> EvaluationRequest:
    return (
        EvaluationRequest.objects.select_for_update(of=("self",))
        .select_related("application__campaign", "application__candidate", "professor")
        .get(pk=request.pk)
    )


def _mail_candidate(request: EvaluationRequest, template_prefix: str, dedup_key: str) -> None:
    """Tell the candidate (in their language) about their request; never the evaluation's
    content. Written to the outbox in the caller's transaction, sent once it commits."""
    mail_user(
        user=request.application.candidate,
        template_prefix=template_prefix,
        context={"request": request, "application": request.application},
        dedup_key=dedup_key,
    )


#: What the dossier records while staff confirm the evaluator of a received evaluation.
DOSSIER_CONFIRMING = "confirming"


def _record_on_dossier(
    request: EvaluationRequest, actor: User | None, *, status: str | None = None
) -> None:
    dossier_services.application_record_evaluator_status(
        application=request.application, status=status or request.status, actor=actor
    )


def _assert_not_the_candidate(application: Application, email: str) -> None:
    if trust.is_candidates_own(application, email):
        raise DomainError(
            _(
                "%(email)s is one of your own addresses: your evaluator must be someone else, "
                "at their own address."
            )
            % {"email": trust.normalized(email)},
            code="self",
        )


def invitation_dedup_key(request_id: int, resent_count: int) -> str:
    """One invitation e-mail per request and per (re)sending: a double click sends it once."""
    return f"evaluation-invitation:{request_id}:{resent_count}"


def evaluator_link(request: EvaluationRequest, token: str) -> str:
    """The evaluator's personal link, in the language of their e-mails."""
    with translation.override(request.language):
        return settings.SITE_URL + reverse("evaluations:link", kwargs={"token": token})


def link_token_issue(request: EvaluationRequest) -> str:
    """A fresh link for the request (the previous one stops working); the caller saves
    `token_hash` and `token_expires_at`."""
    token = new_token()
    request.token_hash = token_hash(token)
    request.token_expires_at = _link_expiry(request.application)
    return token


def _mail_invitation(request: EvaluationRequest, token: str) -> None:
    """Write the invitation with its link (erased from the outbox once sent). Whether it was
    delivered is recorded on the request by evaluations.signals (`sent_at`, or
    `delivery_failed_at` for the candidate to see)."""
    application = request.application
    mail_address(
        email=request.evaluator_email,
        language=request.language,
        template_prefix=INVITATION_TEMPLATE,
        context={
            "request": request,
            "application": application,
            "candidate": application.candidate,
            "campaign": application.campaign,
            "link": evaluator_link(request, token),
        },
        reply_to=application.candidate.email,
        dedup_key=invitation_dedup_key(request.pk, request.resent_count),
        secret_keys=["link"],
    )


@transaction.atomic
def evaluation_request_create(
    *,
    application: Application,
    evaluator_name: str,
    evaluator_email: str,
    institution: Institution | None,
    relationship: str,
    language: str,
    actor: User,
) -> EvaluationRequest:
    """Invite an evaluator for this dossier and e-mail them a personal link (sent on commit).

    Refused while another evaluator is still waiting (replace them instead), when the dossier
    proves its French by an official test, or after the campaign has closed. A submitted dossier
    may still invite (an evaluator who declines must not leave the candidate stuck): the
    evaluation is not part of what the candidate wrote.
    """
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("campaign", "candidate")
        .get(pk=application.pk)
    )
    _assert_campaign_open(application)
    french = getattr(application, "french", None)
    if french is not None and french.proof_route == FrenchProofRoute.OFFICIAL_TEST:
        raise DomainError(
            _(
                "Your dossier proves your French with an official test: choose "
                "the professor route in section 3 first."
            ),
            code="route",
        )
    email = evaluator_email.strip().lower()
    _assert_not_the_candidate(application, email)
    if EvaluationRequest.objects.filter(application=application, status__in=OPEN_STATUSES).exists():
        raise DomainError(
            _("An evaluator is already invited. Replace them if needed."), code="exists"
        )
    if EvaluationRequest.objects.filter(
        application=application, status=RequestStatus.SUBMITTED
    ).exists():
        raise DomainError(_("Your evaluation has already been received."), code="done")
    request = EvaluationRequest(
        application=application,
        evaluator_name=evaluator_name.strip(),
        evaluator_email=email,
        institution=institution,
        relationship=relationship,
        language=language,
    )
    token = link_token_issue(request)
    request.save(force_insert=True)
    _record_on_dossier(request, actor)
    audit_record(
        actor=actor, action="evaluation_request.create", target=request, data={"email": email}
    )
    _mail_invitation(request, token)
    return request


@transaction.atomic
def evaluation_request_resend(*, request: EvaluationRequest, actor: User) -> EvaluationRequest:
    """Send the invitation again with a fresh link (the previous link stops working).

    Allowed until the campaign closes, even once the dossier is submitted: resending changes
    nothing in the dossier, and an evaluator who lost the e-mail must not leave it stuck. The
    daily check may tell the candidate again if this one bounces or sits unopened.
    """
    request = _lock_request(request)
    _assert_campaign_open(request.application)
    if not request.is_open:
        raise DomainError(_("This invitation is no longer waiting for the evaluator."))
    token = link_token_issue(request)
    request.resent_count += 1
    request.delivery_failed_at = None
    request.unopened_notice_at = None
    request.save(
        update_fields=[
            "token_hash",
            "token_expires_at",
            "resent_count",
            "delivery_failed_at",
            "unopened_notice_at",
        ]
    )
    audit_record(actor=actor, action="evaluation_request.resend", target=request)
    _mail_invitation(request, token)
    return request


@transaction.atomic
def evaluation_request_replace(
    *,
    request: EvaluationRequest,
    evaluator_name: str,
    evaluator_email: str,
    institution: Institution | None,
    relationship: str,
    language: str,
    actor: User,
) -> EvaluationRequest:
    """Withdraw an evaluator who has not submitted (their link dies) and invite another."""
    request = _lock_request(request)
    if request.status == RequestStatus.SUBMITTED:
        raise DomainError(
            _("This evaluator has already submitted: they cannot be replaced."), code="submitted"
        )
    if request.status == RequestStatus.REPLACED:
        raise DomainError(_("This evaluator has already been replaced."), code="replaced")
    if request.status == RequestStatus.DECLINED:
        # Keep the refusal and its reason on record: the candidate simply invites someone else.
        raise DomainError(
            _("This evaluator has declined: invite someone else instead."), code="declined"
        )
    request.status = RequestStatus.REPLACED
    request.replaced_at = timezone.now()
    request.save(update_fields=["status", "replaced_at"])
    audit_record(actor=actor, action="evaluation_request.replace", target=request)
    return evaluation_request_create(
        application=request.application,
        evaluator_name=evaluator_name,
        evaluator_email=evaluator_email,
        institution=institution,
        relationship=relationship,
        language=language,
        actor=actor,
    )


def evaluation_request_by_token(token: str) -> EvaluationRequest | None:
    """The request a link points to, if the token is known (None for a guessed one)."""
    if not token or len(token) > 100:
        return None
    return (
        EvaluationRequest.objects.select_related(
            "application__candidate", "application__campaign", "professor"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )


def _professor_for(user: User) -> Professor:
    professor = Professor.objects.filter(user=user).first()
    if professor:
        return professor
    professor = Professor.objects.filter(email__iexact=user.email, user__isnull=True).first()
    if professor:
        professor.user = user
        professor.save(update_fields=["user"])
        return professor
    return Professor.objects.create(
        email=user.email.lower(), full_name=user.get_full_name(), user=user
    )


ADDRESS_CONFIRM_TEMPLATE = "evaluations/email/confirm_address"


def address_confirm_link(request: EvaluationRequest, token: str) -> str:
    with translation.override(request.language):
        return settings.SITE_URL + reverse("evaluations:confirm_address", kwargs={"token": token})


def _assert_account_not_the_candidates(request: EvaluationRequest, user: User) -> None:
    """At binding: neither the invited address nor any address of the account opening the link
    may be the candidate's own."""
    own = trust.candidate_addresses(request.application)
    if trust.normalized(request.evaluator_email) in own or trust.user_addresses(user) & own:
        raise DomainError(
            _(
                "The candidate cannot evaluate themselves: this link does not work for this "
                "account."
            ),
            code="self",
        )


def _bind(request: EvaluationRequest, professor: Professor, actor: User | None) -> None:
    request.professor = professor
    request.pending_professor = None
    request.address_token_hash = None
    if request.status == RequestStatus.INVITED:
        request.status = RequestStatus.OPENED
        request.opened_at = timezone.now()
    request.save(
        update_fields=[
            "professor",
            "pending_professor",
            "address_token_hash",
            "address_confirmed_at",
            "status",
            "opened_at",
        ]
    )
    _record_on_dossier(request, actor)


def _ask_invited_address(request: EvaluationRequest, professor: Professor, user: User) -> None:
    """Another account opened the link: e-mail the invited address a link to confirm it
    (once per account); the request stays unbound until then."""
    if request.pending_professor_id == professor.pk and request.address_token_hash:
        return
    token = new_token()
    request.pending_professor = professor
    request.address_token_hash = token_hash(token)
    request.address_confirm_sent_at = timezone.now()
    request.save(
        update_fields=["pending_professor", "address_token_hash", "address_confirm_sent_at"]
    )
    application = request.application
    mail_address(
        email=request.evaluator_email,
        language=request.language,
        template_prefix=ADDRESS_CONFIRM_TEMPLATE,
        context={
            "request": request,
            "application": application,
            "candidate": application.candidate,
            "campaign": application.campaign,
            "account_email": user.email,
            "account_name": user.get_full_name(),
            "link": address_confirm_link(request, token),
        },
        dedup_key=f"evaluation-address:{request.pk}:{professor.pk}",
        secret_keys=["link"],
    )
    audit_record(
        actor=user,
        action="evaluation_request.address_asked",
        target=request,
        data={"account": user.email},
    )


@transaction.atomic
def evaluation_request_open(*, token: str, user: User) -> EvaluationRequest:
    """A signed-in professor follows their link: bind the request to their account, once.

    Binds at once when one of the account's verified addresses is the invited one. Any other
    account (a forwarded link, an alias) does not bind: the invited address receives a link to
    confirm that this account evaluates on its behalf (`evaluation_request_confirm_address`);
    the request comes back unbound (`professor` empty, `pending_professor` this account).

    Refused for an unknown, expired, replaced or already-bound-to-someone-else link, for an
    account that is not a Professeur account, and whenever the invited address or the account's
    is one of the candidate's own. Opening again by the same professor is harmless.
    """
    found = evaluation_request_by_token(token)
    if found is None:
        raise DomainError(
            _("This link is not valid. Ask the candidate to send it again."), code="unknown"
        )
    request = _lock_request(found)
    if user.kind != UserKind.PROFESSOR:
        raise DomainError(
            _("This link is for a Professeur account. Sign in with one, or create one."),
            code="kind",
        )
    _assert_account_not_the_candidates(request, user)
    professor = _professor_for(user)
    if request.professor_id and request.professor_id != professor.pk:
        raise DomainError(_("This request is already linked to another account."), code="taken")
    if request.professor_id == professor.pk:
        return request
    if request.status not in OPEN_STATUSES:
        raise DomainError(
            _("The candidate has chosen another evaluator: this link no longer works."),
            code="replaced",
        )
    if deadline_passed(request.token_expires_at, timezone.now()):
        raise DomainError(
            _("This link has expired. Ask the candidate to send it again."), code="expired"
        )
    if trust.normalized(request.evaluator_email) not in trust.verified_addresses(user):
        _ask_invited_address(request, professor, user)
        return request
    _bind(request, professor, user)
    audit_record(actor=user, action="evaluation_request.open", target=request)
    return request


def evaluation_request_by_address_token(token: str) -> EvaluationRequest | None:
    if not token or len(token) > 100:
        return None
    return (
        EvaluationRequest.objects.select_related(
            "application__candidate", "application__campaign", "pending_professor__user"
        )
        .filter(address_token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def evaluation_request_confirm_address(*, token: str) -> EvaluationRequest:
    """Whoever reads the invited address confirms that the waiting account evaluates on its
    behalf: the request binds to that account (recorded as the address confirmed).

    Refused for an unknown or used link, a request no longer waiting, and an account that is
    the candidate's own.
    """
    found = evaluation_request_by_address_token(token)
    if found is None or found.pending_professor_id is None:
        raise DomainError(
            _("This confirmation link is not valid or has already been used."), code="unknown"
        )
    request = _lock_request(found)
    professor = Professor.objects.select_related("user").get(pk=found.pending_professor_id)
    if request.professor_id is not None or request.status not in OPEN_STATUSES:
        raise DomainError(
            _("This request no longer waits for an evaluator: nothing to confirm."), code="closed"
        )
    if professor.user is None:
        raise DomainError(_("This account no longer exists."), code="unknown")
    _assert_account_not_the_candidates(request, professor.user)
    request.address_confirmed_at = timezone.now()
    _bind(request, professor, None)
    audit_record(
        actor=None,
        action="evaluation_request.address_confirmed",
        target=request,
        data={"email": request.evaluator_email, "account": professor.user.email},
    )
    return request


def _assert_professor_of(request: EvaluationRequest, user: User) -> None:
    if request.professor is None or request.professor.user_id != user.pk:
        raise DomainError(_("This request is not addressed to you."), code="forbidden")


@transaction.atomic
def evaluation_request_decline(
    *, request: EvaluationRequest, user: User, reason: str
) -> EvaluationRequest:
    """The professor declines; the candidate sees the reason and can invite someone else."""
    request = _lock_request(request)
    _assert_professor_of(request, user)
    if not request.is_open:
        raise DomainError(_("This request can no longer be declined."), code="closed")
    if not reason.strip():
        raise DomainError(_("Tell the candidate why, in a few words."), code="reason")
    request.status = RequestStatus.DECLINED
    request.declined_at = timezone.now()
    request.decline_reason = reason.strip()
    request.save(update_fields=["status", "declined_at", "decline_reason"])
    _record_on_dossier(request, user)
    audit_record(actor=user, action="evaluation_request.decline", target=request)
    _mail_candidate(request, "evaluations/email/declined", f"evaluation-declined:{request.pk}")
    return request


@transaction.atomic
def evaluation_save(*, request: EvaluationRequest, user: User, data: dict) -> Evaluation:
    """Save the professor's draft (any subset of the fields). Refused once submitted."""
    request = _lock_request(request)
    _assert_professor_of(request, user)
    if Evaluation.objects.filter(request=request, status=EvaluationStatus.SUBMITTED).exists():
        raise DomainError(
            _("This evaluation has been submitted and can no longer be changed."), code="submitted"
        )
    if not request.is_open:
        raise DomainError(
            _("This request is closed: the evaluation can no longer be changed."), code="closed"
        )
    evaluation, _created = Evaluation.objects.select_for_update().get_or_create(request=request)
    fields = [name for name in EVALUATION_FIELDS if name in data]
    for name in fields:
        setattr(evaluation, name, data[name])
    evaluation.full_clean(exclude=["request"])
    evaluation.save(update_fields=[*fields, "updated_at"])
    return evaluation


def evaluation_missing(evaluation: Evaluation | None) -> list[str]:
    """The names of the fields still empty (all but the comment are needed to submit)."""
    if evaluation is None:
        return list(REQUIRED_TO_SUBMIT)
    return [name for name in REQUIRED_TO_SUBMIT if getattr(evaluation, name) in ("", None)]


@transaction.atomic
def evaluation_submit(*, request: EvaluationRequest, user: User) -> Evaluation:
    """Submit the evaluation, once: it becomes immutable and its overall level feeds the dossier.

    A second submission (double click, second tab) is refused with a clear message.
    """
    request = _lock_request(request)
    _assert_professor_of(request, user)
    evaluation = Evaluation.objects.select_for_update().filter(request=request).first()
    if evaluation is not None and evaluation.status == EvaluationStatus.SUBMITTED:
        raise DomainError(_("This evaluation has already been submitted."), code="submitted")
    if not request.is_open:
        raise DomainError(
            _("This request is closed: the evaluation can no longer be sent."), code="closed"
        )
    if missing := evaluation_missing(evaluation):
        labels = [str(Evaluation._meta.get_field(name).verbose_name) for name in missing]
        raise DomainError(
            _("Complete the evaluation first: %(fields)s.") % {"fields": ", ".join(labels)},
            code="incomplete",
        )
    now = timezone.now()
    evaluation.status = EvaluationStatus.SUBMITTED
    evaluation.submitted_at = now
    evaluation.save(update_fields=["status", "submitted_at", "updated_at"])
    request.status = RequestStatus.SUBMITTED
    request.submitted_at = now
    request.evaluator_check = evaluator_check_of(request)
    request.save(update_fields=["status", "submitted_at", "evaluator_check"])
    counts = request.evaluator_check == EvaluatorCheck.VOUCHED
    if counts:
        _record_on_dossier(request, user)
        _record_level(request, evaluation, user)
    else:
        _record_on_dossier(request, user, status=DOSSIER_CONFIRMING)
    audit_record(
        actor=user,
        action="evaluation.submit",
        target=evaluation,
        data={"evaluator_check": request.evaluator_check},
    )
    _mail_candidate(request, "evaluations/email/received", f"evaluation-received:{request.pk}")
    return evaluation


def evaluator_check_of(request: EvaluationRequest) -> str:
    """VOUCHED when the invited address is proved to be the bound professor's (a verified
    address of their account, or confirmed from that address), is not the candidate's, and is
    vouched for by its institution (trust.vouched_by); PENDING otherwise (staff decide)."""
    professor = request.professor
    if professor is None or professor.user is None:
        return EvaluatorCheck.PENDING
    invited = trust.normalized(request.evaluator_email)
    proved = (
        invited in trust.verified_addresses(professor.user)
        or request.address_confirmed_at is not None
    )
    own = trust.candidate_addresses(request.application)
    if not proved or invited in own or trust.user_addresses(professor.user) & own:
        return EvaluatorCheck.PENDING
    return EvaluatorCheck.VOUCHED if trust.vouched_by(invited) else EvaluatorCheck.PENDING


def _record_level(request: EvaluationRequest, evaluation: Evaluation, actor: User) -> None:
    dossier_services.application_record_french_level(
        application=request.application,
        level=evaluation.overall_level,
        actor=actor,
        source="evaluation",
    )


def _assert_may_confirm(actor: User) -> None:
    if not actor.has_perm("evaluations.confirm_evaluator"):
        raise DomainError(
            _("Only staff allowed to confirm evaluators can do this."), code="forbidden"
        )


def _lock_waiting(request: EvaluationRequest) -> EvaluationRequest:
    request = _lock_request(request)
    if request.status != RequestStatus.SUBMITTED or request.evaluator_check != (
        EvaluatorCheck.PENDING
    ):
        raise DomainError(
            _("This evaluation is not waiting for its evaluator to be confirmed."),
            code="not_waiting",
        )
    return request


@transaction.atomic
def evaluation_request_confirm_evaluator(
    *, request: EvaluationRequest, actor: User
) -> EvaluationRequest:
    """Staff checked who evaluated (an evaluation waiting in "evaluator to confirm"): the
    evaluation counts from now, its level reaches the dossier. Audited; needs the permission
    `evaluations.confirm_evaluator`."""
    _assert_may_confirm(actor)
    request = _lock_waiting(request)
    evaluation = Evaluation.objects.get(request=request)
    request.evaluator_check = EvaluatorCheck.CONFIRMED
    request.evaluator_checked_by, request.evaluator_checked_at = actor, timezone.now()
    request.save(update_fields=["evaluator_check", "evaluator_checked_by", "evaluator_checked_at"])
    _record_on_dossier(request, actor)
    _record_level(request, evaluation, actor)
    audit_record(actor=actor, action="evaluation_request.evaluator_confirmed", target=request)
    return request


@transaction.atomic
def evaluation_request_reject_evaluator(
    *, request: EvaluationRequest, actor: User
) -> EvaluationRequest:
    """Staff could not confirm who evaluated: the evaluation never counts (it stays on record
    for staff), the request is closed as rejected and the candidate is told to invite someone
    else (by e-mail, after commit). Audited; needs `evaluations.confirm_evaluator`."""
    _assert_may_confirm(actor)
    request = _lock_waiting(request)
    request.status = RequestStatus.REJECTED
    request.evaluator_check = EvaluatorCheck.REJECTED
    request.evaluator_checked_by, request.evaluator_checked_at = actor, timezone.now()
    request.save(
        update_fields=[
            "status",
            "evaluator_check",
            "evaluator_checked_by",
            "evaluator_checked_at",
        ]
    )
    _record_on_dossier(request, actor)
    audit_record(actor=actor, action="evaluation_request.evaluator_rejected", target=request)
    _mail_candidate(
        request, "evaluations/email/evaluator_rejected", f"evaluation-rejected:{request.pk}"
    )
    return request


def invitation_unopened(request: EvaluationRequest, *, now: dt.datetime) -> bool:
    """Delivered, still not opened, and the campaign's `unopened_invitation_days` calendar
    days (in its zone) have passed since delivery."""
    campaign = request.application.campaign
    return (
        request.status == RequestStatus.INVITED
        and request.sent_at is not None
        and calendar_days_since(request.sent_at, now, campaign.zone)
        >= campaign.unopened_invitation_days
    )


@transaction.atomic
def evaluation_requests_flag_unopened(*, now: dt.datetime | None = None) -> int:
    """Tell candidates, once, when their invitation was refused or not opened after the
    campaign's `unopened_invitation_days` (calendar days in its zone: `invitation_unopened`).

    Run daily by Celery beat; returns how many candidates were told.
    """
    now = now or timezone.now()
    pending = (
        EvaluationRequest.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=RequestStatus.INVITED, unopened_notice_at__isnull=True)
        .filter(Q(delivery_failed_at__isnull=False) | Q(sent_at__lte=now))
        .select_related("application__candidate", "application__campaign")
    )
    told = 0
    for request in pending:
        if request.delivery_failed_at is None and not invitation_unopened(request, now=now):
            continue
        request.unopened_notice_at = now
        request.save(update_fields=["unopened_notice_at"])
        _mail_candidate(
            request,
            "evaluations/email/not_opened",
            f"evaluation-not-opened:{request.pk}:{request.resent_count}",
        )
        told += 1
    return told


# --- Institutions ------------------------------------------------------------------------------


@transaction.atomic
def institution_contact_request(
    *, user: User, institution: Institution, role: str
) -> InstitutionContact:
    """An institution account asks to represent a university; staff decide."""
    if user.kind != UserKind.INSTITUTION:
        raise DomainError(_("Only an institution account can represent a university."))
    if institution.status == Institution.Status.REJECTED:
        raise DomainError(
            _("This institution is not on the programme's list. Write to the programme."),
            code="rejected",
        )
    contact, created = InstitutionContact.objects.get_or_create(
        user=user, defaults={"institution": institution, "role": role.strip()}
    )
    if not created:
        if contact.status == ContactStatus.APPROVED:
            raise DomainError(
                _("Your account already represents %(name)s.") % {"name": contact.institution.name}
            )
        contact.institution, contact.role = institution, role.strip()
        contact.status = ContactStatus.REQUESTED
        contact.decided_by, contact.decided_at = None, None
        contact.save(update_fields=["institution", "role", "status", "decided_by", "decided_at"])
    audit_record(actor=user, action="institution_contact.request", target=contact)
    return contact


@transaction.atomic
def institution_contact_decide(
    *, contact: InstitutionContact, approve: bool, actor: User
) -> InstitutionContact:
    """Staff approve or reject a contact; approving also lists a requested institution."""
    contact = (
        InstitutionContact.objects.select_for_update(of=("self",))
        .select_related("institution", "user")
        .get(pk=contact.pk)
    )
    status = ContactStatus.APPROVED if approve else ContactStatus.REJECTED
    if contact.status == status:
        return contact
    contact.status = status
    contact.decided_by, contact.decided_at = actor, timezone.now()
    contact.save(update_fields=["status", "decided_by", "decided_at"])
    if approve and contact.institution.status != Institution.Status.APPROVED:
        institution_set_status(
            institution=contact.institution, status=Institution.Status.APPROVED, actor=actor
        )
    audit_record(actor=actor, action=f"institution_contact.{status}", target=contact)
    # No dedup key: staff may approve, reject and approve again, and each decision is news.
    mail_user(
        user=contact.user,
        template_prefix="evaluations/email/contact_decided",
        context={"contact": contact, "approved": approve},
    )
    return contact


def _approved_contact(user: User) -> InstitutionContact:
    contact = (
        InstitutionContact.objects.select_related("institution")
        .filter(user=user, status=ContactStatus.APPROVED)
        .first()
    )
    if contact is None:
        raise DomainError(
            _("Your institution account has not been approved yet."), code="forbidden"
        )
    return contact


@transaction.atomic
def professor_add(*, user: User, full_name: str, email: str) -> Professor:
    """An approved institution contact lists one of its professors (by e-mail)."""
    contact = _approved_contact(user)
    email = email.strip().lower()
    professor = Professor.objects.select_for_update().filter(email__iexact=email).first()
    if (
        professor
        and professor.institution_id not in (None, contact.institution_id)
        and (professor.is_active)
    ):
        raise DomainError(_("This professor is listed by another institution."), code="taken")
    if professor is None:
        try:
            with transaction.atomic():
                professor = Professor.objects.create(
                    email=email,
                    full_name=full_name.strip(),
                    institution=contact.institution,
                    added_by=user,
                )
        except IntegrityError:  # the same address added at the same moment
            raise DomainError(
                _("This professor has just been added: reload the page."), code="race"
            ) from None
    else:
        professor.full_name = full_name.strip()
        professor.institution = contact.institution
        professor.is_active = True
        professor.added_by = professor.added_by or user
        professor.save(update_fields=["full_name", "institution", "is_active", "added_by"])
    audit_record(actor=user, action="professor.add", target=professor)
    return professor


@transaction.atomic
def professor_set_active(*, user: User, professor: Professor, active: bool) -> Professor:
    contact = _approved_contact(user)
    professor = Professor.objects.select_for_update().get(pk=professor.pk)
    if professor.institution_id != contact.institution_id:
        raise DomainError(_("This professor is not listed by your institution."), code="forbidden")
    if professor.is_active != active:
        professor.is_active = active
        professor.save(update_fields=["is_active"])
        audit_record(
            actor=user,
            action="professor.active" if active else "professor.inactive",
            target=professor,
        )
    return professor
