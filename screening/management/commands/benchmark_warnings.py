"""Measure the township supervisor's warning page on the synthetic demo county."""

from __future__ import annotations

import statistics
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from lbc.demo.constants import COUNTY_CODE
from lbc.demo.personas import demo_username
from lbc.demo.seed import seed_demo_county
from lbc.models import Child, Region, Role
from screening.access import warnings_for

STATIC_BACKEND = "django.contrib.staticfiles.storage.StaticFilesStorage"


def _median_ms(client: Client, url: str, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Command(BaseCommand):
    help = (
        "Uses the demo county when the database holds it; otherwise seeds it (demo mode only, into an EMPTY "
        "throwaway database) with --children children. Then requests the warning list of the demo township "
        "supervisor (and of the demo county administrator) --repeat times through the whole middleware stack "
        "and prints the number of open warnings in scope and the median "
        "milliseconds, next to the home page's as a baseline of the middleware stack. Reads only; all data "
        "are synthetic."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=6000)
        parser.add_argument("--repeat", type=int, default=30)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if not Region.objects.filter(code=COUNTY_CODE).exists():
            if Child.objects.exists():
                raise CommandError("The database holds children but no demo county; use an empty database.")
            started = time.perf_counter()
            seed_demo_county(seed=options["seed"], children=options["children"])
            self.stdout.write(f"Synthetic county seeded in {time.perf_counter() - started:.1f} s.")
        users = get_user_model().objects.in_bulk(
            [demo_username(r) for r in (Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_ADMIN)], field_name="username"
        )
        self.stdout.write(f"{'page':32} {'open':>6} {'median ms':>10} {'home ms':>8} ({connection.vendor})")
        for username in sorted(users):
            self._measure(username, users[username], options["repeat"])

    def _measure(self, label: str, user: Any, repeat: int) -> None:
        open_warnings = warnings_for(user).exclude(state="closed").count()
        # The page as the server renders it, minus the hashed static manifest (built by collectstatic).
        storages = {**settings.STORAGES, "staticfiles": {"BACKEND": STATIC_BACKEND}}
        with override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False, STORAGES=storages):
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            url = reverse("screening:warning-list")
            client.get(url)  # warm-up
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{label}: HTTP {response.status_code}")
            median = _median_ms(client, url, repeat)
            home = _median_ms(client, reverse("lbc:home"), repeat)
        self.stdout.write(f"{label:32} {open_warnings:>6} {median:>10.1f} {home:>8.1f}")
