"""Small text helpers for messages shown in both interface languages."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def join_items(items: Iterable[object]) -> str:
    """Join list items with the active language's separator ("、" in Chinese, ", " in English)."""
    return pgettext("list separator", "、").join(str(i) for i in items)


def join_clauses(items: Iterable[object]) -> str:
    """Join independent clauses ("；" in Chinese, "; " in English)."""
    return pgettext("clause separator", "；").join(str(i) for i in items)
