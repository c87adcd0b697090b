"""The audit chain's head, anchored outside the database.

The keyed chain (``lbc.audit``) shows any change to a row, but not the newest rows deleted: what is
left is still a valid chain. So the periodic job ``anchor_head`` appends the head (last id and its
link) to an append-only file, one JSON line each time the head has moved, each line signed with the
audit key. ``audit verify`` then checks that every anchored event still exists with the anchored link.

The file lives apart from the database (``LBC_AUDIT_ANCHOR_FILE``); a deployment makes it append-only
(``chattr +a``) or ships each line to a second system (syslog, a log collector) as it is written.
A head younger than the last anchor is covered by the next run (every minute under run_periodic).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from lbc import crypto
from lbc.models import AuditEvent


@dataclass(frozen=True)
class Anchor:
    at: str
    event_id: int
    link: str
    key_id: str
    mac: str

    def signed_part(self) -> bytes:
        return json.dumps([self.at, self.event_id, self.link], separators=(",", ":")).encode()


@dataclass
class AnchorResult:
    anchors: int
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def anchor_path() -> Path:
    return Path(settings.LBC_AUDIT_ANCHOR_FILE)


def read_anchors(path: Path) -> Iterator[Anchor | str]:
    """Each line as an Anchor, or a problem text for a line that is not one."""
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            try:
                raw = json.loads(line)
                yield Anchor(
                    str(raw["at"]), int(raw["id"]), str(raw["link"]), str(raw["key"]), str(raw["mac"])
                )
            except (ValueError, KeyError, TypeError):
                yield f"anchor line {number} is not a valid anchor"


def _last_anchor(path: Path) -> Anchor | None:
    if not path.exists():
        return None
    last = None
    for anchor in read_anchors(path):
        if isinstance(anchor, Anchor):
            last = anchor
    return last


def anchor_head(now: dt.datetime) -> int:
    """Append the chain's head to the anchor file if it moved since the last line; returns 1 or 0."""
    head = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
    if head is None:
        return 0
    path = anchor_path()
    last = _last_anchor(path)
    if last is not None and last.event_id == head[0]:
        return 0
    unsigned = Anchor(now.astimezone(dt.UTC).isoformat(), head[0], head[1], "", "")
    key_id, mac = crypto.audit_mac(unsigned.signed_part())
    line = json.dumps(
        {"at": unsigned.at, "id": head[0], "link": head[1], "key": key_id, "mac": mac}, separators=(",", ":")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return 1


def verify_anchors(path: Path | None = None) -> AnchorResult:
    """Every anchor line is signed by the audit key and its event is still there with the same link."""
    path = path or anchor_path()
    if not path.exists():
        return AnchorResult(0, f"no anchor file at {path}")
    anchors: list[Anchor] = []
    for anchor in read_anchors(path):
        if isinstance(anchor, str):
            return AnchorResult(len(anchors), anchor)
        problem = _signature_problem(anchor)
        if not problem and anchors and anchor.event_id < anchors[-1].event_id:
            problem = f"anchor of event {anchor.event_id} goes backwards"
        if problem:
            return AnchorResult(len(anchors), problem)
        anchors.append(anchor)
    ids = [a.event_id for a in anchors]
    stored: dict[int, str] = {}
    for start in range(0, len(ids), 1000):
        stored.update(AuditEvent.objects.filter(id__in=ids[start : start + 1000]).values_list("id", "hash"))
    for anchor in anchors:
        link = stored.get(anchor.event_id)
        if link is None:
            return AnchorResult(
                len(anchors), f"anchored event {anchor.event_id} is missing (rows deleted or truncated)"
            )
        if not hmac.compare_digest(link, anchor.link):
            return AnchorResult(len(anchors), f"anchored event {anchor.event_id} was rewritten")
    return AnchorResult(len(anchors))


def _signature_problem(anchor: Anchor) -> str:
    try:
        _kid, expected = crypto.audit_mac(anchor.signed_part(), anchor.key_id)
    except crypto.DecryptionError:
        return f"anchor of event {anchor.event_id} names an unknown audit key"
    if not hmac.compare_digest(expected, anchor.mac):
        return f"anchor of event {anchor.event_id} is not signed by the audit key"
    return ""
