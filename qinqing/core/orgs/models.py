"""Organisation directory (机构库): units, their hierarchy, aliases and collective names.

One ``Unit`` model for every kind of body. Areas (province, city, county, township) form the
hierarchy; departments and other bodies hang under the area whose government they serve.
``path`` materialises the ancestry (``/1/4/17/``) so that "everything in this city" is one
indexed prefix query.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from qinqing.core.orgs.rules import normalize_name


class UnitKind(models.TextChoices):
    PROVINCE = "province", "省级"
    CITY = "city", "市（州）"
    COUNTY = "county", "县（市、区）"
    TOWNSHIP = "township", "乡镇（街道）"
    PARTY_GOV = "party_gov", "党委政府办事机构"
    DEPARTMENT = "department", "政府部门"
    CENTRAL_PROVINCIAL = "central_provincial", "中省直单位"
    PUBLIC_UTILITY = "public_utility", "公用企业"
    FINANCIAL = "financial", "金融机构"
    MASS_ORG = "mass_org", "群团组织"
    PARK = "park", "开发区（园区）"
    JUDICIAL = "judicial", "政法机关"
    OTHER = "other", "其他单位"


AREA_KINDS = frozenset({UnitKind.PROVINCE, UnitKind.CITY, UnitKind.COUNTY, UnitKind.TOWNSHIP})


class Unit(models.Model):
    name = models.CharField("单位名称", max_length=100)
    kind = models.CharField("单位类别", max_length=30, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("层级路径", max_length=255, db_index=True, editable=False)
    code = models.CharField(
        "代码", max_length=32, blank=True, help_text="行政区划代码或统一社会信用代码"
    )
    coordinating = models.BooleanField(
        "承担营商环境统筹职能",
        default=False,
        help_text="营商办、督查室、工商联等可行使调度、督办、考评职能的单位",
    )
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        ordering = ["path", "sort_order", "name"]
        verbose_name = "单位"
        verbose_name_plural = "单位"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="unit_unique_name_per_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        parent_path = self.parent.path if self.parent is not None else "/"
        expected = f"{parent_path}{self.pk}/"
        if self.path != expected:
            old = self.path
            Unit.objects.filter(pk=self.pk).update(path=expected)
            if old:  # moved: carry the whole subtree along
                for child in Unit.objects.filter(path__startswith=old).exclude(pk=self.pk):
                    Unit.objects.filter(pk=child.pk).update(path=expected + child.path[len(old) :])
            self.path = expected

    @property
    def is_area(self) -> bool:
        return self.kind in AREA_KINDS

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def area(self) -> Unit:
        """The area (city, county …) whose government this unit belongs to."""
        node: Unit | None = self
        while node is not None and not node.is_area:
            node = node.parent
        return node or self


class UnitAlias(models.Model):
    """Another name an admin confirmed for a unit: 市发改委 → 市发展和改革委员会."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="aliases", verbose_name="单位"
    )
    alias = models.CharField("别名", max_length=100)
    normalized = models.CharField(max_length=100, db_index=True, editable=False)

    class Meta:
        verbose_name = "单位别名"
        verbose_name_plural = "单位别名"
        constraints = [
            models.UniqueConstraint(fields=["unit", "normalized"], name="alias_unique_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.alias} → {self.unit.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalized = normalize_name(self.alias)
        super().save(*args, **kwargs)


class UnitGroup(models.Model):
    """A collective name that expands to member units: 市政府各部门, 各县（区）人民政府."""

    name = models.CharField("集合名称", max_length=100)
    normalized = models.CharField(max_length=100, db_index=True, editable=False)
    area = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="unit_groups", verbose_name="所属地区"
    )
    members = models.ManyToManyField(
        Unit, related_name="groups", blank=True, verbose_name="成员单位"
    )
    description = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "单位集合"
        verbose_name_plural = "单位集合"
        constraints = [
            models.UniqueConstraint(fields=["area", "normalized"], name="group_unique_per_area"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    MAPPED = "mapped", "已对应到现有单位"
    GROUPED = "grouped", "已对应到单位集合"
    CREATED = "created", "已新建单位"
    REJECTED = "rejected", "已驳回"


class UnitNameProposal(models.Model):
    """A unit name met in a document or import that the directory does not know yet."""

    raw_name = models.CharField("原文名称", max_length=100)
    normalized = models.CharField(max_length=100, db_index=True, editable=False)
    area = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name="所属地区"
    )
    source = models.CharField("出处", max_length=200, blank=True)
    occurrences = models.IntegerField("出现次数", default=1)
    status = models.CharField(
        "状态", max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PENDING
    )
    resolved_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="对应单位",
    )
    resolved_group = models.ForeignKey(
        UnitGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-occurrences", "raw_name"]
        verbose_name = "待确认单位名称"
        verbose_name_plural = "待确认单位名称"
        constraints = [
            models.UniqueConstraint(fields=["area", "normalized"], name="proposal_unique_per_area"),
        ]

    def __str__(self) -> str:
        return self.raw_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.normalized = normalize_name(self.raw_name)
        super().save(*args, **kwargs)
