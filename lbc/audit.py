"""Writing and verifying the append-only, hash-chained audit log.

A sensitive read calls ``record`` *before* the data is rendered; if the write fails the view fails,
so data is never shown without its audit event.

Each link is an HMAC-SHA256 of the previous link and the event under the audit key of the key file
(``lbc.crypto``): someone who can write to the database (triggers dropped on a copy, say) but cannot
read the key file cannot recompute the links after a change. Links written before the chain was keyed
are plain SHA-256 (``key_id`` NULL); once a keyed link appears, an unkeyed one after it is a break, so
a rewrite cannot fall back to plain hashes. Deleting the newest rows leaves a valid chain: the head is
therefore anchored outside the database (``lbc.audit_anchor``) and ``audit verify`` compares the two.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from lbc import crypto
from lbc.models import AuditEvent

GENESIS = "0" * 64
# One constant lock id for pg_advisory_xact_lock: writers queue so the chain stays linear.
_PG_LOCK_ID = 0x4C4243  # "LBC"
# Per thread, like the PostgreSQL session setting: a purge in one thread must not let another
# thread's connection delete audit rows on SQLite.
_maintenance = threading.local()


def _maintenance_depth() -> int:
    return int(getattr(_maintenance, "depth", 0))


def maintenance_enabled() -> int:
    return 1 if _maintenance_depth() > 0 else 0


@contextlib.contextmanager
def audit_maintenance() -> Iterator[None]:
    """Let this thread's connection delete audit rows (retention purge, test database flush). Nothing else."""
    _maintenance.depth = _maintenance_depth() + 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT set_config('lbc.audit_maintenance', 'on', false)")
    try:
        yield
    finally:
        depth = _maintenance.depth = _maintenance_depth() - 1
        if connection.vendor == "postgresql" and depth == 0 and connection.connection is not None:
            with connection.cursor() as cur:
                cur.execute("SELECT set_config('lbc.audit_maintenance', 'off', false)")


def canonical(
    *,
    at: dt.datetime,
    actor_id: int | None,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    child_id: str,
    detail: dict[str, Any],
    ip: str,
) -> str:
    return json.dumps(
        {
            "at": at.astimezone(dt.UTC).isoformat(),
            "actor_id": actor_id,
            "actor": actor_username,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "child_id": child_id,
            "detail": detail,
            "ip": ip,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def chain_hash(prev_hash: str, body: str, key_id: str | None = None) -> str:
    """The link of an event: HMAC under audit key ``key_id``, or plain SHA-256 for an unkeyed one."""
    data = f"{prev_hash}\n{body}".encode()
    if key_id is None:
        return hashlib.sha256(data).hexdigest()
    return crypto.audit_mac(data, key_id)[1]


def keyed_link(prev_hash: str, body: str) -> tuple[str, str]:
    """(key id, link) under the active audit key: how every new event is chained."""
    return crypto.audit_mac(f"{prev_hash}\n{body}".encode())


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def record(
    action: str,
    *,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: Any = None,
    child: Any = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. Raises if it cannot be written; callers must not show data then."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    fields: dict[str, Any] = {
        "at": timezone.now(),
        "actor_id": actor.pk if actor is not None else None,
        "actor_username": actor.get_username() if actor is not None else "",
        "action": action,
        "object_type": obj._meta.model_name if obj is not None else "",
        "object_id": str(getattr(obj, "public_id", getattr(obj, "pk", ""))) if obj is not None else "",
        "child_id": str(child.public_id) if child is not None else "",
        "detail": detail or {},
        "ip": client_ip(request),
    }
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_ID])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        prev = last or GENESIS
        key_id, link = keyed_link(prev, canonical(**fields))
        return AuditEvent.objects.create(**fields, prev_hash=prev, hash=link, key_id=key_id)


@dataclass
class VerifyResult:
    checked: int
    broken_at: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def canonical_of(event: AuditEvent) -> str:
    """The hashed body of a stored event, recomputed from its columns."""
    return canonical(
        at=event.at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        child_id=event.child_id,
        detail=event.detail,
        ip=event.ip,
    )


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    prev = GENESIS
    checked = 0
    keyed = False
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        body = canonical_of(event)
        if event.prev_hash != prev:
            return VerifyResult(
                checked, event.pk, "prev_hash does not match the previous event (row removed?)"
            )
        if keyed and event.key_id is None:
            return VerifyResult(checked, event.pk, "an unkeyed link after keyed ones (chain rewritten?)")
        try:
            expected = chain_hash(prev, body, event.key_id)
        except crypto.DecryptionError:
            return VerifyResult(checked, event.pk, f"unknown audit key {event.key_id!r} (chain rewritten?)")
        if not hmac.compare_digest(expected, event.hash):
            return VerifyResult(checked, event.pk, "content does not match its hash (row altered)")
        keyed = keyed or event.key_id is not None
        prev = event.hash
        checked += 1
    return VerifyResult(checked, None, "")
