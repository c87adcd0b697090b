"""Measure scoped list queries against per-object grant queries on one synthetic county."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from guardian.shortcuts import get_objects_for_user

from lbc import access
from lbc.demo.personas import demo_username
from lbc.demo.seed import seed_demo_county
from lbc.models import Child, ChildGrant, Role

PAGE = 50


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Median milliseconds of ``repeat`` runs (after one warm-up run)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


class Command(BaseCommand):
    help = (
        "Seed a synthetic county (demo mode only, into an EMPTY database: use a throwaway LBC_VAR_DIR or "
        "DATABASE_URL) with --children children, then print median milliseconds for: the first list page "
        "and the count of each demo role's scoped children (lbc.access.children_for), one child's rights, "
        "and the same page reached through per-object grants (ChildGrant rows for every child of one "
        "township) both through lbc.access and through django-guardian's get_objects_for_user. "
        "All data are synthetic."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        if Child.objects.exists():
            raise CommandError("The database already holds children; use an empty throwaway database.")
        started = time.perf_counter()
        seed_demo_county(seed=options["seed"], children=options["children"])
        self.stdout.write(f"Synthetic county seeded: {Child.objects.count():,} children in "
                          f"{time.perf_counter() - started:.1f} s ({connection.vendor}).")
        repeat = options["repeat"]
        rows: list[tuple[str, int, float, float]] = []
        users = get_user_model().objects.in_bulk(
            [demo_username(r) for r in (Role.COUNTY_ADMIN, Role.TOWNSHIP_SUPERVISOR, Role.COUNSELLOR)],
            field_name="username",
        )
        for username in sorted(users):
            rows.append(self._measure(f"scope of {username}", self._scoped(users[username]), repeat))
        grantee, township_children = self._grant_one_township(users[demo_username(Role.TOWNSHIP_SUPERVISOR)])
        rows.append(self._measure("grants via lbc.access", lambda: access.children_for(grantee), repeat))
        rows.append(self._measure(
            "grants via guardian get_objects_for_user",
            lambda: get_objects_for_user(grantee, "lbc.volunteer_child", klass=Child, use_groups=False,
                                         with_superuser=False, accept_global_perms=False),
            repeat,
        ))
        self.stdout.write(f"{'path':45} {'children':>9} {'page ms':>8} {'count ms':>9}")
        for name, n, page_ms, count_ms in rows:
            self.stdout.write(f"{name:45} {n:>9,} {page_ms:>8.2f} {count_ms:>9.2f}")
        some = Child.objects.filter(township_id=township_children[0]).first()
        assert some is not None
        supervisor = users[demo_username(Role.TOWNSHIP_SUPERVISOR)]
        one = timed(lambda: access.get_child_for_user(supervisor, some.public_id), repeat)
        self.stdout.write(f"one child's file access check (get_child_for_user): {one:.2f} ms")
        by_name = {r[0]: r for r in rows}
        scoped = by_name[f"scope of {demo_username(Role.TOWNSHIP_SUPERVISOR)}"]
        for name in ("grants via lbc.access", "grants via guardian get_objects_for_user"):
            granted = by_name[name]
            self.stdout.write(
                f"{name} / region scope of the same township: page {granted[2] / scoped[2]:.1f}x, "
                f"count {granted[3] / scoped[3]:.1f}x"
            )

    @staticmethod
    def _scoped(user: Any) -> Callable[[], Any]:
        return lambda: access.children_for(user)

    def _measure(self, name: str, qs: Callable[[], Any], repeat: int) -> tuple[str, int, float, float]:
        def page() -> None:
            list(qs().order_by("family_name", "given_name", "pk")[:PAGE])

        count = qs().count()
        return name, count, timed(page, repeat), timed(lambda: qs().count(), repeat)

    @transaction.atomic
    def _grant_one_township(self, supervisor: Any) -> tuple[Any, list[int | None]]:
        """A volunteer-like user with one grant row per child of the supervisor's township."""
        township_id = access.scope_of(supervisor).memberships[0].region_id
        grantee = get_user_model().objects.create_user(username="benchmark_grantee")
        perm = Permission.objects.get(codename="volunteer_child", content_type__app_label="lbc")
        ids = list(Child.objects.filter(township_id=township_id).values_list("pk", flat=True))
        ChildGrant.objects.bulk_create(
            [ChildGrant(user=grantee, permission=perm, content_object_id=pk) for pk in ids], batch_size=2000
        )
        return grantee, [township_id]
