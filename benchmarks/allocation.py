"""Time to rank and place synthetic candidates (issue 7: 100,000 over 30 académies in seconds).

Prints one line per size: ranking, placement (with the explanations) and JSON output times in
seconds. Pure Python, no database. The instance is random but seeded, so runs compare: 30
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


def run(size: int) -> None:
    candidates, quotas = synthetic(size)
    started = time.perf_counter()
    ranking = rank(
        [RankInput(c.id, c.score, c.french_level, c.criteria) for c in candidates if c.eligible],
        campaign_code="2026-2027",
    )
    ranked_at = time.perf_counter()
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
    allocation = allocate(applicants, quotas, waitlist_size=size // 10)
    placed_at = time.perf_counter()
    output = to_json(allocation)
    done = time.perf_counter()
    places = sum(q.primary + q.secondary for q in quotas.values())
    placed = sum(1 for o in allocation.outcomes if o.academie)
    print(
        f"{size:>7} candidates, {places:>6} places ({placed} placed): "
        f"rank {ranked_at - started:.2f} s, place {placed_at - ranked_at:.2f} s, "
        f"JSON {done - placed_at:.2f} s ({len(output) / 1e6:.0f} MB), "
        f"total {done - started:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    for size in parser.parse_args().sizes:
        run(size)


if __name__ == "__main__":
    main()
