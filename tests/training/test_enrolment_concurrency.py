"""30 people enrol at the same moment for 5 seats: exactly 5 get a seat, 25 wait, nobody sees an error.

Each thread has its own database connection and all start together at a barrier. On SQLite the
threads use a database file (a copy of the test database), as deployments do: the in-memory test
database is shared-cache, whose table locks fail at once instead of waiting, which no deployment has.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection, connections

from lbc.models import Region
from tests.factories import make_region, make_user
from training.enrolment import Person, cancel_enrolment, enrol_person
from training.models import Enrolment, Session

from .helpers import at, make_program, make_trainer, make_venue, next_weekday, schedule

PEOPLE = 30
SEATS = 5
T = TypeVar("T")


@contextlib.contextmanager
def threads_on_a_database_file(path: Path) -> Iterator[None]:
    """On SQLite, let connections opened by new threads use a file copy of the test database."""
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    original = connections.settings["default"]
    connections.settings["default"] = {**original, "NAME": str(path)}
    try:
        yield
    finally:
        connections.settings["default"] = original


def in_parallel(count: int, work: Callable[[int], T]) -> tuple[list[T], list[BaseException]]:
    barrier = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results.append(work(i))
        except BaseException as exc:  # reported by the caller; a thread cannot raise into the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results, errors


def in_a_thread(work: Callable[[], T]) -> T:
    results, errors = in_parallel(1, lambda _i: work())
    if errors:
        raise errors[0]
    return results[0]


def statuses(session: Session) -> dict[str, Any]:
    rows = Enrolment.objects.filter(session=session)
    return {
        "enrolled": rows.filter(status=Enrolment.Status.ENROLLED).count(),
        "waiting": sorted(
            rows.filter(status=Enrolment.Status.WAITING).values_list("waiting_position", flat=True)
        ),
        "seats_taken": Session.objects.get(pk=session.pk).seats_taken,
    }


@pytest.fixture
def full_house(transactional_db: None) -> tuple[Session, Any, list[Any]]:
    province = make_region("测试省", Region.Level.PROVINCE)
    city = make_region("测试市", Region.Level.CITY, province)
    county = make_region("测试县", Region.Level.COUNTY, city)
    village = make_region("一村", Region.Level.VILLAGE, make_region("一乡", Region.Level.TOWNSHIP, county))
    trainer = make_trainer(county)
    session = schedule(
        make_program(county),
        make_venue(village, capacity=40),
        [trainer],
        at(next_weekday(1), 9),
        capacity=SEATS,
    ).session
    return session, trainer, [make_user(f"attendee{i}") for i in range(PEOPLE)]


def test_thirty_parallel_enrolments_for_five_seats_give_five_enrolled_and_twenty_five_waiting(
    full_house: tuple[Session, Any, list[Any]], tmp_path: Path
) -> None:
    session, trainer, users = full_house
    with threads_on_a_database_file(tmp_path / "db.sqlite3"):
        _results, errors = in_parallel(
            PEOPLE, lambda i: enrol_person(session, Person(user=users[i]), by=trainer)
        )
        outcome = in_a_thread(lambda: statuses(session))
    assert errors == []
    assert outcome == {"enrolled": SEATS, "waiting": list(range(1, PEOPLE - SEATS + 1)), "seats_taken": SEATS}


def test_parallel_cancellations_promote_the_waiting_list_in_order(
    full_house: tuple[Session, Any, list[Any]], tmp_path: Path
) -> None:
    session, trainer, users = full_house
    enrolments = [enrol_person(session, Person(user=u), by=trainer) for u in users[:12]]
    with threads_on_a_database_file(tmp_path / "db.sqlite3"):
        _results, errors = in_parallel(3, lambda i: cancel_enrolment(enrolments[i], by=trainer))
        outcome = in_a_thread(lambda: statuses(session))
        promoted = in_a_thread(
            lambda: set(
                Enrolment.objects.filter(session=session, status=Enrolment.Status.ENROLLED).values_list(
                    "pk", flat=True
                )
            )
        )
    assert errors == []
    assert outcome == {"enrolled": SEATS, "waiting": [4, 5, 6, 7], "seats_taken": SEATS}
    assert promoted == {e.pk for e in enrolments[3:8]}
