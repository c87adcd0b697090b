"""Read-only serializers of the API. Which fields a record shows is decided by ``access.fields_for``.

Every serializer lists its fields explicitly. A tiered serializer drops, per record, the fields the
caller's rights do not reach, so the schema documents every field as optional.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import Direction
from rest_framework import serializers

from lbc import access, hooks
from lbc.access import Rights
from lbc.idnumbers import InvalidIdNumber, mask_id_number, parse_id_number
from lbc.models import Child, ChildGuardian, Guardian, Parent, Sex


class RefSerializer(serializers.Serializer):
    """A related record (school, class, region) by public id and name; never by database id."""

    public_id = serializers.UUIDField(read_only=True)
    name = serializers.CharField(source="*", read_only=True)


class TieredSerializer(serializers.Serializer):
    """Shows only the fields of ``kind`` that the caller's rights reach (``context["rights"]``)."""

    kind: ClassVar[str]

    def rights_of(self, instance: Any) -> Rights:
        rights: Rights = self.context["rights"]
        return rights

    def visible_fields(self, instance: Any) -> set[str]:
        return access.fields_for(self.rights_of(instance), self.kind)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        visible = self.visible_fields(instance)
        data: dict[str, Any] = {}
        for field in self._readable_fields:
            if field.field_name in visible:
                value = field.get_attribute(instance)
                data[field.field_name] = None if value is None else field.to_representation(value)
        return data


class TieredSerializerSchema(OpenApiSerializerExtension):
    """Document every field of a tiered serializer as optional: which ones appear depends on rights."""

    target_class = TieredSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Direction) -> dict[str, Any]:
        schema: dict[str, Any] = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema.pop("required", None)
        return schema


class ChildSerializer(TieredSerializer, serializers.ModelSerializer):
    """A child in a list. Fields depend on the caller's rights over this child; every field is optional.

    Lists show ID numbers masked and the age instead of the birth date, as the HTML list does; only the
    detail shows the whole number and the birth date.
    """

    kind = "child"
    reveals_id_number: ClassVar[bool] = False

    school = RefSerializer(read_only=True)
    school_class = RefSerializer(read_only=True)
    village = RefSerializer(read_only=True)
    township = RefSerializer(read_only=True)
    full_name = serializers.CharField(read_only=True)
    age = serializers.SerializerMethodField()
    confirmed_by = serializers.SerializerMethodField()
    latest_label = serializers.SerializerMethodField()
    id_number = serializers.CharField(
        read_only=True,
        help_text=_("身份证号码：列表中只显示前6位和后4位，中间8位以*代替；"
                    "完整号码只在单个儿童的详情中显示，并记入审计日志"),
    )

    class Meta:
        model = Child
        fields: tuple[str, ...] = (
            "public_id", "given_name", "school", "family_name", "full_name", "sex", "age", "grade",
            "school_class", "village", "township", "boarding", "left_behind_type", "care_arrangement",
            "parent_contact", "status", "separation_start", "birth_date", "id_number", "id_absent_reason",
            "confirmed_at", "confirmed_by", "latest_label", "latest_tier", "latest_tier_on",
        )
        read_only_fields: tuple[str, ...] = fields

    def rights_of(self, instance: Child) -> Rights:
        """Lists pass the rights of the whole page, keyed by child (``context["rights_by_child"]``)."""
        rights: Rights = self.context["rights_by_child"][instance.pk]
        return rights

    def to_representation(self, instance: Child) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.reveals_id_number:
            # The mask hides the birth date's eight digits: a list row carrying the birth date too would
            # give the whole number away, so lists carry the age only (decision 33).
            data.pop("birth_date", None)
            if data.get("id_number"):
                data["id_number"] = mask_id_number(data["id_number"])
        return data

    def get_age(self, child: Child) -> int:
        return child.age_on(timezone.localdate())

    def get_latest_label(self, child: Child) -> str | None:
        """The neutral wording ("需跟进"/"常规关注") of the latest screening tier, for every STATUS reader."""
        if not child.latest_tier:
            return None
        # The wording belongs to the screening app, which keeps the tier (lbc.hooks.tier_display).
        return next((display.neutral_label(child.latest_tier) for display in hooks.tier_display), None)

    def get_confirmed_by(self, child: Child) -> str | None:
        user = child.confirmed_by
        return None if user is None else (user.get_full_name() or user.get_username())


