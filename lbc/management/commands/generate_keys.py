from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbc.crypto import new_key_file_content, with_audit_key, write_key_file


class Command(BaseCommand):
    help = (
        "Write a new key file (one encryption key, one blind-index key, one audit-chain key, mode 0600) at "
        "PATH. Refuses to overwrite an existing file; with --if-missing an existing file keeps its keys and "
        "only gains an audit-chain key if it has none."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--if-missing", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if path.exists():
            if options["if_missing"]:
                added = with_audit_key(json.loads(path.read_text(encoding="utf-8")))
                if added is None:
                    self.stdout.write(f"Key file {path} exists; left unchanged.")
                else:
                    write_key_file(path, added)
                    self.stdout.write(f"Key file {path} exists; added an audit-chain key, others unchanged.")
                return
            raise CommandError(f"{path} exists; refusing to overwrite keys (data would become unreadable).")
        write_key_file(path, new_key_file_content())
        self.stdout.write(f"Wrote new keys to {path}. Back this file up: without it the data cannot be read.")
