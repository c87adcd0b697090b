"""Time a county roster import (read, validate, commit) on synthetic data in a throwaway database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbc.roster.benchmark import run
from lbc.roster.staging import MAX_ROWS


class Command(BaseCommand):
    help = (
        "Builds a synthetic county (10 townships of 8 villages, 20 primary schools, 6 grades of 4 classes) "
        "in a throwaway SQLite database in a temporary directory (the configured database is not touched), "
        "writes a synthetic roster of --rows children (default 20,000) as .xlsx with a guardian and both "
        "parents' whereabouts each, and times: read (upload checks, reading in memory, encrypted staging), "
        "validate (every cell, matching by the ID blind index, the diff) and commit (which checks again, "
        "then writes in one transaction). Prints elapsed seconds, rows per second and CPU seconds of each "
        "phase and of the whole. The "
        "temporary directory is deleted afterwards. All data are synthetic. With --fail-over SECONDS the "
        "command exits with an error when the whole takes longer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=20000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--fail-over", type=float, default=None, dest="fail_over")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["rows"] <= MAX_ROWS:
            raise CommandError(f"--rows must be between 1 and {MAX_ROWS} (the roster import limit).")
        with tempfile.TemporaryDirectory(prefix="lbc-roster-benchmark-") as directory:
            t = run(options["rows"], Path(directory), seed=options["seed"])
        self.stdout.write(
            f"Synthetic data: a roster of {t.rows} children imported into a throwaway SQLite database."
        )
        total = t.read + t.validate + t.commit
        cpu = {**t.cpu, "total": sum(t.cpu.values())}
        self.stdout.write(f"{'phase':>9} {'elapsed':>9} {'rows/s':>9} {'CPU':>9}")
        for phase, seconds in (
            ("read", t.read),
            ("validate", t.validate),
            ("commit", t.commit),
            ("total", total),
        ):
            self.stdout.write(f"{phase:>9} {seconds:7.2f} s {t.rows / seconds:9.0f} {cpu[phase]:7.2f} s")
        self.stdout.write(f"created {t.created} children; {t.problems} row problems")
        if t.created != t.rows:
            raise CommandError(f"Only {t.created} of {t.rows} rows were imported.")
        if options["fail_over"] is not None and total > options["fail_over"]:
            raise CommandError(f"Total {total:.2f} s exceeds {options['fail_over']:.2f} s.")
