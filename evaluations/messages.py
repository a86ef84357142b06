"""Words of the evaluations app's codes, registered in `EvaluationsConfig.ready()`.

Audit actions recorded by this app's services, read by the dossier's history and the audit log
through `tapif.core.messages.explain`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from tapif.core.messages import messages_register

AUDIT_ACTIONS = {
    "evaluation_request.create": _("Evaluation requested"),
    "evaluation_request.resend": _("Evaluation request sent again"),
    "evaluation_request.replace": _("Evaluation request replaced"),
    "evaluation_request.open": _("Evaluation request opened by the evaluator"),
    "evaluation_request.decline": _("Evaluation request declined by the evaluator"),
    "evaluation_request.remind": _("Evaluator reminded"),
    "evaluation_request.address_asked": _("Invited address asked to confirm another account"),
    "evaluation_request.address_confirmed": _("Invited address confirmed the evaluator's account"),
    "evaluation_request.evaluator_confirmed": _("Evaluator confirmed by staff"),
    "evaluation_request.evaluator_rejected": _("Evaluator rejected by staff"),
    "evaluation.submit": _("Language evaluation submitted"),
    "institution_contact.request": _("Institution contact asked for access"),
    "institution_contact.approved": _("Institution contact approved"),
    "institution_contact.rejected": _("Institution contact rejected"),
    "professor.add": _("Professor listed"),
    "professor.active": _("Professor reactivated"),
    "professor.inactive": _("Professor deactivated"),
}


def register() -> None:
    """Declare this app's words (`AppConfig.ready()`)."""
    messages_register(AUDIT_ACTIONS)
