"""Words of the placements app's codes, registered in `PlacementsConfig.ready()`.

Audit actions recorded by this app's services (rounds, results release, offers), read by the
dossier's history and the audit log through `tapif.core.messages.explain`.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "selection_round.create": _("Selection round created"),
    "selection_round.quotas_fill": _("Selection round's quotas listed for every académie"),
    "selection_round.freeze": _("Selection round frozen"),
    "selection_round.supersede": _("Selection round superseded"),
    "results_release.start": _("Results release started"),
    "results_release.resume": _("Results release resumed"),
    "results_release.finish": _("Results release finished"),
    "results_release.fail": _("Results release failed"),
    "offer.make": _("Placement offered"),
    "offer.accept": _("Offer accepted by the candidate"),
    "offer.decline": _("Offer declined by the candidate"),
    "offer.lapse": _("Offer lapsed without an answer"),
    "offer.promote": _("Freed place offered to a waitlisted candidate"),
    "offer.manual": _("Place offered by hand"),
    "offer.details": _("Placement details recorded"),
    "offer.verify_criminal_record": _("Criminal record check verified"),
    "offer.appoint": _("Assistant appointed"),
    "application.withdraw": _("Candidate withdrew"),
}
