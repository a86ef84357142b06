"""Sharing dossiers between reviewers, evenly and so that reviewers can be compared (pure: no
Django import).

`balanced_assignment` gives each dossier new reviewers until it has `per_dossier` of them:
each time the reviewer with the fewest dossiers so far (existing ones included); among those
equally loaded, the one who has shared the fewest dossiers with the reviewers already on this
dossier (so the pairs rotate: A-B, C-D, A-C, B-D, A-D, B-C… rather than A-B, C-D, A-B, C-D,
which would leave two groups that calibration cannot compare); then the order reviewers are
given in. Never a reviewer already on the dossier or one who declared a conflict of interest
with it. A dossier for which too few reviewers remain gets what is possible (the caller reports
it). Dossiers are served in the order given, so the result is reproducible.

`reviewer_groups` says whether the design connects the reviewers: two reviewers are linked when
they share a dossier; each group is a set of reviewers linked directly or through others. One
group means every reviewer's strictness can be measured against the same common scale.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence


def balanced_assignment[D: Hashable, R: Hashable](
    dossiers: Sequence[D],
    reviewers: Sequence[R],
    *,
    per_dossier: int,
    existing: Mapping[D, set[R]] | None = None,
    conflicts: set[tuple[D, R]] | None = None,
    load: Mapping[R, int] | None = None,
) -> dict[D, list[R]]:
    """The reviewers to add, dossier by dossier (only dossiers that get someone appear)."""
    if per_dossier < 0:
        raise ValueError("per_dossier must be 0 or more")
    existing = existing or {}
    conflicts = conflicts or set()
    counts = {reviewer: (load or {}).get(reviewer, 0) for reviewer in reviewers}
    order = {reviewer: index for index, reviewer in enumerate(reviewers)}
    together: Counter[frozenset[R]] = Counter()
    for on_it in existing.values():
        _pair_up(together, on_it)
    added: dict[D, list[R]] = {}
    for dossier in dossiers:
        on_it = set(existing.get(dossier, set()))
        while len(on_it) < per_dossier:
            free = [r for r in reviewers if r not in on_it and (dossier, r) not in conflicts]
            if not free:
                break
            chosen = min(
                free,
                key=lambda r: (
                    counts[r],
                    sum(together[frozenset((r, other))] for other in on_it),
                    order[r],
                ),
            )
            counts[chosen] += 1
            for other in on_it:
                together[frozenset((chosen, other))] += 1
            on_it.add(chosen)
            added.setdefault(dossier, []).append(chosen)
    return added


def _pair_up[R: Hashable](together: Counter[frozenset[R]], on_it: Iterable[R]) -> None:
    members = list(on_it)
    for index, first in enumerate(members):
        for second in members[index + 1 :]:
            together[frozenset((first, second))] += 1


def reviewer_groups[D: Hashable, R: Hashable](
    assignments: Mapping[D, Iterable[R]],
) -> list[list[R]]:
    """The reviewers linked by shared dossiers, group by group: the largest group first, each
    group's reviewers in the order they first appear (a reviewer alone on all their dossiers is
    a group of one)."""
    parent: dict[R, R] = {}
    first_seen: dict[R, int] = {}

    def root(reviewer: R) -> R:
        while parent[reviewer] != reviewer:
            parent[reviewer] = parent[parent[reviewer]]
            reviewer = parent[reviewer]
        return reviewer

    for on_it in assignments.values():
        members = list(dict.fromkeys(on_it))
        for reviewer in members:
            if reviewer not in parent:
                parent[reviewer] = reviewer
                first_seen[reviewer] = len(first_seen)
        for other in members[1:]:
            a, b = root(members[0]), root(other)
            if a != b:
                parent[max(a, b, key=first_seen.__getitem__)] = min(
                    a, b, key=first_seen.__getitem__
                )
    groups: dict[R, list[R]] = {}
    for reviewer in sorted(parent, key=first_seen.__getitem__):
        groups.setdefault(root(reviewer), []).append(reviewer)
    return sorted(groups.values(), key=lambda group: (-len(group), first_seen[group[0]]))
