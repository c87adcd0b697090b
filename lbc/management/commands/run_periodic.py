from __future__ import annotations

import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string

from lbc.periodic import jobs
from lbc.transient import close_broken_connection, is_transient

logger = logging.getLogger(__name__)


def run_jobs(now: Any = None) -> dict[str, int | None]:
    """Run every periodic job once; a job that fails is logged with None as its count."""
    now = now or timezone.now()
    counts: dict[str, int | None] = {}
    for path in jobs():
        try:
            counts[path] = int(import_string(path)(now))
        except Exception as exc:
            logger.exception("periodic job %s failed", path)
            counts[path] = None
            if is_transient(exc):
                close_broken_connection()  # the next job, and the next round, start on a fresh one
    return counts


class Command(BaseCommand):
    help = (
        "Runs the periodic jobs of every app (lbc/periodic.py: escalations, reminders, children "
        "aged out at 16, own-consent reminders at 14, notification delivery, purges, the audit anchor) "
        "every --interval seconds until stopped, or one round with --once (for cron; exits non-zero "
        "when a job failed). Prints the count each job handled, and FAILED for a job that raised."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between rounds (default 60).")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            counts = run_jobs()
            for path, count in counts.items():
                if count is None:
                    self.stderr.write(f"{path}: FAILED")
                elif count or options["once"]:
                    self.stdout.write(f"{path}: {count}")
            if options["once"]:
                if None in counts.values():
                    raise CommandError("one or more periodic jobs failed")
                return
            close_old_connections()
            time.sleep(max(options["interval"], 1))
