"""The background task worker: django-tasks-db's ``db_worker``, made to outlive a busy database.

The library's loop dies on a locked SQLite database while it claims a task (the exclusive
transaction is opened outside its error handling), on any other OperationalError, and when marking
a finished task fails; a dead worker leaves every later upload waiting. Here the loop catches
transient database errors, logs them, closes the broken connection, waits with backoff and goes on;
the result of a task that ran is written with retries. A supervisor (deploy/lbc-worker.service,
Restart=always) restarts the process after anything else, including SIGKILL.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError
from django_tasks_db.compat import TaskContext, task_finished, task_started
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from lbc.transient import backoff_seconds, close_broken_connection, is_transient, retry_transient

logger = logging.getLogger("lbc.worker")
LOOP_BACKOFF_BASE = 1.0
LOOP_BACKOFF_CAP = 60.0
HEALTHY_AFTER = 300.0  # seconds without an error after which the backoff starts again from the base


class ResilientWorker(db_worker.Worker):
    def __init__(self, *args: Any, sleep: Any = time.sleep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sleep = sleep

    def run(self) -> None:
        failures = 0
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks: the library's own reasons to stop
            except (OperationalError, InterfaceError) as exc:
                if time.monotonic() - started > HEALTHY_AFTER:
                    failures = 0
                failures += 1
                delay = backoff_seconds(failures, base=LOOP_BACKOFF_BASE, cap=LOOP_BACKOFF_CAP)
                kind = "transient" if is_transient(exc) else "unexpected"
                logger.error(
                    "worker %s: %s database error (%s); retrying in %.1f s",
                    self.worker_id, kind, str(exc)[:200], delay,
                )
                close_broken_connection()
                self.startup_delay = False
                self._sleep(delay)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Run the task, then record its outcome; the recording survives a busy database."""
        try:
            self.running_task = True
            task = db_task_result.task
            task_result = db_task_result.task_result
            backend_type = task.get_backend()
            task_started.send(sender=backend_type, task_result=task_result)
            if task.takes_context:
                context = TaskContext(task_result=task_result)
                value = task.call(context, *task_result.args, **task_result.kwargs)
            else:
                value = task.call(*task_result.args, **task_result.kwargs)
        except BaseException as exc:  # the library records every failure, KeyboardInterrupt included
            failure = exc
            self._record(db_task_result, lambda: db_task_result.set_failed(failure))
            try:
                sender = type(db_task_result.task.get_backend())
            except (ImportError, SuspiciousOperation):  # the task's code is gone: nobody to tell
                logger.exception("task %s failed unexpectedly", db_task_result.id)
            else:
                task_finished.send(sender=sender, task_result=db_task_result.task_result)
            if not isinstance(exc, Exception):
                raise
        else:
            self._record(db_task_result, lambda: db_task_result.set_successful(value))
            task_finished.send(sender=backend_type, task_result=db_task_result.task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1

    def _record(self, db_task_result: DBTaskResult, write: Any) -> None:
        try:
            retry_transient(write, what=f"recording task {db_task_result.id}")
        except (OperationalError, InterfaceError):
            # The task's own state (an import batch) is final or turns stale; the loop goes on.
            logger.exception("task %s: its result could not be recorded", db_task_result.id)


class Command(db_worker.Command):
    help = (
        "Runs the background task worker (django-tasks-db's db_worker, same options; it never reloads "
        "code) so that it does not exit on a database error: a locked SQLite database, a PostgreSQL "
        "serialization failure, deadlock or lost connection is logged, the connection closed, and the loop "
        "goes on after a backoff. Tasks retry transient errors themselves. Run it under a supervisor "
        "(deploy/lbc-worker.service) that restarts it after anything else."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
