"""Enterprise registry (企业库): one row per market entity, keyed by 统一社会信用代码.

Core columns are real columns (searched, filtered, joined); the other attributes of the
catalogue (:mod:`.attributes`: recognition dates, graduate hires …) live in ``attributes``
as JSON, so a locality can extend the catalogue without a migration. Rules never read
this table row by row: :func:`qinqing.core.enterprises.service.registry_from_db` turns it
into the columnar ``Registry`` the policy engine and the inspection draw work on.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Size(models.TextChoices):
    LARGE = "large", "大型"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"
    MICRO = "micro", "微型"


class CreditTier(models.TextChoices):
    A = "A", "A 类（信用风险低）"
    B = "B", "B 类（信用风险一般）"
    C = "C", "C 类（信用风险较高）"
    D = "D", "D 类（信用风险高）"


class Enterprise(models.Model):
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200, db_index=True)
    region_code = models.CharField("行政区划代码", max_length=6, db_index=True)
    industry_code = models.CharField("行业代码", max_length=8, db_index=True)
    size = models.CharField("企业规模", max_length=10, choices=Size.choices)
    established_on = models.DateField("成立日期", null=True, blank=True)
    serious_dishonesty = models.BooleanField("严重失信主体", default=False)
    credit_tier = models.CharField(
        "信用风险分类", max_length=1, choices=CreditTier.choices, default=CreditTier.B
    )
    attributes = models.JSONField("其他属性", default=dict, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    last_import = models.ForeignKey(
        "RegistryImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["uscc"]
        verbose_name = "企业"
        verbose_name_plural = "企业"
        # matching re-evaluates only the rows changed since its last run (updated_at > mark)
        indexes = [models.Index(fields=["updated_at"], name="enterprise_updated_at")]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class RegistryImportBatch(models.Model):
    """One upload of the registry: what came in, what was accepted, what was skipped."""

    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField(max_length=64)
    mode = models.CharField("模式", max_length=10)  # reject | skip
    total_rows = models.IntegerField("数据行数")
    created = models.IntegerField("新增", default=0)
    updated = models.IntegerField("更新", default=0)
    skipped = models.IntegerField("跳过", default=0)
    report = models.TextField("校验报告", blank=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "企业库导入记录"
        verbose_name_plural = "企业库导入记录"

    def __str__(self) -> str:
        return f"{self.filename}（{self.created_at:%Y-%m-%d %H:%M}）"