class GuardianSerializer(TieredSerializer):
    """A guardian of the child, with the relationship to that child. Every field is optional."""

    kind = "guardian"

    public_id = serializers.UUIDField(source="guardian.public_id", read_only=True)
    name = serializers.CharField(source="guardian.name", read_only=True)
    relationship = serializers.ChoiceField(choices=ChildGuardian.Relationship.choices, read_only=True)
    is_primary = serializers.BooleanField(read_only=True)
    is_legal_guardian = serializers.BooleanField(read_only=True)
    sex = serializers.ChoiceField(source="guardian.sex", choices=Sex.choices, read_only=True)
    can_read = serializers.BooleanField(source="guardian.can_read", read_only=True)
    dialect_note = serializers.CharField(source="guardian.dialect_note", read_only=True)
    birth_year = serializers.IntegerField(source="guardian.birth_year", read_only=True, allow_null=True)
    education = serializers.ChoiceField(source="guardian.education", choices=Guardian.Education.choices,
                                        read_only=True, allow_blank=True)
    health = serializers.ChoiceField(source="guardian.health", choices=Guardian.Health.choices,
                                     read_only=True, allow_blank=True)
    phone = serializers.CharField(source="guardian.phone", read_only=True)
    village = RefSerializer(source="guardian.village", read_only=True)


class ParentSerializer(TieredSerializer, serializers.ModelSerializer):
    """A parent of the child's household. Every field is optional."""

    kind = "parent"

    class Meta:
        model = Parent
        fields = ("public_id", "role", "name", "works_away", "work_city", "employer_name", "phone",
                  "return_period")
        read_only_fields = fields


class ChildDetailSerializer(ChildSerializer):
    """A child with guardians and parents. Fields depend on the caller's rights; every field is optional."""

    reveals_id_number = True
    id_number = serializers.CharField(
        read_only=True,
        help_text=_("完整的身份证号码，只给能查看身份信息的角色；每次查阅都记入审计日志"),
    )
    guardians = GuardianSerializer(many=True, read_only=True)
    parents = ParentSerializer(many=True, read_only=True)

    class Meta(ChildSerializer.Meta):
        fields = (*ChildSerializer.Meta.fields, "guardians", "parents")
        read_only_fields = fields

    def to_representation(self, instance: Child) -> dict[str, Any]:
        data = super().to_representation(instance)
        rights = self.rights_of(instance)
        nested = {"rights": rights}
        if access.fields_for(rights, "guardian"):
            links = instance.guardian_links.select_related("guardian__village").order_by("-is_primary", "pk")
            data["guardians"] = GuardianSerializer(links, many=True, context=nested).data
        if access.fields_for(rights, "parent"):
            parents = instance.household.parents.order_by("role", "pk")
            data["parents"] = ParentSerializer(parents, many=True, context=nested).data
        return data


class ChildQuerySerializer(serializers.Serializer):
    """Query parameters of the child list."""

    q = serializers.CharField(required=False, allow_blank=True, max_length=40,
                              help_text=_("按姓名查找（包含即可）"),
                              error_messages={"max_length": _("查找的姓名不能超过40个字。")})
    id_number = serializers.CharField(required=False, max_length=30, help_text=_("按身份证号码精确查找"))
    school = serializers.UUIDField(required=False, help_text=_("学校编号"),
                                   error_messages={"invalid": _("学校编号格式不正确。")})
    grade = serializers.IntegerField(required=False, min_value=1, max_value=12, help_text=_("年级（1-12）"),
                                     error_messages={"invalid": _("年级必须是1到12之间的整数。"),
                                                     "min_value": _("年级必须是1到12之间的整数。"),
                                                     "max_value": _("年级必须是1到12之间的整数。")})

    def validate_id_number(self, value: str) -> str:
        try:
            return parse_id_number(value).value
        except InvalidIdNumber as exc:
            raise serializers.ValidationError(str(exc)) from None


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.RegexField(
        r"^\d{6}$", required=False,
        help_text=_("6位动态验证码；县级管理员、乡镇督导和心理教师必须填写"),
        error_messages={"invalid": _("请输入验证器应用中显示的6位数字。")},
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(
        read_only=True, help_text=_("令牌到期时间；修改密码或停用账号后立即失效")
    )


class DetailSerializer(serializers.Serializer):
    """An error answer: one message for people."""

    detail = serializers.CharField(read_only=True)
