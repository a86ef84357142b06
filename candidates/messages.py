"""Words of the candidates app's codes, registered in `CandidatesConfig.ready()`.

Audit actions recorded by this app's services (`tapif.core.audit.audit_record`), read by the
dossier's history (`selectors.dossier_history`) through `tapif.core.messages.explain`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "application.transition": _("Status changed"),
    "application.reopen": _("Dossier reopened"),
    "application.eligibility": _("Eligibility decided"),
    "application.french_level": _("French level recorded"),
    "application.result_release": _("Result released"),
    "french_test.verify": _("Official French test verified"),
    "document.upload": _("Document uploaded"),
    "document.accept": _("Document accepted"),
    "document.reject": _("Document rejected"),
    "document.staff_download": _("Document read by staff"),
    "couple.propose": _("Couple application proposed"),
    "couple.confirm": _("Couple application confirmed"),
    "couple.dissolve": _("Couple application dissolved"),
}
