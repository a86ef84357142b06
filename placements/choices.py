from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from placements.allocation import Decision


class ReleaseStatus(models.TextChoices):
    """A results release's life: running until every dossier is told, or failed for good."""

    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReleaseKind(models.TextChoices):
    """Who a release tells, as listed in its snapshot (`ResultsRelease.recipients`)."""

    RANKED = "ranked", _("Ranked by the round")
    INELIGIBLE = "ineligible", _("Ineligible")


class ReleaseOutcome(models.TextChoices):
    """What a release did for one dossier (the keys of `ResultsRelease.counts`): the round's
    decision (the values of `placements.allocation.Decision`), placed told apart, or skipped."""

    PLACED = "placed", _("Accepted and placed")
    ACCEPTED = Decision.ACCEPTED.value, _("Accepted, académie to come")
    WAITLISTED = Decision.WAITLISTED.value, _("Waitlisted")
    NOT_SELECTED = Decision.NOT_SELECTED.value, _("Not selected")
    INELIGIBLE = Decision.INELIGIBLE.value, _("Ineligible")
    SKIPPED = "skipped", _("Skipped (the dossier could not take its result)")
    ALREADY_WRITTEN = "already_written", _("E-mail written before")


class OfferSource(models.TextChoices):
    """How a place came to be offered."""

    RELEASE = "release", _("Results release")
    PROMOTION = "promotion", _("Waitlist promotion")
    MANUAL = "manual", _("Offered by the committee")


class OfferStatus(models.TextChoices):
    """An offer's life: pending until the candidate answers or the deadline passes."""

    PENDING = "pending", _("Awaiting the answer")
    # "offer" context: an offer's words agree with "une offre" in French.
    ACCEPTED = "accepted", pgettext_lazy("offer", "Accepted")
    DECLINED = "declined", pgettext_lazy("offer", "Declined")
    LAPSED = "lapsed", _("Lapsed (no answer in time)")
    WITHDRAWN = "withdrawn", _("Withdrawn after accepting")


#: Offers that hold their place (a pending one until it is declined or lapses).
HOLDING_OFFER_STATUSES = (OfferStatus.PENDING, OfferStatus.ACCEPTED)

#: Offers whose place was given back (each one freed a place, promoted at that moment).
FREED_OFFER_STATUSES = (OfferStatus.DECLINED, OfferStatus.LAPSED, OfferStatus.WITHDRAWN)


class PromotionOutcome(models.TextChoices):
    """What happened to one candidate considered for a freed place."""

    OFFERED = "offered", _("Offered the place")
    SKIPPED = "skipped", _("Skipped")


class PromotionReason(models.TextChoices):
    """Why a candidate was offered a freed place, or passed over (placements.promotion codes)."""

    LISTED = "listed", _("Best-ranked who listed the académie and teaches at that level")
    LEVEL_FITS = "level_fits", _("Best-ranked who teaches at that level (nobody listed it)")
    MANUAL = "manual", _("Offered by the committee")
    LEVEL = "level", _("Does not teach at that level")
    NOT_LISTED = "not_listed", _("Did not list the académie, someone who did could take it")
    HOLDS_PLACE = "holds_place", _("Already holds a place")
    DECLINED = "declined", _("Declined or let an offer lapse")
    WITHDRAWN = "withdrawn", _("Withdrew")
    NOT_WAITING = "not_waiting", _("Not on the waitlist (result not released)")
    COUPLE_TWO_PLACES = "couple_two_places", _("Couple: no second place in that académie")
    COUPLE_ELSEWHERE = "couple_elsewhere", _("Couple: the partner holds a place elsewhere")
    COUPLE_TURN = "couple_turn", _("Couple: their turn is the later-ranked partner's")


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FROZEN = "frozen", _("Frozen")
    SUPERSEDED = "superseded", _("Superseded")


class RankDecision(models.TextChoices):
    """The decisions of `placements.allocation.Decision` (its values, one definition), as stored
    on a frozen round, with their labels."""

    ACCEPTED = Decision.ACCEPTED.value, _("Accepted")
    WAITLISTED = Decision.WAITLISTED.value, _("Waitlisted")
    NOT_SELECTED = Decision.NOT_SELECTED.value, _("Not selected")
    INELIGIBLE = Decision.INELIGIBLE.value, _("Ineligible")


class LeftOutReason(models.TextChoices):
    """Why a freeze would leave a dossier of the round without its due chance
    (`placements.services.round_freeze_guard`)."""

    NOT_SCORED = "not_scored", _("Eligible, but no merit score yet (review not finished)")
    EVALUATION_UNKNOWN = (
        "evaluation_unknown",
        _("Returning assistant: the previous académie's evaluation is not known yet"),
    )
