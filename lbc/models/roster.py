"""Roster imports (花名册导入): a county's or a school's list of children loaded from Excel/CSV.

The uploaded file is never kept: it is parsed in the request and its rows are staged here,
encrypted (``RosterImport.staged``), until the import is committed or abandoned. The column mapping
a user confirms is remembered per county and header (``RosterLayout``), so the next file with the
same header goes straight to the preview.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField

from .regions import Region
from .schools import School


class RosterLayout(models.Model):
    """A confirmed mapping of a header's columns to roster fields (the header's labels are not personal)."""

    county = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    signature = models.CharField(max_length=64)  # sha256 of the normalised header labels
    labels = models.JSONField(default=list)
    mapping = models.JSONField(default=list)  # one field name (or "") per column of the header
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("花名册格式")
        verbose_name_plural = pgettext_lazy("plural", "花名册格式")
        constraints = [
            models.UniqueConstraint(fields=["county", "signature"], name="unique_roster_layout"),
        ]

    def __str__(self) -> str:
        return self.signature[:12]


class RosterImport(models.Model):
    class Status(models.TextChoices):
        MAPPING = "mapping", _("待对应列")
        CHECKED = "checked", _("待确认")
        COMMITTED = "committed", _("已导入")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    # Set when a school's counsellor imports: the import is then limited to that school.
    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.MAPPING)
    # JSON: header labels, header row, data rows (row number and cells), hidden rows, formulas, merges.
    staged = EncryptedTextField(blank=True, default="")
    mapping = models.JSONField(default=list)
    excluded_rows = models.JSONField(default=list)
    total_rows = models.PositiveIntegerField(default=0)
    # Counts of the commit and the public ids of the children it created or changed (no other data).
    result = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("花名册导入")
        verbose_name_plural = pgettext_lazy("plural", "花名册导入")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename
