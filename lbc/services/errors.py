from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the change; ``message`` is shown to the user (translated)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class EditConflict(DomainError):
    """Someone else saved the record after this form was opened."""
