from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, connection


class Command(BaseCommand):
    help = "Connect to the configured database and fail loudly if it cannot be reached. Changes nothing."
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            connection.ensure_connection()
        except OperationalError as exc:
            raise CommandError(f"Database {connection.vendor} is unreachable: {exc}") from exc
        self.stdout.write(f"Database reachable: {connection.vendor}.")
