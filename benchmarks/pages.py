"""Queries and server time per page, for the pages every visitor and user opens.

Prints a table (queries per request, median and 95th percentile in milliseconds), then
`queries_<page>: N` and `page_<page>_median_ms: N` lines. Runs on a temporary SQLite database
so it never touches the development data.
"""

from __future__ import annotations

import argparse
import logging
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
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="tapif-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tapif.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from candidates.services import application_create
    from demo.load import load_demo
    from tapif.core.choices import UserKind
    from tapif.core.models import User
    from tapif.core.selectors import campaign_current

    call_command("migrate", verbosity=0)
    logging.disable(logging.INFO)  # the demo's e-mails go through eager tasks that log
    load_demo()
    # A candidate with a dossier open in the current campaign (the section pages need one).
    candidate = User.objects.create_user(
        email="bench@example.org", password=None, kind=UserKind.CANDIDATE
    )
    EmailAddress.objects.create(user=candidate, email=candidate.email, verified=True, primary=True)
    application_create(candidate=candidate, campaign=campaign_current())

    anonymous, signed_in = Client(SERVER_NAME="127.0.0.1"), Client(SERVER_NAME="127.0.0.1")
    signed_in.force_login(candidate)
    pages = [
        ("landing (fr)", anonymous, "/fr/"),
        ("landing (en)", anonymous, "/en/"),
        ("login", anonymous, "/fr/accounts/login/"),
        ("dossier", signed_in, "/fr/dossier/"),
        ("identity", signed_in, "/fr/dossier/identity/"),
        ("experience", signed_in, "/fr/dossier/experience/"),
        ("documents", signed_in, "/fr/dossier/documents/"),
        ("timeline", signed_in, "/fr/dossier/timeline/"),
    ]
    figures: dict[str, str] = {}
    print(f"{'page':<18} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, client, path in pages:
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            first = client.get(path)
        if first.status_code != 200:
            raise SystemExit(f"{path} answered {first.status_code}")
        timings = []
        for _ in range(args.requests):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
        p95 = statistics.quantiles(timings, n=20)[18]
        print(f"{name:<18} {len(queries):>7} {statistics.median(timings):>10.2f} {p95:>8.2f}")
        key = name.replace(" (", "_").replace(")", "").replace(" ", "_")
        figures[f"queries_{key}"] = str(len(queries))
        figures[f"page_{key}_median_ms"] = f"{statistics.median(timings):.2f}"
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
