from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbc.audit import verify_chain
from lbc.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Audit log tools. 'verify' recomputes the whole hash chain and exits non-zero at the first broken "
        "link. 'child PUBLIC_ID' lists who read or changed that child. 'user USERNAME' lists what that "
        "user read or changed. Reads only; changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify")
        child = sub.add_parser("child")
        child.add_argument("public_id")
        user = sub.add_parser("user")
        user.add_argument("username")
        for p in (child, user):
            p.add_argument("--limit", type=int, default=200)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "verify":
            result = verify_chain()
            if not result.ok:
                raise CommandError(
                    f"Audit chain broken at event {result.broken_at} after {result.checked} good events: "
                    f"{result.reason}."
                )
            self.stdout.write(f"Audit chain intact: {result.checked} events verified.")
            return
        events = AuditEvent.objects.order_by("-id")
        events = events.filter(child_id=options["public_id"]) if action == "child" else events.filter(
            actor_username=options["username"])
        rows = list(events[: options["limit"]])
        for e in rows:
            self.stdout.write(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor_username or '-'} {e.action} "
                              f"{e.object_type}:{e.object_id} child={e.child_id or '-'}")
        self.stdout.write(f"{len(rows)} event(s).")
