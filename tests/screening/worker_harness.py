"""Separate processes for the worker tests (tests/screening/test_worker_processes.py), on a SQLite file.

    python -m tests.screening.worker_harness world INSTANT         the test world (synthetic), once migrated
    python -m tests.screening.worker_harness upload INSTANT        upload a one-row file; prints the batch id
    python -m tests.screening.worker_harness worker INSTANT GATE   run_worker; each check waits at GATE
    python -m tests.screening.worker_harness stale-retry INSTANT BATCH   what the batch page shows, then 重试

Every process runs at the test's instant (the clock ticks from there). The worker's checks touch
GATE/started and wait for GATE/go before reading the file, so a test can act while a check is running.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import django
import time_machine


def _world() -> None:
    from tests.conftest import build_world
    from tests.screening.test_imports_data import grant_consent

    world = build_world()
    grant_consent(world.c1b)


def _upload() -> None:
    from django.contrib.auth import get_user_model

    from lbc.models import Child
    from screening.imports.batches import start_import
    from screening.models import Campaign
    from tests.screening.test_imports_data import header, row_for, xlsx_bytes

    campaign = Campaign.objects.get(school__name="一乡中心学校")
    counsellor = get_user_model().objects.get(username="counsellor")
    child = Child.objects.get(given_name="小明", school=campaign.school)
    data = xlsx_bytes(header(campaign), [row_for(child)])
    batch = start_import(campaign, "合成数据-五年级.xlsx", data, by=counsellor)
    print(json.dumps({"batch": batch.pk}))


def _worker(gate: Path) -> None:
    from django.core.management import call_command

    from screening.imports import processing

    original = processing.validate_file

    def gated(batch: Any, progress: bool = False) -> Any:
        (gate / "started").touch()
        while not (gate / "go").exists():
            time.sleep(0.02)
        return original(batch, progress)

    processing.validate_file = gated
    call_command("run_worker", "--queue-name", "*", "--interval", "0.1", "--no-startup-delay")


def _stale_retry(batch_id: int) -> None:
    from screening.imports import batches, processing
    from screening.models import ImportBatch

    batch = ImportBatch.objects.select_related("uploaded_by").get(pk=batch_id)
    processing.fail_if_stale(batch)  # what the batch page does when it is opened
    shown = {"status": batch.status, "retry": processing.retry_step(batch, processing.load_report(batch))}
    step = batches.retry_import(batch, by=batch.uploaded_by)
    print(json.dumps({"shown": shown, "retried": step}))


def main(argv: list[str]) -> None:
    command, instant = argv[0], dt.datetime.fromisoformat(argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lbc.settings")
    with time_machine.travel(instant, tick=True):
        django.setup()
        if command == "world":
            _world()
        elif command == "upload":
            _upload()
        elif command == "worker":
            _worker(Path(argv[2]))
        elif command == "stale-retry":
            _stale_retry(int(argv[2]))
        else:
            raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
