"""Time a whole-school import (parse, validate, score, commit) on synthetic data in a throwaway database."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from screening.imports.benchmark import PHASES, run
from screening.scoring.tiers import TIER_ORDER


class Command(BaseCommand):
    help = (
        "Builds a synthetic school (--rows children, default 3,000, in grades 4-9, each with a screening "
        "consent) in a throwaway SQLite database in a temporary directory (the configured database is not "
        "touched), writes a --rows-row .xlsx with openpyxl (PHQ-9 and GAD-7 answers; two rows in three carry "
        "the ID number, the rest are matched by class, name and birth date), then times separately: parse "
        "(upload checks and reading with python-calamine), validate (every cell, child matching, consents), "
        "score (NumPy batch scorer and tiers) and commit (one transaction), and prints each phase's elapsed "
        "time and CPU time and the totals. The temporary directory is deleted afterwards. All data are "
        "synthetic. With --fail-over SECONDS the command exits with an error when the total elapsed time "
        "exceeds that many seconds."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--fail-over", type=float, default=None, dest="fail_over")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 1 <= options["rows"] <= 5000:
            raise CommandError("--rows must be between 1 and 5000 (the import limit).")
        with tempfile.TemporaryDirectory(prefix="lbc-import-benchmark-") as directory:
            timings = run(options["rows"], Path(directory), seed=options["seed"])
        self.stdout.write(f"Synthetic data: {timings.rows} rows imported into a throwaway SQLite database.")
        self.stdout.write(f"{'phase':>9} {'elapsed':>9} {'CPU':>9}")
        for phase in PHASES:
            self.stdout.write(
                f"{phase:>9} {timings.wall[phase] * 1000:6.0f} ms {timings.cpu[phase] * 1000:6.0f} ms"
            )
        total, cpu = sum(timings.wall.values()), sum(timings.cpu.values())
        self.stdout.write(f"{'total':>9} {total * 1000:6.0f} ms {cpu * 1000:6.0f} ms")
        tiers = ", ".join(f"{t} {timings.tiers[t]}" for t in TIER_ORDER if t in timings.tiers)
        self.stdout.write(
            f"created {timings.created} assessments ({tiers}); {timings.problems} report entries"
        )
        if timings.created != timings.rows:
            raise CommandError(f"Only {timings.created} of {timings.rows} rows were imported.")
        if options["fail_over"] is not None and total > options["fail_over"]:
            raise CommandError(f"Total {total:.2f} s exceeds {options['fail_over']:.2f} s.")
