"""Words of the selection app's codes, registered in `SelectionConfig.ready()`.

Audit actions recorded by this app's services, read by the dossier's history and the audit log
through `tapif.core.messages.explain` (the history shows another reviewer's review only under
the blind-review rule: `candidates.selectors.dossier_history`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS = {
    "review.save": _("Review saved as a draft"),
    "review.submit": _("Review submitted"),
    "review.assign": _("Reviewers assigned"),
    "review.conflict": _("Conflict of interest declared"),
}
