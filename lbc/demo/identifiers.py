"""Deterministic public ids, synthetic phones and synthetic ID numbers for the demo county."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict

from lbc import crypto
from lbc.idnumbers import make_id_number

from .constants import ID_REGION_CODE, PHONE_PREFIX


def new_uuid(rng: random.Random) -> uuid.UUID:
    """A version-4 UUID drawn from the seeded generator, so the same seed gives the same ids."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


class PhoneBook:
    """Hands out distinct 11-digit phones in the fake PHONE_PREFIX range, in a seeded order."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def next(self) -> str:
        width = 11 - len(PHONE_PREFIX)
        while True:
            phone = f"{PHONE_PREFIX}{self._rng.randrange(10**width):0{width}d}"
            if phone not in self._used:
                self._used.add(phone)
                return phone


class IdNumberRegistry:
    """Distinct valid ID numbers: one sequence counter per birth date and sex."""

    def __init__(self) -> None:
        self._next: dict[tuple[dt.date, str], int] = defaultdict(int)

    def issue(self, birth: dt.date, sex: str) -> str:
        k = self._next[(birth, sex)]
        self._next[(birth, sex)] = k + 1
        # Odd sequence numbers are men's, even ones women's (GB 11643).
        return make_id_number(ID_REGION_CODE, birth, 2 * k + (1 if sex == "M" else 0), sex)


def phone_index(phone: str) -> str:
    return crypto.blind_index(crypto.normalise_phone(phone), "phone") if phone else ""


def id_number_index(value: str) -> str:
    return crypto.blind_index(value, "id_number")
