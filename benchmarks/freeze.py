"""Previewing and freezing a selection round at scale (issue 16).

Creates N reviewed dossiers in bulk (`tests.selection.review_dossiers.bulk_dossiers`, merits
spread over 0.01 steps, preferences skewed towards the first académies), gives every active
académie places for a third of them, then times `round_snapshot` (the confirmation page's
computation), `round_preview` and `round_freeze`, and counts their queries. The database is
DATABASE_URL when set (make bench gives a throw-away PostgreSQL one), else a throw-away SQLite
file under /tmp. Prints `name: value` lines; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--label", default="", help="suffix of the figures' names (e.g. _pg)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        workdir = tempfile.mkdtemp(prefix="tapif-bench-", dir="/tmp")
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tapif.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from candidates.choices import ApplicationStatus
    from candidates.models import Application, Assets
    from placements.models import Quota
    from placements.services import round_create, round_freeze, round_preview, round_snapshot
    from selection.models import MeritScore
    from selection.services import criteria_ensure
    from tapif.core.models import Academie, Campaign, User
    from tests.selection.review_dossiers import bulk_dossiers

    call_command("migrate", verbosity=0)
    campaign = Campaign.objects.get(is_current=True)
    criteria_ensure(campaign)
    reviewers = [
        User.objects.create_user(email=f"{name}@bench.tapif.ca", is_staff=True)
        for name in ("ann", "bob")
    ]
    manager = User.objects.create_user(email="manager@bench.tapif.ca", is_staff=True)
    for start in range(0, args.dossiers, 2_000):
        bulk_dossiers(campaign, min(2_000, args.dossiers - start), reviewers=reviewers, start=start)
    rng = random.Random(16)  # noqa: S311 (synthetic data)
    academies = list(Academie.objects.filter(is_active=True).order_by("code"))
    weights = [1 / (n + 1) for n in range(len(academies))]
    merits, assets = [], []
    for merit in MeritScore.objects.filter(application__campaign=campaign):
        merit.merit = Decimal(rng.randint(3000, 10000)) / 100
        merits.append(merit)
    MeritScore.objects.bulk_update(merits, ["merit"], batch_size=2_000)
    for asset in Assets.objects.filter(application__campaign=campaign):
        choices = list(dict.fromkeys(rng.choices(academies, weights, k=3)))
        asset.academie_1, asset.academie_2, asset.academie_3 = [*choices, None, None][:3]
        asset.school_level = rng.choice(["primary", "secondary", "either"])
        assets.append(asset)
    Assets.objects.bulk_update(
        assets, ["academie_1", "academie_2", "academie_3", "school_level"], batch_size=2_000
    )
    Application.objects.filter(campaign=campaign).update(status=ApplicationStatus.REVIEWED)
    selection_round = round_create(campaign=campaign, actor=manager, waitlist_size=500)
    per_academie = max(1, args.dossiers // 3 // len(academies) // 2)
    Quota.objects.bulk_create(
        Quota(round=selection_round, academie=a, primary=per_academie, secondary=per_academie)
        for a in academies
    )

    figures: dict[str, str] = {}
    size = f"{args.dossiers // 1000}k" if args.dossiers >= 1000 else str(args.dossiers)
    for name, work in (
        ("confirm", lambda: round_snapshot(selection_round)),
        ("preview", lambda: round_preview(selection_round)),
        ("freeze", lambda: round_freeze(selection_round=selection_round, actor=manager)),
    ):
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE") == name:
                import cProfile

                profile = Path(tempfile.gettempdir()) / f"bench-{name}.prof"
                cProfile.runctx("work()", globals(), locals(), str(profile))
            else:
                work()
            elapsed = time.perf_counter() - started
        figures[f"{name}_round_{size}{args.label}_s"] = f"{elapsed:.2f}"
        figures[f"queries_{name}_{size}{args.label}"] = str(len(queries))
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
