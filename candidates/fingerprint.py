"""A keyed fingerprint of a person's identity: what the retention policy keeps of an
anonymised dossier so that the lifetime limit on participations still applies
(candidates.retention writes it, candidates.selectors reads it)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import unicodedata

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from candidates.choices import ApplicationStatus
from candidates.models import ParticipationTrace

#: Outcomes that count as a participation for the lifetime limit.
PARTICIPATED = frozenset({ApplicationStatus.OFFER_ACCEPTED, ApplicationStatus.APPOINTED})


def _fingerprint_key() -> bytes:
    key = getattr(settings, "IDENTITY_FINGERPRINT_KEY", "")
    if key:
        return key.encode()
    # Derived from SECRET_KEY when no key of its own is set (docs/privacy.md: set one, since a
    # new SECRET_KEY would otherwise no longer recognise earlier participations).
    return hashlib.sha256(b"tapif.identity-fingerprint:" + settings.SECRET_KEY.encode()).digest()


def _normalised(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(
        letters.casefold().replace("-", " ").replace("'", " ").replace("\u2019", " ").split()
    )


def identity_fingerprint(
    *, last_name: str, first_names: str, date_of_birth: dt.date | None
) -> str | None:
    """A keyed hash (HMAC-SHA256) of the legal names and the date of birth, whatever their
    accents, case, hyphens and apostrophes ("Élise-Anne O'Brien" is "elise anne o brien");
    None when the identity is not filled in enough to recognise anyone."""
    if not last_name.strip() or not first_names.strip() or date_of_birth is None:
        return None
    message = "|".join(
        [_normalised(last_name), _normalised(first_names), date_of_birth.isoformat()]
    )
    return hmac.new(_fingerprint_key(), message.encode(), hashlib.sha256).hexdigest()


#: The fingerprints of past participations, cached: every page that works out a dossier's
#: eligibility reads them, and they change only when the retention job anonymises a dossier.
TRACES_CACHE_KEY = "candidates:participation-traces:v1"
TRACES_CACHE_SECONDS = 3600


def participation_years() -> dict[str, list[str]]:
    """The school years each fingerprint took part in (one query, then the cache)."""
    years = cache.get(TRACES_CACHE_KEY)
    if years is None:
        years = {}
        traces = ParticipationTrace.objects.filter(outcome__in=PARTICIPATED).values_list(
            "fingerprint", "school_year"
        )
        for fingerprint, school_year in traces:
            years.setdefault(fingerprint, []).append(school_year)
        cache.set(TRACES_CACHE_KEY, years, TRACES_CACHE_SECONDS)
    return years


def participation_traces_changed() -> None:
    """Forget the cached fingerprints, now and once the change commits."""
    cache.delete(TRACES_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(TRACES_CACHE_KEY))
