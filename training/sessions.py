"""TEMPORARY re-export for ``lbc/access.py`` (``from training.sessions import windows_for``), which is
not edited on this branch. Delete after the merge, once it imports ``training.services.bookings``."""

from training.services.bookings import windows_for

__all__ = ["windows_for"]
