"""Transient database errors, and doing work again through them with backoff.

A database that is busy for a moment is not a reason to lose a background job: SQLite answers
"database is locked" when another writer holds it longer than the busy timeout, and PostgreSQL
aborts a transaction on a serialization failure or a deadlock, or loses the connection when the
server restarts. Each of these succeeds when simply tried again a little later, so the background
tasks and the worker loop retry them (a bounded number of times, with exponential backoff and
jitter, closing the broken connection first); every other error is a real one and is raised at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)
T = TypeVar("T")

# PostgreSQL: serialization failure, deadlock, lock not available, and the server going away
# (admin or crash shutdown, cannot connect now); class 08 (connection exceptions) is added below.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01", "55P03", "57P01", "57P02", "57P03"})
SQLITE_BUSY, SQLITE_LOCKED = 5, 6
SQLITE_TRANSIENT_TEXT = ("database is locked", "database table is locked", "database is busy")


def is_transient(exc: BaseException) -> bool:
    """True for a database error that may succeed when the same work is tried again later."""
    if isinstance(exc, InterfaceError):
        return True  # the connection was closed under us: a new one is opened on the next query
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if state:
        return state in TRANSIENT_SQLSTATES or str(state).startswith("08")
    code = getattr(cause, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    if cause is not None and type(cause).__module__.startswith("psycopg"):
        return True  # an OperationalError without a SQLSTATE: the connection itself failed
    return any(text in str(exc).lower() for text in SQLITE_TRANSIENT_TEXT)


def backoff_seconds(
    attempt: int, *, base: float, cap: float, rand: Callable[[], float] = random.random
) -> float:
    """Delay after the ``attempt``-th failure: base, 2x, 4x ... up to ``cap``, the upper half jittered.

    Half of the delay is fixed, so retries never bunch up at zero, and half is random, so workers that
    failed together do not come back together.
    """
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + rand() * ceiling / 2


def close_broken_connection(alias: str = DEFAULT_DB_ALIAS) -> None:
    """Drop the connection so the next query opens a fresh one (never inside a transaction)."""
    connection = connections[alias]
    if connection.in_atomic_block:
        return
    try:
        connection.close()
    except Exception:  # a connection that cannot even be closed is gone anyway
        logger.warning("closing the broken database connection failed", exc_info=True)
        connection.connection = None


def retry_transient(
    work: Callable[[], T],
    *,
    what: str,
    attempts: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rand: Callable[[], float] = random.random,
) -> T:
    """Run ``work()``; on a transient database error close the connection, wait and run it again.

    After ``attempts`` tries (``settings.LBC_TRANSIENT_RETRY``) the last error is raised for the caller
    to record as a failure. ``work`` must be safe to run again: a transaction that failed rolled back.
    Inside an outer transaction nothing can be retried (the transaction is broken), so it runs once.
    """
    config = settings.LBC_TRANSIENT_RETRY
    total = attempts if attempts is not None else int(config["attempts"])
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return work()
    for attempt in range(1, total + 1):
        try:
            return work()
        except (OperationalError, InterfaceError) as exc:
            if not is_transient(exc) or attempt >= total:
                raise
            delay = backoff_seconds(attempt, base=float(config["base"]), cap=float(config["cap"]), rand=rand)
            logger.warning(
                "%s: transient database error (%s), attempt %d of %d, retrying in %.1f s",
                what, str(exc)[:120], attempt, total, delay,
            )
            close_broken_connection()
            sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")
