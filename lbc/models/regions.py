from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Region(models.Model):
    """A node of the administrative tree: province > city > county > township > village.

    ``path`` holds the ancestor ids (``/1/4/9/``) so "everything under T" is one prefix query;
    the denormalised ancestor ids make the common scope query an indexed equality.
    """

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省")
        CITY = 2, _("市")
        COUNTY = 3, _("县")
        TOWNSHIP = 4, _("乡镇/街道")
        VILLAGE = 5, _("村/社区")

    class UrbanRural(models.TextChoices):
        """The statistics bureau's urban-rural class (城乡分类代码) of a division."""

        MAIN_URBAN = "111", _("主城区")
        URBAN_FRINGE = "112", _("城乡结合区")
        TOWN_CENTRE = "121", _("镇中心区")
        TOWN_FRINGE = "122", _("镇乡结合区")
        SPECIAL = "123", _("特殊区域")
        TOWNSHIP_CENTRE = "210", _("乡中心区")
        VILLAGE = "220", _("村庄")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级"),
    )
    urban_rural = models.CharField(_("城乡分类"), max_length=3, choices=UrbanRural.choices, blank=True,
                                   default="")
    path = models.CharField(max_length=255, db_index=True, editable=False)
    # Hours of travel to the township seat, used later for allocation; optional.
    latitude = models.FloatField(_("纬度"), null=True, blank=True)
    longitude = models.FloatField(_("经度"), null=True, blank=True)

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level=1) | models.Q(parent__isnull=False),
                name="region_parent_required_below_province",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        if self.parent_id is not None and self.parent is not None and self.level != self.parent.level + 1:
            raise ValueError("A region must sit exactly one level below its parent.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        expected = (self.parent.path if self.parent else "/") + f"{self.pk}/"
        if self.path != expected:
            self.path = expected
            Region.objects.filter(pk=self.pk).update(path=expected)

    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]

    def ancestor_at(self, level: int) -> int | None:
        ids = self.ancestor_ids()
        return ids[level - 1] if len(ids) >= level else None

    def is_within(self, other: Region) -> bool:
        return self.path.startswith(other.path)


class RegionLocated(models.Model):
    """Denormalised ancestor ids, set from ``village`` or ``township`` on save."""

    province = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    city = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)
    township = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        abstract = True

    def set_region_ids(self, region: Region) -> None:
        ids = region.ancestor_ids()
        if len(ids) < Region.Level.TOWNSHIP:
            raise ValueError("A located record must sit in a township or a village.")
        self.province_id, self.city_id, self.county_id, self.township_id = ids[:4]
