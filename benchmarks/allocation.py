"""Time to rank and place synthetic candidates (issue 7: 100,000 over 30 académies in seconds).

Prints `name: value` lines per size: ranking + placement (`rank_place_*_s`, explanations
written only when read), the plain serial loop on the same input (`serial_place_*_s`: sort by
score, first preference with room) and their ratio, 20 explanations written, then all of them
as JSON. Pure Python, no database. The instance is random but seeded, so runs compare: 30
académies whose quotas sum to a third of the candidates, skewed demand (a few académies asked
for by many), one candidate in ten "either", one in twenty in a couple, one in ten returning,
one in twenty ineligible, scores on a 0.01 grid so that ties occur.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from placements.allocation import (  # noqa: E402 (after the path is set)
    Applicant,
    Candidate,
    CoupleMode,
    Quota,
    SchoolLevel,
    allocate,
    to_json,
)
from selection.ranking import RankInput, rank  # noqa: E402 (after the path is set)

ACADEMIES = [f"A{n:02d}" for n in range(30)]
LEVELS = ["primary"] * 9 + ["secondary"] * 9 + ["either"] * 2


def synthetic(size: int, seed: int = 7) -> tuple[list[Candidate], dict[str, Quota]]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not a secret)
    per_academie = max(1, size // 3 // len(ACADEMIES) // 2)
    quotas = {code: Quota(per_academie, per_academie) for code in ACADEMIES}
    weights = [1 / (n + 1) for n in range(len(ACADEMIES))]  # A00 is the most asked for
    candidates = []
    for n in range(size):
        partner = None
        if n % 20 in (0, 1):
            partner = f"C{n + 1 if n % 20 == 0 else n - 1:06d}"
        candidates.append(
            Candidate(
                id=f"C{n:06d}",
                score=Decimal(rng.randint(3000, 10000)) / 100,
                eligible=rng.random() > 0.05,
                returning=rng.random() < 0.1,
                previous_evaluation_positive=rng.random() < 0.8,
                school_level=SchoolLevel(rng.choice(LEVELS)),
                preferences=tuple(dict.fromkeys(rng.choices(ACADEMIES, weights, k=3))),
                partner=partner,
                couple=CoupleMode.TOGETHER_ONLY if n % 40 == 0 else CoupleMode.TOGETHER_PREFERRED,
                french_level=rng.choice(["B1", "B2", "C1", "C2"]),
                criteria={
                    "motivation": rng.randint(0, 5),
                    "teaching_experience": rng.randint(0, 5),
                },
            )
        )
    return candidates, quotas


def serial_loop(candidates: list[Candidate], quotas: dict[str, Quota]) -> int:
    """The reference: sort by score, then give each candidate the first preference with a free
    place at a level they teach. No tie rule, couples, waitlist nor explanation."""
    free = {code: [quota.primary, quota.secondary] for code, quota in quotas.items()}
    levels = {"primary": (0,), "secondary": (1,), "either": (0, 1)}
    placed = 0
    for candidate in sorted(
        (c for c in candidates if c.eligible and not c.returning),
        key=lambda c: c.score,
        reverse=True,
    ):
        for code in candidate.preferences:
            room = free.get(code)
            level = next((lv for lv in levels[candidate.school_level] if room and room[lv]), None)
            if level is not None:
                room[level] -= 1
                placed += 1
                break
    return placed


def rank_and_place(candidates: list[Candidate], quotas: dict[str, Quota], size: int):
    """What the preview and the freeze run: the ranking, then the allocation it feeds."""
    ranking = rank(
        [RankInput(c.id, c.score, c.french_level, c.criteria) for c in candidates if c.eligible],
        campaign_code="2026-2027",
    )
    ranks = ranking.rank_of()
    applicants = [
        Applicant(
            id=c.id,
            rank=ranks.get(c.id),
            eligible=c.eligible,
            returning=c.returning,
            previous_evaluation_positive=c.previous_evaluation_positive,
            school_level=c.school_level,
            preferences=c.preferences,
            partner=c.partner,
            couple=c.couple,
        )
        for c in candidates
    ]
    return allocate(applicants, quotas, waitlist_size=size // 10)


def run(size: int, figures: dict[str, str]) -> None:
    candidates, quotas = synthetic(size)
    label = f"{size // 1000}k"
    started = time.perf_counter()
    serial_loop(candidates, quotas)
    serial = time.perf_counter() - started
    started = time.perf_counter()
    allocation = rank_and_place(candidates, quotas, size)
    both = time.perf_counter() - started
    started = time.perf_counter()
    for outcome in allocation.outcomes[:20]:  # what a committee page shows
        outcome.explanation  # noqa: B018 (written when read)
    shown = time.perf_counter() - started
    started = time.perf_counter()
    output = to_json(allocation)  # every explanation written
    everything = time.perf_counter() - started
    figures[f"rank_place_{label}_s"] = f"{both:.3f}"
    figures[f"serial_place_{label}_s"] = f"{serial:.3f}"
    figures[f"rank_place_vs_serial_{label}_ratio"] = f"{both / serial:.2f}"
    figures[f"explain_20_{label}_ms"] = f"{shown * 1000:.2f}"
    figures[f"json_all_{label}_s"] = f"{everything:.2f} ({len(output) / 1e6:.0f} MB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    figures: dict[str, str] = {}
    for size in parser.parse_args().sizes:
        run(size, figures)
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
