from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    """Append-only, hash-chained record. The database refuses UPDATE and DELETE (see migrations).

    ``actor`` has no database constraint so deleting a user never needs to touch this table;
    ``actor_username`` keeps who it was. ``detail`` never holds personal data, only ids and codes.
    """

    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.DO_NOTHING,
                              db_constraint=False, related_name="+")
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    child_id = models.CharField(max_length=40, blank=True, db_index=True)
    detail = models.JSONField(default=dict)
    ip = models.CharField(max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # The audit key (key file) whose HMAC ``hash`` is; NULL for the plain SHA-256 links written before
    # the chain was keyed. Nullable so adding it is a plain ADD COLUMN (SQLite keeps its triggers).
    key_id = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = pgettext_lazy("plural", "审计记录")
        ordering = ["id"]
        indexes = [models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class KeyCanary(models.Model):
    """A known value under each key so a wrong or missing key stops start-up instead of failing later."""

    key_id = models.CharField(max_length=20)
    kind = models.CharField(max_length=12)  # "encryption" or "blind_index"
    token = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key_id"], name="unique_key_canary")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key_id}"
