"""The lock file pins every package by version and hash, and covers every declared dependency."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock.txt"
REQUIREMENT = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, list[str]]:
    """Each locked package with the hashes of its entry (an entry runs over continuation lines)."""
    entries: dict[str, list[str]] = {}
    current: str | None = None
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = REQUIREMENT.match(stripped)
        if match:
            current = canonical(match.group(1))
            entries[current] = HASH.findall(stripped)
        elif stripped.startswith("--hash=") and current is not None:
            entries[current] += HASH.findall(stripped)
        else:
            raise AssertionError(f"unexpected line in the lock file: {line!r}")
    return entries


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        specs += extra
    return {canonical(re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]) for spec in specs}


def test_every_locked_package_is_pinned_by_hash() -> None:
    entries = locked()
    assert len(entries) > 50
    unhashed = sorted(name for name, hashes in entries.items() if not hashes)
    assert not unhashed, f"locked without a hash (pip --require-hashes would refuse them): {unhashed}"


def test_every_declared_dependency_is_locked() -> None:
    missing = sorted(declared() - set(locked()))
    assert not missing, f"declared in pyproject.toml but not in requirements/lock.txt: {missing}"


def test_the_test_command_installs_with_hashes_and_runs_bandit() -> None:
    script = (ROOT / "dev").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements/lock.txt" in script
    assert re.search(r"bandit\" -c pyproject\.toml -r lbc screening training", script)
