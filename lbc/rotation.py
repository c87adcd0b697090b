"""Key rotation: re-encrypt stored values and rebuild blind indexes under the active keys.

The rotation procedure, without downtime:

1. Add the new key to the key file and make it the active one; keep the old key in the file.
   (For the blind index, add a new blind-index key and make it active the same way.)
2. Restart every application process. New and edited values are now written under the new key;
   old values stay readable under the old one, and search looks under every blind-index key.
3. ``manage.py rotate_keys`` re-encrypts every stored value still under another key.
4. ``manage.py rotate_keys --blind-index`` rebuilds every blind index still under another key.
5. ``manage.py rotate_keys --retire OLDKEY`` deletes the old key's canary; it refuses while any value
   or index still uses that key (add ``--dry-run`` to only ask). Start-up creates canaries for active
   keys only, so a restart between this step and the next does not bring the canary back.
   Files sealed with ``crypto.encrypt_bytes`` under MEDIA_ROOT (uploads waiting for their import) are
   re-encrypted by step 3 as well and counted by this step; they are deleted within days anyway.
6. Remove the old key from the key file and restart. Keep a backup of the old key file as long as
   backups of the database made before the rotation are kept: they can only be read with it.

Every batch runs in its own short transaction and every write is a compare-and-swap on the stored
text read before: a value someone edited meanwhile is never overwritten. Such rows are counted as
skipped; the edit itself was written under the active key, and a second run picks up any that were not.
Each run writes one audit event with counts only (never values).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models.functions import Cast, Substr

from lbc import audit, crypto
from lbc.models import Child, Guardian, KeyCanary, Parent

ENCRYPTION = "encryption"
BLIND_INDEX = "blind_index"
Row = tuple[Any, ...]  # (pk, stored text, ...)


class RotationError(Exception):
    """A stored value could not be rotated (its key is missing or the value is damaged)."""


class RetirementRefused(Exception):
    """The key is still active or still in use, or there is nothing to retire."""


@dataclass(frozen=True)
class EncryptedColumn:
    table: str
    column: str
    pk_column: str
    context: str

    @property
    def label(self) -> str:
        return f"{self.table}.{self.column}"


@dataclass(frozen=True)
class BlindIndexColumn:
    model: type[models.Model]
    value_field: str
    index_field: str
    purpose: str
    normalise: Callable[[str], str]

    @property
    def label(self) -> str:
        return f"{self.model._meta.db_table}.{self.index_field}"


@dataclass
class ColumnCount:
    label: str
    found: int = 0
    rotated: int = 0
    skipped: int = 0
    remaining: int = 0


@dataclass
class RotationReport:
    kind: str
    active: str
    dry_run: bool
    columns: list[ColumnCount] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(c, name) for c in self.columns)

    def audit_detail(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "active_key": self.active, "found": self.total("found"),
            "rotated": self.total("rotated"), "skipped": self.total("skipped"),
            "remaining": self.total("remaining"),
            "columns": {c.label: {k: v for k, v in asdict(c).items() if k != "label"} for c in self.columns},
        }


def encrypted_columns() -> list[EncryptedColumn]:
    """Every EncryptedTextField column of every installed model, once per table and column."""
    found: dict[tuple[str, str], EncryptedColumn] = {}
    for _model, enc_field in crypto.encrypted_fields(apps.get_models()):
        owner = enc_field.model  # the model whose table holds the column (proxies share it)
        table = owner._meta.db_table
        column = EncryptedColumn(table, enc_field.column, owner._meta.pk.column, enc_field.context())
        found.setdefault((table, enc_field.column), column)
    return sorted(found.values(), key=lambda c: c.label)


def blind_index_columns() -> list[BlindIndexColumn]:
    return [
        BlindIndexColumn(Child, "id_number", "id_number_index", "id_number", crypto.normalise_id_number),
        BlindIndexColumn(Guardian, "phone", "phone_index", "phone", crypto.normalise_phone),
        BlindIndexColumn(Parent, "phone", "phone_index", "phone", crypto.normalise_phone),
    ]


def _token_prefix(key_id: str) -> str:
    return f"{crypto.PREFIX}:{key_id}:"


def _index_prefix(key_id: str) -> str:
    return f"{key_id}$"


# --- encrypted values ---------------------------------------------------------------------------

def read_encrypted_batch(col: EncryptedColumn, active: str, after_pk: Any, size: int) -> list[Row]:
    """(pk, raw ciphertext) of the next rows whose value is not under ``active``, in pk order.

    Read with a plain cursor: the field's from_db_value would decrypt.
    """
    q = connection.ops.quote_name
    t, c, pk = q(col.table), q(col.column), q(col.pk_column)
    prefix = _token_prefix(active)
    where = f"{c} IS NOT NULL AND {c} <> '' AND SUBSTR({c}, 1, %s) <> %s"
    params: list[Any] = [len(prefix), prefix]
    if after_pk is not None:
        where += f" AND {pk} > %s"
        params.append(after_pk)
    with connection.cursor() as cur:
        cur.execute(f"SELECT {pk}, {c} FROM {t} WHERE {where} ORDER BY {pk} LIMIT %s",  # noqa: S608  # nosec B608
                    [*params, size])
        return [(row[0], row[1]) for row in cur.fetchall()]


def swap_encrypted_value(col: EncryptedColumn, pk: Any, old: str, new: str) -> bool:
    """Write ``new`` only if the row still holds ``old``; False when someone changed it meanwhile."""
    q = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {q(col.table)} SET {q(col.column)} = %s "  # noqa: S608  # nosec B608
            f"WHERE {q(col.pk_column)} = %s AND {q(col.column)} = %s",
            [new, pk, old],
        )
        return cur.rowcount == 1


def count_encrypted_under(col: EncryptedColumn, key_id: str, *, other_than: bool) -> int:
    """Values under ``key_id`` (or, with ``other_than``, under any other key) in one column."""
    q = connection.ops.quote_name
    c = q(col.column)
    prefix = _token_prefix(key_id)
    op = "<>" if other_than else "="
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT COUNT(*) FROM {q(col.table)} "  # noqa: S608  # nosec B608
            f"WHERE {c} IS NOT NULL AND {c} <> '' AND SUBSTR({c}, 1, %s) {op} %s",
            [len(prefix), prefix],
        )
        return int(cur.fetchone()[0])


def _reencrypt(col: EncryptedColumn, pk: Any, token: str) -> str:
    try:
        return crypto.encrypt(crypto.decrypt(token, col.context), col.context)
    except crypto.DecryptionError as exc:
        raise RotationError(f"{col.label} row {pk}: {exc}") from None


def _rotate_column(col: EncryptedColumn, active: str, batch_size: int, dry_run: bool) -> ColumnCount:
    count = _rotate_batches(
        col.label, dry_run,
        read=lambda after: read_encrypted_batch(col, active, after, batch_size),
        renew=lambda row: _reencrypt(col, row[0], row[1]),
        swap=lambda pk, old, new: swap_encrypted_value(col, pk, old, new),
    )
    count.remaining = count_encrypted_under(col, active, other_than=True)
    return count


def rotate_encrypted_values(*, batch_size: int = 500, dry_run: bool = False) -> RotationReport:
    """Re-encrypt, under the active encryption key, every stored value and sealed file under another key."""
    report = RotationReport(ENCRYPTION, crypto.keys().encryption.active, dry_run)
    columns = encrypted_columns()
    steps = [partial(_rotate_column, c, report.active, batch_size, dry_run) for c in columns]
    _run(report, [*steps, partial(rotate_encrypted_files, report.active, dry_run)])
    return report


# --- sealed files ---------------------------------------------------------------------------------

FILES_LABEL = "files under MEDIA_ROOT"
HEADER_BYTES = len(crypto.FILE_MAGIC) + 1 + 255


def sealed_files() -> Iterator[tuple[Path, str]]:
    """(path, key id) of every file under MEDIA_ROOT sealed with ``crypto.encrypt_bytes``."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        try:
            with path.open("rb") as fh:
                head = fh.read(HEADER_BYTES)
        except (IsADirectoryError, FileNotFoundError, PermissionError):
            continue
        if head.startswith(crypto.FILE_MAGIC):
            try:
                yield path, crypto.file_key_id(head)
            except crypto.DecryptionError as exc:
                raise RotationError(f"{path.relative_to(root)}: {exc}") from None


