"""Who may use the core's staff pages. Functions return (allowed, reason) so callers can explain.

(Who may download a letter is `tapif.core.letters.can_download_letter`, beside the letters.)
"""

from __future__ import annotations

from tapif.core.models import User

#: The letters' register: programme managers and auditors; not reviewers, whose work needs no
#: letter (a letter states a placement, well after the review).
LETTER_REGISTER_PERMISSION = "core.view_issuedletter"


def can_check_letter(user: User) -> tuple[bool, str]:
    """The staff page that checks a letter's code is for staff who read the letters' register."""
    if not (user.is_authenticated and user.is_staff):
        return False, "not staff"
    if not user.has_perm(LETTER_REGISTER_PERMISSION):
        return False, "no permission"
    return True, "staff"
