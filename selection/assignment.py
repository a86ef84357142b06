"""Sharing dossiers between reviewers, evenly (pure: no Django import).

`balanced_assignment` gives each dossier new reviewers until it has `per_dossier` of them:
each time the reviewer with the fewest dossiers so far (existing ones included), ties broken by
the order reviewers are given in, never a reviewer already on the dossier or one who declared a
conflict of interest with it. A dossier for which too few reviewers remain gets what is possible
(the caller reports it). Dossiers are served in the order given, so the result is reproducible.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence


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
    added: dict[D, list[R]] = {}
    for dossier in dossiers:
        on_it = set(existing.get(dossier, set()))
        while len(on_it) < per_dossier:
            free = [r for r in reviewers if r not in on_it and (dossier, r) not in conflicts]
            if not free:
                break
            chosen = min(free, key=lambda r: (counts[r], order[r]))
            counts[chosen] += 1
            on_it.add(chosen)
            added.setdefault(dossier, []).append(chosen)
    return added
