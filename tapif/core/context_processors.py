from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from tapif.core.choices import UserKind
from tapif.core.selectors import campaign_current

# What each kind of user sees in the main navigation: (label, URL name).
_NAVIGATION = {
    None: [(_("The programme"), "core:landing"), (_("Am I eligible?"), "eligibility_check")],
    UserKind.CANDIDATE: [(_("My application"), "candidates:dossier")],
    UserKind.PROFESSOR: [(_("My evaluation requests"), "evaluations:requests")],
    UserKind.INSTITUTION: [(_("My institution"), "evaluations:institution")],
    UserKind.STAFF: [(_("Administration"), "admin:index")],
}


def _kind_of(user) -> UserKind | None:
    if user is None or not user.is_authenticated:
        return None
    return UserKind.STAFF if user.is_staff else UserKind(user.kind)


def navigation(request) -> dict:
    kind = _kind_of(getattr(request, "user", None))
    items = []
    for label, name in _NAVIGATION[kind]:
        url = reverse(name)
        items.append({"label": label, "url": url, "current": request.path == url})
    return {
        "main_navigation": items,
        "user_kind": kind,
        # Read only by the pages that show it (footer contact, landing).
        "current_campaign": SimpleLazyObject(campaign_current),
    }
