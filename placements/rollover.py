"""Placements' part of next year's campaign (`tapif.core.rollover`): a first draft round with
the places per académie and the waitlist size of this year's round (the frozen one, else the
latest), for the committee to adjust before freezing."""

from __future__ import annotations

from collections.abc import Mapping

from placements.choices import RoundStatus
from placements.models import Quota, SelectionRound
from placements.services import round_create
from tapif.core.models import Campaign, User


def _reference_round(campaign: Campaign) -> SelectionRound | None:
    rounds = SelectionRound.objects.filter(campaign=campaign)
    return rounds.filter(status=RoundStatus.FROZEN).first() or rounds.order_by("-number").first()


def quotas_rollover(source: Campaign, target: Campaign, actor: User | None) -> Mapping[str, int]:
    """A draft round for `target` with `source`'s quotas (nothing when `source` has no round)."""
    reference = _reference_round(source)
    if reference is None:
        return {"rounds": 0, "quotas": 0}
    draft = round_create(campaign=target, actor=actor, waitlist_size=reference.waitlist_size)
    quotas = Quota.objects.bulk_create(
        Quota(
            round=draft,
            academie_id=quota.academie_id,
            primary=quota.primary,
            secondary=quota.secondary,
        )
        for quota in Quota.objects.filter(round=reference, academie__is_active=True)
    )
    return {"rounds": 1, "quotas": len(quotas)}


def register() -> None:
    from tapif.core.rollover import rollover_contributor_register

    rollover_contributor_register("placements", quotas_rollover)
