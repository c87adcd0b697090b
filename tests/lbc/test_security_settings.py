"""Deployment settings, headers and session limits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lbc.middleware import CSP, SESSION_STARTED

ROOT = Path(__file__).resolve().parents[2]


def run_manage(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("LBC_", "DATABASE_URL", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
        timeout=120, check=False,
    )


@pytest.fixture
def production_env(tmp_path: Path) -> dict[str, str]:
    keys = tmp_path / "keys.json"
    from lbc.crypto import new_key_file_content, write_key_file

    write_key_file(keys, new_key_file_content())
    return {
        "LBC_SECRET_KEY": "a-long-random-production-secret-" + "x" * 40,
        "LBC_KEY_FILE": str(keys),
        "LBC_VAR_DIR": str(tmp_path / "var"),
        "LBC_ALLOWED_HOSTS": "registry.example.org",
        "LBC_TESTING": "0",
    }


def test_it_passes_the_deployment_checklist_with_production_settings(production_env: dict[str, str]) -> None:
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], production_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_refuses_to_start_without_keys(production_env: dict[str, str]) -> None:
    env = {**production_env, "LBC_KEY_FILE": str(Path(production_env["LBC_VAR_DIR"]) / "missing.json")}
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "does not exist" in result.stderr


def test_it_refuses_to_start_without_a_secret_key(production_env: dict[str, str]) -> None:
    env = {k: v for k, v in production_env.items() if k != "LBC_SECRET_KEY"}
    result = run_manage(["check"], env)
    assert result.returncode != 0
    assert "LBC_SECRET_KEY" in result.stderr


def test_it_sends_a_strict_content_security_policy(client: Any, db: None) -> None:
    response = client.get("/login/")
    assert response["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "http" not in CSP
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_ends_a_session_after_the_absolute_limit(client: Any, world: Any, settings: Any) -> None:
    client.force_login(world.user("supervisor"))
    assert client.get("/children/").status_code == 200
    session = client.session
    session[SESSION_STARTED] = int(session[SESSION_STARTED]) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/children/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_it_expires_idle_sessions_after_thirty_minutes(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
