"""Who takes part: enrolments, attendance, questionnaire answers, and per-county and per-user settings."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lbc.crypto import EncryptedTextField
from lbc.models import Guardian, Parent, Region

from .programs import Questionnaire, Session


class Enrolment(models.Model):
    """One person's place in a session: enrolled, waiting (in ``waiting_position`` order) or cancelled.

    The person is exactly one of: a registry guardian, a registry parent, a user, or a walk-in.
    """

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("已报名")
        WAITING = "waiting", _("候补")
        CANCELLED = "cancelled", _("已取消")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="enrolments")
    guardian = models.ForeignKey(
        Guardian, null=True, blank=True, on_delete=models.CASCADE, related_name="training_enrolments"
    )
    parent = models.ForeignKey(
        Parent, null=True, blank=True, on_delete=models.CASCADE, related_name="training_enrolments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="training_enrolments",
    )
    walk_in_name = models.CharField(_("姓名"), max_length=40, blank=True)
    walk_in_phone = EncryptedTextField(_("电话"), blank=True, default="")
    # The village a walk-in comes from, so the village director who enrolled them sees them again.
    walk_in_village = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"level": Region.Level.VILLAGE},
        verbose_name=_("所在村/社区"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    waiting_position = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    enrolled_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = pgettext_lazy("plural", "报名")
        ordering = ["session", "status", "waiting_position", "created_at"]
        indexes = [models.Index(fields=["session", "status", "waiting_position"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(guardian__isnull=False, parent__isnull=True, user__isnull=True, walk_in_name="")
                    | Q(guardian__isnull=True, parent__isnull=False, user__isnull=True, walk_in_name="")
                    | Q(guardian__isnull=True, parent__isnull=True, user__isnull=False, walk_in_name="")
                    | (Q(guardian__isnull=True, parent__isnull=True, user__isnull=True) & ~Q(walk_in_name=""))
                ),
                name="training_enrolment_one_person",
            ),
            models.CheckConstraint(
                condition=Q(status="waiting", waiting_position__isnull=False)
                | (~Q(status="waiting") & Q(waiting_position__isnull=True)),
                name="training_enrolment_position_iff_waiting",
            ),
            models.UniqueConstraint(
                fields=["session", "guardian"],
                condition=Q(guardian__isnull=False) & ~Q(status="cancelled"),
                name="training_unique_active_guardian",
            ),
            models.UniqueConstraint(
                fields=["session", "parent"],
                condition=Q(parent__isnull=False) & ~Q(status="cancelled"),
                name="training_unique_active_parent",
            ),
            models.UniqueConstraint(
                fields=["session", "user"],
                condition=Q(user__isnull=False) & ~Q(status="cancelled"),
                name="training_unique_active_user",
            ),
            models.UniqueConstraint(
                fields=["session", "waiting_position"],
                condition=Q(waiting_position__isnull=False),
                name="training_unique_waiting_position",
            ),
        ]

    def __str__(self) -> str:
        # Never the person's name: __str__ leaks into logs and choice lists.
        return f"{self.get_status_display()} {str(self.public_id)[:8]}"

    @property
    def person_name(self) -> str:
        if self.guardian_id:
            return self.guardian.name  # type: ignore[union-attr]
        if self.parent_id:
            return self.parent.name  # type: ignore[union-attr]
        if self.user_id:
            return self.user.get_full_name() or self.user.get_username()  # type: ignore[union-attr]
        return self.walk_in_name

    @property
    def person_phone(self) -> str:
        if self.guardian_id:
            return self.guardian.phone  # type: ignore[union-attr]
        if self.parent_id:
            return self.parent.phone  # type: ignore[union-attr]
        if self.user_id:
            volunteer = getattr(self.user, "volunteer", None)
            return volunteer.phone if volunteer is not None else ""
        return self.walk_in_phone


class Attendance(models.Model):
    """Who was there and the hours credited.

    A participant row belongs to an enrolment (attended yes/no, training hours). A service row is a
    trainer or volunteer helping deliver the session: its hours are volunteer service hours (志愿服务时长).
    """

    class Kind(models.TextChoices):
        PARTICIPANT = "participant", _("学员")
        SERVICE = "service", _("授课/志愿服务")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    enrolment = models.OneToOneField(
        Enrolment, null=True, blank=True, on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    attended = models.BooleanField(_("出席"))
    hours = models.DecimalField(
        _("计入时长（小时）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("出勤")
        verbose_name_plural = pgettext_lazy("plural", "出勤")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="participant", enrolment__isnull=False, user__isnull=True)
                | Q(kind="service", enrolment__isnull=True, user__isnull=False),
                name="training_attendance_kind_matches_person",
            ),
            models.CheckConstraint(condition=Q(attended=True) | Q(hours=0), name="training_absent_no_hours"),
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(user__isnull=False), name="training_unique_service"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.hours}"


class QuestionnaireResponse(models.Model):
    """One attendee's answers before (pre) or after (post) a session; ``total`` is the sum of the items."""

    class Phase(models.TextChoices):
        PRE = "pre", _("培训前")
        POST = "post", _("培训后")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="questionnaire_responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    phase = models.CharField(_("阶段"), max_length=4, choices=Phase.choices)
    answers = models.JSONField(default=dict)  # {"1": 4, "2": 3, ...}
    total = models.PositiveSmallIntegerField(_("总分"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问卷作答")
        verbose_name_plural = pgettext_lazy("plural", "问卷作答")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "phase"], name="training_unique_response_phase")
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} {self.total}"


class CountyTrainingConfig(models.Model):
    """A county's audience windows and reminder timing. Empty values mean the defaults in
    ``training.windows`` (see ``windows.config_for``)."""

    county = models.OneToOneField(
        Region,
        on_delete=models.CASCADE,
        related_name="training_config",
        limit_choices_to={"level": Region.Level.COUNTY},
        verbose_name=_("县"),
    )
    grandparent_day_start = models.TimeField(_("祖辈培训最早开始"), null=True, blank=True)
    grandparent_day_end = models.TimeField(_("祖辈培训最晚结束"), null=True, blank=True)
    # [{"start": "05-25", "end": "06-15"}, ...]: month-day ranges that repeat every year.
    farming_peaks = models.JSONField(_("农忙时段"), default=list, blank=True)
    # {"2027": {"start": "2027-01-27", "end": "2027-02-14"}}: when migrant parents are home.
    spring_festival = models.JSONField(_("春节返乡时段"), default=dict, blank=True)
    # [{"start": "2027-01-16", "end": "2027-02-21"}, ...]: school vacations, when teachers can attend.
    school_vacations = models.JSONField(_("学校假期"), default=list, blank=True)
    travel_buffer_minutes = models.PositiveSmallIntegerField(
        _("场地间路程缓冲（分钟）"), null=True, blank=True
    )
    reminder_days_before = models.PositiveSmallIntegerField(
        _("提前几天提醒"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("县培训设置")
        verbose_name_plural = pgettext_lazy("plural", "县培训设置")

    def __str__(self) -> str:
        return str(self.county)


class CalendarFeed(models.Model):
    """A user's secret iCalendar feed address (calendar apps cannot log in).

    Only the SHA-256 digest of the token is stored, so a copy of the database opens no feed; the
    address is shown once when it is made. Making a new one replaces the old, deleting the row revokes it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("日历订阅")
        verbose_name_plural = pgettext_lazy("plural", "日历订阅")

    def __str__(self) -> str:
        return str(self.created_at)
