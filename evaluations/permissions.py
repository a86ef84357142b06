"""Who may reach the evaluation pages. Functions return (allowed, reason) so callers can explain.

The professor's pages: a signed-in Professeur account (never staff, who read evaluations in the
admin), and only the requests bound to that account. The candidate's pages reuse the dossier's
own rule (candidates.permissions.can_own_dossier).
"""

from __future__ import annotations

from django.utils import timezone

from candidates.choices import FrenchProofRoute
from evaluations.choices import RequestStatus
from evaluations.models import EvaluationRequest
from tapif.core.choices import UserKind
from tapif.core.models import User
from tapif.core.schedule import deadline_passed


def can_act_as_professor(user: User) -> tuple[bool, str]:
    if not user.is_authenticated:
        return False, "anonymous"
    if user.is_staff or user.kind != UserKind.PROFESSOR:
        return False, "not a professor account"
    return True, ""


def link_still_works(request: EvaluationRequest) -> tuple[bool, str]:
    """What a visitor not yet signed in may be told about a known link.

    Mirrors evaluation_request_open: a replaced request is gone; an expired link is gone unless
    a professor already holds the request (they reach it from their list anyway).
    """
    if request.status == RequestStatus.REPLACED:
        return False, "replaced"
    if request.professor_id is None and deadline_passed(request.token_expires_at, timezone.now()):
        return False, "expired"
    return True, ""


def can_invite_evaluator(application, found) -> tuple[bool, str]:
    """Whether the candidate may invite someone now (`found`: selectors.evaluators_of).

    Until the campaign closes, even once the dossier is submitted (an evaluator who declines
    late must not leave the candidate stuck); never on the official-test route, never while
    an evaluator is waiting or after an evaluation was received.
    """
    french = getattr(application, "french", None)
    if application.campaign.has_closed():
        return False, "closed"
    if french is not None and french.proof_route == FrenchProofRoute.OFFICIAL_TEST:
        return False, "test route"
    if found.current is not None:
        return False, "an evaluator is waiting"
    if found.received is not None:
        return False, "received"
    return True, ""


def can_act_for_an_institution(user: User) -> tuple[bool, str]:
    """Only institution accounts (not staff) reach these pages; approval is checked per page."""
    if not user.is_authenticated:
        return False, "anonymous"
    if user.is_staff or user.kind != UserKind.INSTITUTION:
        return False, "not an institution account"
    return True, ""


#: allauth's rate-limit action for evaluation invitations (settings.ACCOUNT_RATE_LIMITS).
INVITE_RATE_ACTION = "evaluation_invite"


def may_send_invitation(request, application) -> tuple[bool, str]:
    """Count one invitation, resend or replacement against the candidate's hourly allowance
    (allauth's rate-limit helper, keyed per candidate); False once it is used up."""
    from allauth.core import ratelimit

    allowed = ratelimit.consume(
        request, action=INVITE_RATE_ACTION, key=f"candidate:{application.candidate_id}"
    )
    return (True, "") if allowed else (False, "rate limited")
