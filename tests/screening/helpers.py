"""Small builders for answer dicts. Items are numbers only: no item text anywhere."""

from __future__ import annotations

from collections.abc import Iterable


def spread(total: int, items: Iterable[int], high: int) -> dict[int, int]:
    """Answers that add up to total, filling the given items in order with at most high each."""
    answers: dict[int, int] = {}
    left = total
    for item in items:
        answers[item] = min(high, left)
        left -= answers[item]
    if left:
        raise ValueError(f"cannot reach {total}")
    return answers


def same(items: Iterable[int], value: int) -> dict[int, int]:
    return dict.fromkeys(items, value)
