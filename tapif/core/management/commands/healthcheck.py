"""`manage.py healthcheck web|worker|beat`: exit 0 when that process's services work, else 1.

For container healthchecks (docker-compose.yml), one line per check on standard output:
- web: the database, the cache, the broker and the document storage (as /readyz, beat aside);
- worker: the database, the broker, and this machine's worker answering a ping
  (`--hostname celery@name` for a worker started with `-n`, `--hostname '*'` for any);
- beat: its last tick, recorded by a worker, younger than `--max-age` minutes (default 5).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tapif.core import health


class Command(BaseCommand):
    help = "Check that a process's services work (web, worker or beat); exit 1 if not."
    # Run every 30 s by the container engine: Django's system checks are not its business.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("process", choices=["web", "worker", "beat"])
        parser.add_argument("--hostname", default=None, help="worker: the node name to ping")
        parser.add_argument(
            "--max-age",
            type=int,
            default=int(health.BEAT_MAX_AGE.total_seconds() // 60),
            help="beat: minutes since the last tick",
        )
        parser.add_argument("--timeout", type=float, default=health.BROKER_TIMEOUT)

    def handle(self, *args, process, hostname, max_age, timeout, **options):
        checks = {
            "web": lambda: {
                "database": health.check_database(),
                "cache": health.check_cache(),
                "broker": health.check_broker(),
                "storage": health.check_storage(),
            },
            "worker": lambda: {
                "database": health.check_database(),
                "broker": health.check_broker(),
                "worker": health.check_worker(hostname=hostname, timeout=timeout),
            },
            "beat": lambda: {"beat": health.check_beat(max_age=dt.timedelta(minutes=max_age))},
        }[process]()
        for name, check in checks.items():
            self.stdout.write(
                f"{name}: {check.status}" + (f" ({check.detail})" if check.detail else "")
            )
        failed = sorted(name for name, check in checks.items() if check.failed)
        if failed:
            raise CommandError(f"{process} is not healthy: {', '.join(failed)}", returncode=1)
