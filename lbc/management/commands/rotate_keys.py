"""``manage.py rotate_keys``: move stored data to the active keys, then retire the old ones.

Procedure: add the new key to the key file and make it active -> restart every process ->
``rotate_keys`` -> ``rotate_keys --blind-index`` -> ``rotate_keys --retire OLDKEY`` -> remove the old
key from the key file -> restart. See lbc/rotation.py for how each step avoids downtime and lost edits.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbc import crypto, keycheck, rotation


class Command(BaseCommand):
    help = (
        "Moves stored data to the active keys. Without options: selects every encrypted value (every "
        "EncryptedTextField column of every model) whose key id is not the active encryption key, and "
        "re-encrypts it under the active key. With --blind-index: selects the blind indexes "
        "lbc_child.id_number_index (purpose id_number) and lbc_guardian.phone_index and "
        "lbc_parent.phone_index (purpose phone) whose key id is not the active blind-index key, and "
        "recomputes them under the active key. Works in batches of --batch-size rows, each in a short "
        "transaction; each row is written only if it still holds the value read (an edit made meanwhile "
        "is kept and counted as skipped; run again to pick up any left). Prints, per column, the rows "
        "found under old keys, rotated, skipped and remaining, and writes one audit event "
        "lbc.keys.rotated with those counts. --dry-run only counts and changes nothing (no audit event). "
        "--retire KEYID deletes the key canaries of KEYID (writing audit event lbc.keys.retired) and "
        "nothing else, and refuses while KEYID is active or any value or index still uses it. "
        "Procedure: add the new key to the key file and make "
        "it active; restart every process; rotate_keys; rotate_keys --blind-index; rotate_keys --retire "
        "OLDKEY; remove the old key from the key file; restart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--blind-index", action="store_true",
                            help="Rebuild blind indexes instead of re-encrypting values.")
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per batch (default 500).")
        parser.add_argument("--dry-run", action="store_true", help="Count only; change nothing.")
        parser.add_argument("--retire", metavar="KEYID",
                            help="Delete the canary of this old key once nothing uses it.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        dry_run: bool = options["dry_run"]
        self._check_keys(dry_run)
        if options["retire"]:
            self._retire(options["retire"], dry_run)
            return
        rotate = rotation.rotate_blind_indexes if options["blind_index"] else rotation.rotate_encrypted_values
        try:
            report = rotate(batch_size=options["batch_size"], dry_run=dry_run)
        except rotation.RotationError as exc:
            raise CommandError(f"Rotation stopped: {exc}. Rows done so far keep their new key.") from None
        self._print(report)

    def _check_keys(self, dry_run: bool) -> None:
        """Refuse to touch data under a wrong or missing key; give the active keys their canaries."""
        if dry_run:
            problems = keycheck.verify_keys(create_missing=False)
            if problems:
                raise CommandError("; ".join(problems))
            return
        try:
            keycheck.ensure_keys_match()
        except crypto.KeyConfigurationError as exc:
            raise CommandError(str(exc)) from None

    def _retire(self, key_id: str, dry_run: bool) -> None:
        try:
            result = rotation.retire_key(key_id, dry_run=dry_run)
        except rotation.RetirementRefused as exc:
            raise CommandError(str(exc)) from None
        kinds = ", ".join(result.kinds)
        if dry_run:
            self.stdout.write(f"Dry run: key {key_id} ({kinds}) is no longer used and could be retired.")
            return
        self.stdout.write(f"Retired key {key_id} ({kinds}). Remove it from the key file now, then restart.")

    def _print(self, report: rotation.RotationReport) -> None:
        what = "blind indexes" if report.kind == rotation.BLIND_INDEX else "encrypted values"
        prefix = "Dry run: " if report.dry_run else ""
        self.stdout.write(f"{prefix}{what} to key {report.active}:")
        for c in report.columns:
            self.stdout.write(f"  {c.label}: {c.found} under old keys, {c.rotated} rotated, "
                              f"{c.skipped} skipped (changed meanwhile), {c.remaining} remaining")
        self.stdout.write(
            f"Total: {report.total('found')} found, {report.total('rotated')} rotated, "
            f"{report.total('skipped')} skipped, {report.total('remaining')} remaining."
        )
        if not report.dry_run and report.total("remaining"):
            self.stdout.write("Some values are still under old keys: run the command again.")
