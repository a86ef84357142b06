"""The review changelist at scale: 10,000 dossiers, first page, queries and server time.

Creates the dossiers in bulk (every section, two reviewers, a submitted review and a merit each,
with `tests.selection.review_dossiers.bulk_dossiers`) on a throw-away SQLite database under
/tmp, then opens /admin/selection/dossierunderreview/ as a programme manager through Django's
test client: prints the queries of one request and the median and worst server time, for the
plain list, a filtered list, a search, and the CSV export of all dossiers, then the same as
`name: value` lines (`review_csv_10k_s`, `queries_review_first_page_10k`, …).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=10)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tapif-bench-", dir="/tmp")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tapif.settings")
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from selection.services import criteria_ensure
    from tapif.core.models import Academie, Campaign, User
    from tests.selection.review_dossiers import bulk_dossiers

    call_command("migrate", verbosity=0)
    campaign = Campaign.objects.get(is_current=True)
    criteria_ensure(campaign)
    score = Permission.objects.get(codename="score_dossier")
    reviewers = []
    for name in ("Ann", "Bob"):
        reviewer = User.objects.create_user(
            email=f"{name.lower()}@bench.tapif.ca", first_name=name, last_name="Reviewer"
        )
        reviewer.is_staff = True
        reviewer.save(update_fields=["is_staff"])
        reviewer.user_permissions.add(score)
        reviewers.append(reviewer)
    manager = User.objects.create_user(email="manager@bench.tapif.ca", is_staff=True)
    TOTP.activate(manager, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # staff need a second factor
    manager.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="selection",
            codename__in=["assign_reviewers", "view_dossierunderreview"],
        )
    )
    started = time.perf_counter()
    for start in range(0, args.dossiers, 2_000):
        bulk_dossiers(campaign, min(2_000, args.dossiers - start), reviewers=reviewers, start=start)
    print(f"{args.dossiers} dossiers created in {time.perf_counter() - started:.1f} s")

    client = Client(SERVER_NAME="127.0.0.1", HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    academie = Academie.objects.order_by("name").first()
    base = "/admin/selection/dossierunderreview/"
    pages = [
        ("first page", base),
        (
            "filtered",
            f"{base}?eligibility=eligible&academie={academie.pk}&reviewer={reviewers[0].pk}",
        ),
        ("search", f"{base}?q=Nom4242"),
        ("CSV, all", f"{base}export/"),
    ]
    print(f"{'page':<12} {'queries':>7} {'median ms':>10} {'max ms':>8}")
    figures: dict[str, str] = {}
    size = f"{args.dossiers // 1000}k" if args.dossiers >= 1000 else str(args.dossiers)
    for name, url in pages:
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        client.get(url)  # warm the caches
        with connection.execute_wrapper(count):
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(args.requests if not name.startswith("CSV") else 2):
            began = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - began) * 1000)
        print(f"{name:<12} {len(queries):>7} {statistics.median(times):>10.1f} {max(times):>8.1f}")
        key = "csv" if name.startswith("CSV") else name.replace(" ", "_")
        figures[f"queries_review_{key}_{size}"] = str(len(queries))
        figures[f"review_{key}_{size}_s"] = f"{statistics.median(times) / 1000:.3f}"
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