def file_context(path: Path) -> str:
    """A sealed file's associated data: its path under MEDIA_ROOT (as ``encrypt_bytes`` was given it)."""
    return path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()


def rotate_encrypted_files(active: str, dry_run: bool = False) -> ColumnCount:
    """Re-encrypt each sealed file under another key: written beside it, then swapped in atomically.

    A file deleted meanwhile (its import committed or purged) is counted as skipped and not recreated.
    """
    count = ColumnCount(FILES_LABEL)
    for path, key_id in sealed_files():
        if key_id == active:
            continue
        count.found += 1
        if dry_run:
            continue
        try:
            plain = crypto.decrypt_bytes(path.read_bytes(), file_context(path))
        except FileNotFoundError:
            count.skipped += 1
            continue
        except crypto.DecryptionError as exc:
            raise RotationError(f"{file_context(path)}: {exc}") from None
        sealed = crypto.encrypt_bytes(plain, file_context(path))
        spare = path.with_name(f".{secrets.token_hex(8)}.rotating")
        try:
            fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:  # the folder went with its import
            count.skipped += 1
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
        if path.exists():
            os.replace(spare, path)
            count.rotated += 1
        else:
            spare.unlink(missing_ok=True)
            count.skipped += 1
    count.remaining = sum(1 for _path, key_id in sealed_files() if key_id != active)
    return count


