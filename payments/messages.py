"""Words of the payments app's codes, registered in `PaymentsConfig.ready()`.

Audit actions recorded by this app's services, read by the dossier's history and the audit log
through `tapif.core.messages.explain`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "payment.declare": _("Fee payment declared"),
    "payment.correct": _("Fee declaration corrected"),
    "payment.verify": _("Fee payment verified"),
    "payment.reject": _("Fee payment rejected"),
    "payment.refund": _("Fee payment refunded"),
    "payments.assign_line": _("Bank line assigned to the dossier"),
    "payments.import": _("Bank statement imported"),
}
