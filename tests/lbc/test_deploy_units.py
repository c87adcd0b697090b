"""The systemd units in deploy/ name commands and options that exist, and restart what must stay up."""

from __future__ import annotations

import configparser
import runpy
import shlex
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    assert parser.read(DEPLOY / name, encoding="utf-8") == [str(DEPLOY / name)]
    return parser


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def manage_args(argv: list[str]) -> list[str]:
    """The arguments after manage.py, checked to parse with the command's own parser."""
    assert argv[0].endswith("/.venv/bin/python") and argv[1] == "manage.py", argv
    command, options = argv[2], argv[3:]
    assert command in get_commands(), f"{command} is not a management command"
    parser = load_command_class(get_commands()[command], command).create_parser("manage.py", command)
    parser.parse_args(options)  # exits (SystemExit) on an option that no longer exists
    return argv[2:]


@pytest.mark.parametrize("name", ["lbc-web.service", "lbc-worker.service"])
def test_the_long_running_services_are_always_restarted(name: str) -> None:
    service = unit(name)["Service"]
    assert service["Restart"] == "always"
    assert int(service["RestartSec"]) <= 10
    assert service["StartLimitIntervalSec"] == "0"  # never give up after a burst of restarts
    assert service["User"] != "root"
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


def gunicorn_settings() -> dict[str, Any]:
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_the_web_service_runs_gunicorn_on_the_projects_wsgi_application() -> None:
    argv = exec_start("lbc-web.service")
    assert argv[0].endswith("/.venv/bin/gunicorn") and argv[1] == settings.WSGI_APPLICATION.rsplit(".", 1)[0]
    assert argv[argv.index("--config") + 1] == "/opt/lbc/deploy/gunicorn.conf.py"
    assert gunicorn_settings()["bind"].startswith("127.0.0.1:")


def test_the_access_log_never_records_a_query_string() -> None:
    """A name searched in a URL must not reach a log file: the path only, not the request line."""
    from gunicorn.config import Config

    config = Config()
    for key, value in gunicorn_settings().items():
        if key in config.settings:
            config.set(key, value)
    log_format = config.access_log_format
    assert "%(U)s" in log_format
    assert not any(atom in log_format for atom in ("%(r)s", "%(q)s", "%({query_string}e)s"))
    assert config.accesslog == "-"


def test_the_worker_service_runs_the_resilient_worker_on_every_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as in production
    args = manage_args(exec_start("lbc-worker.service"))
    assert args[0] == "run_worker"  # not django-tasks-db's db_worker, which dies on a locked database
    assert args[args.index("--queue-name") + 1] == "*"


def test_the_periodic_jobs_run_one_round_a_minute_from_a_timer() -> None:
    service = unit("lbc-periodic.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service.get("Restart", "no") in ("no", "on-failure")  # systemd refuses "always" on a oneshot
    assert manage_args(exec_start("lbc-periodic.service")) == ["run_periodic", "--once"]
    timer = unit("lbc-periodic.timer")
    assert timer["Timer"]["Unit"] == "lbc-periodic.service"
    assert timer["Timer"]["OnUnitInactiveSec"] == "60s"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_every_unit_is_described_in_the_deploy_readme() -> None:
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    units = sorted(p.name for p in DEPLOY.iterdir() if p.suffix in (".service", ".timer"))
    assert units == ["lbc-periodic.service", "lbc-periodic.timer", "lbc-web.service", "lbc-worker.service"]
    assert all(name in readme for name in units)
    assert all("EnvironmentFile" in unit(name)["Service"] for name in units if name.endswith(".service"))