def files_under(key_id: str) -> int:
    return sum(1 for _path, kid in sealed_files() if kid == key_id)


# --- blind indexes ------------------------------------------------------------------------------

def read_index_batch(col: BlindIndexColumn, active: str, after_pk: Any, size: int) -> list[Row]:
    """(pk, stored index, raw ciphertext of the value) of the next rows whose index is not under ``active``.

    The value is read as plain text (a Cast skips the field's decryption) and decrypted per row, so a
    value that does not decrypt stops the run with its table and row instead of failing the whole batch.
    """
    prefix = _index_prefix(active)
    qs = (
        col.model._base_manager.exclude(**{f"{col.index_field}__isnull": True})
        .exclude(**{col.index_field: ""})
        .annotate(index_prefix=Substr(col.index_field, 1, len(prefix)))
        .exclude(index_prefix=prefix)  # an exact comparison: LIKE would ignore case on SQLite
    )
    if after_pk is not None:
        qs = qs.filter(pk__gt=after_pk)
    qs = qs.annotate(raw_value=Cast(col.value_field, output_field=models.TextField()))
    return list(qs.order_by("pk").values_list("pk", col.index_field, "raw_value")[:size])


def swap_index(col: BlindIndexColumn, pk: Any, old: str, new: str) -> bool:
    """Write ``new`` only if the row still holds index ``old``; False when it changed meanwhile."""
    manager = col.model._base_manager
    return manager.filter(pk=pk, **{col.index_field: old}).update(**{col.index_field: new}) == 1


def count_indexes_under(col: BlindIndexColumn, key_id: str, *, other_than: bool) -> int:
    prefix = _index_prefix(key_id)
    qs = (
        col.model._base_manager.exclude(**{f"{col.index_field}__isnull": True})
        .exclude(**{col.index_field: ""})
        .annotate(index_prefix=Substr(col.index_field, 1, len(prefix)))
    )
    return (qs.exclude(index_prefix=prefix) if other_than else qs.filter(index_prefix=prefix)).count()


def _plaintext(col: BlindIndexColumn, pk: Any, raw: str | None) -> str:
    if not raw:
        return ""
    value_field = col.model._meta.get_field(col.value_field)
    assert isinstance(value_field, crypto.EncryptedTextField)
    try:
        return crypto.decrypt(raw, value_field.context())
    except crypto.DecryptionError as exc:
        raise RotationError(f"{col.label} row {pk}: {exc}") from None


