from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lbc.crypto import new_key_file_content, write_key_file


class Command(BaseCommand):
    help = (
        "Write a new key file (one encryption key, one blind-index key, mode 0600) at PATH. "
        "Refuses to overwrite an existing file; with --if-missing an existing file is left as it is."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--if-missing", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if path.exists():
            if options["if_missing"]:
                self.stdout.write(f"Key file {path} exists; left unchanged.")
                return
            raise CommandError(f"{path} exists; refusing to overwrite keys (data would become unreadable).")
        write_key_file(path, new_key_file_content())
        self.stdout.write(f"Wrote new keys to {path}. Back this file up: without it the data cannot be read.")
