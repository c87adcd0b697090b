"""Run the demo web server, the background task worker and the periodic jobs; stop them with the server."""

from __future__ import annotations

import contextlib
import signal
import subprocess  # nosec B404
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

from django.conf import settings

WORKER_STOP_SECONDS = 15
SERVER_STOP_SECONDS = 10

Popen = Callable[..., Any]


def manage_command(*args: str) -> list[str]:
    return [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]


def worker_command() -> list[str]:
    # django-tasks-db's worker made to outlive a busy database (lbc.management.commands.run_worker).
    return manage_command("run_worker", "--queue-name", "*")


def periodic_command() -> list[str]:
    # Escalations, reminders and notification delivery, every 30 seconds in the demo.
    return manage_command("run_periodic", "--interval", "30")


def server_command(port: int) -> list[str]:
    return manage_command("runserver", "--noreload", f"127.0.0.1:{port}")


def _stop(process: Any, timeout: float) -> None:
    """Ask politely (SIGTERM: the worker finishes its current task), then insist."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """A SIGTERM to this process unwinds like Ctrl-C, so the children are stopped too."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(port: int, *, popen: Popen = subprocess.Popen) -> int:
    """Start the worker and the periodic jobs, then the server; return the server's exit code (Ctrl-C)."""
    with _sigterm_as_exit():
        worker = popen(worker_command())
        periodic = popen(periodic_command())
        server = None
        try:
            server = popen(server_command(port))
            return int(server.wait())
        except KeyboardInterrupt:
            # Ctrl-C: the terminal sent it to the server and the worker as well; make sure both end.
            return 0
        finally:
            if server is not None:
                _stop(server, SERVER_STOP_SECONDS)
            _stop(periodic, WORKER_STOP_SECONDS)
            _stop(worker, WORKER_STOP_SECONDS)
