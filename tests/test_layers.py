"""Layers point down: the core imports no satellite, screening imports no training (import-linter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from django.conf import settings


def test_the_import_contracts_in_pyproject_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=settings.BASE_DIR, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
