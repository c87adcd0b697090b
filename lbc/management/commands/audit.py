from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lbc.audit import verify_chain
from lbc.audit_anchor import anchor_head, anchor_path, verify_anchors
from lbc.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Audit log tools. 'verify' recomputes the whole keyed hash chain and checks every head anchored in "
        "LBC_AUDIT_ANCHOR_FILE still exists unchanged; it exits non-zero at the first broken link or anchor "
        "(--no-anchor checks the chain alone). 'anchor' appends the current head to the anchor file (what "
        "run_periodic does every minute). 'child PUBLIC_ID' lists who read or changed that child. 'user "
        "USERNAME' lists what that user read or changed. Only 'anchor' writes, and only to the anchor file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify")
        verify.add_argument("--no-anchor", action="store_true", help="check the chain alone")
        sub.add_parser("anchor")
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
            if options["no_anchor"]:
                return
            anchors = verify_anchors()
            if not anchors.ok:
                raise CommandError(f"Audit anchor check failed: {anchors.problem}.")
            self.stdout.write(f"Anchors match: {anchors.anchors} anchored heads found unchanged.")
            return
        if action == "anchor":
            done = "Anchored the head" if anchor_head(timezone.now()) else "Head already anchored"
            self.stdout.write(f"{done} in {anchor_path()}.")
            return
        events = AuditEvent.objects.order_by("-id")
        events = events.filter(child_id=options["public_id"]) if action == "child" else events.filter(
            actor_username=options["username"])
        rows = list(events[: options["limit"]])
        for e in rows:
            self.stdout.write(f"{e.at:%Y-%m-%d %H:%M:%S} {e.actor_username or '-'} {e.action} "
                              f"{e.object_type}:{e.object_id} child={e.child_id or '-'}")
        self.stdout.write(f"{len(rows)} event(s).")
