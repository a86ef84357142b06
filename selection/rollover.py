"""Selection's part of next year's campaign (`tapif.core.rollover`): the merit criteria, their
weights and order, and each criterion's rubric, copied as they are."""

from __future__ import annotations

from collections.abc import Mapping

from selection.models import Criterion, CriterionLevel
from tapif.core.models import Campaign, User


def criteria_rollover(source: Campaign, target: Campaign, actor: User | None) -> Mapping[str, int]:
    """Copy `source`'s criteria and rubric levels to `target` (which has none yet)."""
    criteria = list(
        Criterion.objects.filter(campaign=source).prefetch_related("levels").order_by("pk")
    )
    copies = Criterion.objects.bulk_create(
        Criterion(
            campaign=target,
            code=criterion.code,
            typed_label=criterion.typed_label,
            weight=criterion.weight,
            position=criterion.position,
        )
        for criterion in criteria
    )
    levels = CriterionLevel.objects.bulk_create(
        CriterionLevel(criterion=copy, points=level.points, typed_descriptor=level.typed_descriptor)
        for criterion, copy in zip(criteria, copies, strict=True)
        for level in criterion.levels.all()
    )
    return {"criteria": len(copies), "rubric_levels": len(levels)}


def register() -> None:
    from tapif.core.rollover import rollover_contributor_register

    rollover_contributor_register("selection", criteria_rollover)