def _rotate_index(col: BlindIndexColumn, active: str, batch_size: int, dry_run: bool) -> ColumnCount:
    count = _rotate_batches(
        col.label, dry_run,
        read=lambda after: read_index_batch(col, active, after, batch_size),
        renew=lambda row: crypto.blind_index(col.normalise(_plaintext(col, row[0], row[2])), col.purpose),
        swap=lambda pk, old, new: swap_index(col, pk, old, new),
    )
    count.remaining = count_indexes_under(col, active, other_than=True)
    return count


def rotate_blind_indexes(*, batch_size: int = 500, dry_run: bool = False) -> RotationReport:
    """Recompute, under the active blind-index key, every index built under another key."""
    report = RotationReport(BLIND_INDEX, crypto.keys().blind_index.active, dry_run)
    columns = blind_index_columns()
    _run(report, [partial(_rotate_index, c, report.active, batch_size, dry_run) for c in columns])
    return report


# --- shared -------------------------------------------------------------------------------------

def _rotate_batches(
    label: str, dry_run: bool, *, read: Callable[[Any], list[Row]],
    renew: Callable[[Row], str], swap: Callable[[Any, str, str], bool],
) -> ColumnCount:
    """Read rows (pk, old stored text, ...) in pk order; compute new texts; compare-and-swap each."""
    count = ColumnCount(label)
    after: Any = None
    while rows := read(after):
        after = rows[-1][0]
        count.found += len(rows)
        if dry_run:
            continue
        fresh = [(row[0], row[1], renew(row)) for row in rows]  # outside the transaction: keep it short
        with transaction.atomic():
            for pk, old, new in fresh:
                if swap(pk, old, new):
                    count.rotated += 1
                else:
                    count.skipped += 1
    return count


def _run(report: RotationReport, steps: list[Callable[[], ColumnCount]]) -> None:
    """Run each column's step; record the counts in the audit log even when a step fails."""
    try:
        for step in steps:
            report.columns.append(step())
    except RotationError:
        if not report.dry_run:
            audit.record("lbc.keys.rotated", detail={**report.audit_detail(), "completed": False})
        raise
    if not report.dry_run:
        audit.record("lbc.keys.rotated", detail={**report.audit_detail(), "completed": True})


# --- retiring an old key ------------------------------------------------------------------------

@dataclass
class RetireReport:
    key_id: str
    kinds: list[str]
    dry_run: bool


def key_usage(key_id: str) -> dict[str, int]:
    """How many stored values (per column) still use ``key_id``, as encryption or blind-index key."""
    usage = {c.label: count_encrypted_under(c, key_id, other_than=False) for c in encrypted_columns()}
    usage.update({c.label: count_indexes_under(c, key_id, other_than=False) for c in blind_index_columns()})
    usage[FILES_LABEL] = files_under(key_id)
    return {label: n for label, n in usage.items() if n}


def retire_key(key_id: str, *, dry_run: bool = False) -> RetireReport:
    """Delete the canaries of ``key_id`` once no stored value uses it, so it can leave the key file."""
    canaries = KeyCanary.objects.filter(key_id=key_id)
    kinds = sorted(set(canaries.values_list("kind", flat=True)))
    if not kinds:
        raise RetirementRefused(f"No key {key_id!r} is recorded as used for stored data; nothing to retire.")
    ring = crypto.keys()
    if (ENCRYPTION in kinds and ring.encryption.active == key_id) or (
            BLIND_INDEX in kinds and ring.blind_index.active == key_id):
        raise RetirementRefused(f"Key {key_id!r} is the active key; make another key active first.")
    usage = key_usage(key_id)
    if usage:
        detail = ", ".join(f"{label}: {n}" for label, n in sorted(usage.items()))
        raise RetirementRefused(f"Key {key_id!r} is still used by {sum(usage.values())} value(s) ({detail}). "
                                "Run rotate_keys (and rotate_keys --blind-index) first.")
    if not dry_run:
        with transaction.atomic():
            canaries.delete()
            audit.record("lbc.keys.retired", detail={"key_id": key_id, "kinds": kinds})
    return RetireReport(key_id, kinds, dry_run)
