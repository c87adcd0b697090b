"""Form submissions already handled (idempotent creation forms, ``lbc.submissions``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class FormSubmission(models.Model):
    """One creating form post, by its one-time token: a second post of the same form finds it here.

    The unique token is what makes a double click or two concurrent posts create one object: the second
    insert waits for the first transaction and then fails. Holds no personal data: who posted, which
    form, and the public id of what the post created. Deleted after ``lbc.submissions.RETENTION``.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    form = models.CharField(max_length=60)
    created = models.UUIDField(null=True, blank=True)  # public id of the object the post created
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.form} {self.created}"
