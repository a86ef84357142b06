"""Reads of evaluation requests, each shaped for the one who is allowed to see it.

The candidate's reads never touch `Evaluation` (its content is confidential); the professor's
reads only ever return requests bound to their own account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from candidates.models import Application
from evaluations.choices import EvaluationStatus, EvaluatorCheck, RequestStatus
from evaluations.models import Evaluation, EvaluationRequest, InstitutionContact, Professor
from evaluations.services import EVALUATION_FIELDS, invitation_unopened
from tapif.core.models import Institution, User


def institutions_approved() -> QuerySet[Institution]:
    """The institutions a candidate or professor may choose from."""
    return Institution.objects.filter(status=Institution.Status.APPROVED).order_by("name")


@dataclass
class CandidateEvaluators:
    """Where a dossier's evaluators stand, without any of the evaluation's content."""

    current: EvaluationRequest | None = None
    received: EvaluationRequest | None = None
    declined: list[EvaluationRequest] = field(default_factory=list)
    replaced: list[EvaluationRequest] = field(default_factory=list)
    rejected: list[EvaluationRequest] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(
            self.current or self.received or self.declined or self.replaced or self.rejected
        )

    @property
    def confirming(self) -> bool:
        """The evaluation was received and waits for staff to confirm the evaluator."""
        return self.received is not None and self.received.evaluator_check == (
            EvaluatorCheck.PENDING
        )


def evaluators_of(application: Application) -> CandidateEvaluators:
    """The dossier's requests grouped for the candidate's page, in one query (newest first)."""
    found = CandidateEvaluators()
    requests = (
        EvaluationRequest.objects.filter(application=application)
        .select_related("institution")
        .order_by("-created_at", "-pk")
    )
    for request in requests:
        if request.is_open and found.current is None:
            found.current = request
        elif request.status == RequestStatus.SUBMITTED and found.received is None:
            found.received = request
        elif request.status == RequestStatus.DECLINED:
            found.declined.append(request)
        elif request.status == RequestStatus.REPLACED:
            found.replaced.append(request)
        elif request.status == RequestStatus.REJECTED:
            found.rejected.append(request)
    return found


def invitation_problem(request: EvaluationRequest, *, now: dt.datetime | None = None) -> str:
    """'undelivered', 'unopened' (still invited the campaign's `unopened_invitation_days`
    calendar days after delivery, counted in its zone) or ''."""
    if request.status != RequestStatus.INVITED:
        return ""
    if request.delivery_failed_at:
        return "undelivered"
    now = now or timezone.now()
    if invitation_unopened(request, now=now):
        return "unopened"
    return ""


def professor_requests(user: User) -> QuerySet[EvaluationRequest]:
    """The requests bound to this professor's account, newest first, in one query."""
    drafts = Evaluation.objects.filter(request=OuterRef("pk"), status=EvaluationStatus.DRAFT)
    return (
        EvaluationRequest.objects.filter(professor__user=user)
        .select_related("application__candidate", "application__campaign", "institution")
        .annotate(has_draft=Exists(drafts))
        .order_by("-created_at", "-pk")
    )


def professor_request(user: User, pk: int) -> EvaluationRequest | None:
    """One of this professor's requests, or None (whether it exists for someone else or not)."""
    return (
        EvaluationRequest.objects.filter(pk=pk, professor__user=user)
        .select_related(
            "application__candidate", "application__campaign", "institution", "professor"
        )
        .first()
    )


def evaluation_of(request: EvaluationRequest) -> Evaluation | None:
    """The professor's draft or submitted evaluation for a request (for its professor only)."""
    return Evaluation.objects.filter(request=request).first()


def evaluation_rows(evaluation: Evaluation | None) -> list[tuple[str, str]]:
    """(label, shown value) for every field, choices shown by their label; '' when empty."""
    rows = []
    for name in EVALUATION_FIELDS:
        model_field = Evaluation._meta.get_field(name)
        value = getattr(evaluation, name, "") if evaluation is not None else ""
        if value not in ("", None) and model_field.choices:
            value = getattr(evaluation, f"get_{name}_display")()
        rows.append((str(model_field.verbose_name), "" if value is None else str(value)))
    return rows


# --- the institution contact's pages: progress only, never the evaluation ---------------------


#: What the progress table reads of a request; nothing of the evaluation or the decline reason.
PROGRESS_FIELDS = (
    "status",
    "evaluator_name",
    "created_at",
    "sent_at",
    "opened_at",
    "submitted_at",
    "declined_at",
    "application",
    "application__candidate",
    "application__candidate__first_name",
    "application__candidate__last_name",
    "application__candidate__email",
    "professor",
    "professor__full_name",
)


def contact_of(user: User) -> InstitutionContact | None:
    return InstitutionContact.objects.select_related("institution").filter(user=user).first()


def institution_professors(institution: Institution) -> QuerySet[Professor]:
    return Professor.objects.filter(institution=institution).order_by(
        "-is_active", "full_name", "pk"
    )


def institution_requests(institution: Institution) -> QuerySet[EvaluationRequest]:
    """Requests naming the institution, or naming none and opened by one of its active
    professors, newest first. Replaced requests are dead links and are left out.

    A contact lists professors by e-mail address, so an address alone must not reveal a
    candidate who named another institution (or none, before the professor opened the link).
    """
    return (
        EvaluationRequest.objects.filter(
            Q(institution=institution)
            | Q(
                institution__isnull=True,
                professor__institution=institution,
                professor__is_active=True,
            )
        )
        .exclude(status=RequestStatus.REPLACED)
        .select_related("application__candidate", "professor")
        .only(*PROGRESS_FIELDS)
        .order_by("-created_at", "-pk")
    )
