"""考评 (assessment): schemes, their runs and scores, and external results.

A scheme (考评方案) weighs registered indicators; activating it freezes its items, and a
change after that is a new version (``lineage`` points at the first version, so history
across periods follows the scheme through its versions). A run (考评结果) scores the scheme's
target units for one period and keeps a snapshot of the items it used; publishing freezes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qinqing.assessment import rules


class TargetKind(models.TextChoices):
    DEPARTMENTS = "departments", "部门"
    COUNTIES = "counties", "县（市、区）"


class SchemeStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ACTIVE = "active", "已启用"
    RETIRED = "retired", "已停用"


class ScoringMethod(models.TextChoices):
    LINEAR = rules.LINEAR, "线性插值"
    RANK = rules.RANK, "按名次"
    THRESHOLD = rules.THRESHOLD, "分档"


class AssessmentScheme(models.Model):
    area = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="assessment_schemes",
        verbose_name="所属地区",
    )
    name = models.CharField("方案名称", max_length=100)
    target_kind = models.CharField("考评对象类别", max_length=20, choices=TargetKind.choices)
    targets = models.ManyToManyField(
        "orgs.Unit", related_name="assessed_by_schemes", blank=True, verbose_name="考评对象"
    )
    effective_from = models.DateField("生效日期")
    effective_to = models.DateField("截止日期", null=True, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=SchemeStatus.choices, default=SchemeStatus.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    lineage = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name="首个版本",
    )
    bottom_n = models.PositiveSmallIntegerField("末位标记名数", default=3)
    description = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")
    activated_at = models.DateTimeField("启用时间", null=True, blank=True)

    class Meta:
        ordering = ["area_id", "name", "-version"]
        verbose_name = "考评方案"
        verbose_name_plural = "考评方案"

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"

    @property
    def lineage_root_id(self) -> int:
        return self.lineage_id or self.pk

    @property
    def audit_unit_id(self) -> int:
        return self.area_id


class SchemeItem(models.Model):
    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.CASCADE, related_name="items", verbose_name="方案"
    )
    indicator_code = models.CharField("指标代码", max_length=100)
    label = models.CharField("指标名称", max_length=100)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=2)
    method = models.CharField("计分方法", max_length=10, choices=ScoringMethod.choices)
    floor = models.DecimalField("下限", max_digits=14, decimal_places=4, null=True, blank=True)
    ceiling = models.DecimalField("上限", max_digits=14, decimal_places=4, null=True, blank=True)
    thresholds = models.JSONField("分档", default=list, blank=True)  # [[limit, percent], …]
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["scheme_id", "position", "pk"]
        verbose_name = "考评指标"
        verbose_name_plural = "考评指标"
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "indicator_code"], name="assessment_item_once_per_scheme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.weight}"


class RunStatus(models.TextChoices):
    COMPUTED = "computed", "已计算（未发布）"
    PUBLISHED = "published", "已发布"


class AssessmentRun(models.Model):
    scheme = models.ForeignKey(
        AssessmentScheme, on_delete=models.PROTECT, related_name="runs", verbose_name="方案"
    )
    scheme_version = models.PositiveIntegerField("方案版本")
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    period_label = models.CharField("期间", max_length=50)
    items = models.JSONField("计分规则快照", default=list)
    bottom_n = models.PositiveSmallIntegerField("末位标记名数")
    status = models.CharField(
        "状态", max_length=10, choices=RunStatus.choices, default=RunStatus.COMPUTED
    )
    computed_at = models.DateTimeField("计算时间")
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-period_end", "-pk"]
        verbose_name = "考评结果"
        verbose_name_plural = "考评结果"
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "period_start", "period_end"], name="assessment_run_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scheme.name} {self.period_label}"

    @property
    def audit_unit_id(self) -> int:
        return self.scheme.area_id

    @property
    def is_published(self) -> bool:
        return self.status == RunStatus.PUBLISHED


class UnitScore(models.Model):
    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="scores", verbose_name="考评结果"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="assessment_scores", verbose_name="单位"
    )
    total = models.DecimalField("总分", max_digits=6, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField("名次", null=True, blank=True)
    flagged = models.BooleanField("末位", default=False)
    position = models.PositiveIntegerField("排序", default=0)

    class Meta:
        ordering = ["run_id", "position"]
        verbose_name = "单位得分"
        verbose_name_plural = "单位得分"
        constraints = [
            models.UniqueConstraint(fields=["run", "unit"], name="assessment_score_once_per_run"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.total}"


class ItemScore(models.Model):
    unit_score = models.ForeignKey(
        UnitScore, on_delete=models.CASCADE, related_name="items", verbose_name="单位得分"
    )
    indicator_code = models.CharField("指标代码", max_length=100)
    raw_value = models.FloatField("指标值", null=True, blank=True)
    points = models.DecimalField("得分", max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = "指标得分"
        verbose_name_plural = "指标得分"
        constraints = [
            models.UniqueConstraint(
                fields=["unit_score", "indicator_code"], name="assessment_item_score_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_code} {self.points}"


# --- external results ------------------------------------------------------------------------


class SupervisionLevel(models.TextChoices):
    """督办层级 (issue 5: 提醒 → 督办 → 约谈 → 问责)."""

    REMINDER = "reminder", "提醒"
    SUPERVISION = "supervision", "督办"
    INTERVIEW = "interview", "约谈"
    ACCOUNTABILITY = "accountability", "问责"


DEFAULT_EXTERNAL_SOURCE = "全省营商环境评价"


class ExternalRanking(models.Model):
    """One imported external ranking of counties (全省营商环境评价, one year or round)."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="external_rankings", verbose_name="地区"
    )
    source = models.CharField("评价名称", max_length=100, default=DEFAULT_EXTERNAL_SOURCE)
    period_label = models.CharField("年度/期次", max_length=50)
    total_ranked = models.PositiveIntegerField("全省参评县（市、区）数")
    filename = models.CharField("文件名", max_length=200, blank=True)
    imported_at = models.DateTimeField("导入时间")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-pk"]
        verbose_name = "外部评价结果"
        verbose_name_plural = "外部评价结果"
        constraints = [
            models.UniqueConstraint(
                fields=["area", "source", "period_label"], name="external_ranking_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.period_label}"

    @property
    def audit_unit_id(self) -> int:
        return self.area_id


class ExternalResult(models.Model):
    ranking = models.ForeignKey(
        ExternalRanking, on_delete=models.CASCADE, related_name="results", verbose_name="外部评价"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="external_results", verbose_name="县区"
    )
    name_in_file = models.CharField("文件中的名称", max_length=100)
    rank = models.PositiveIntegerField("全省排名")
    score = models.DecimalField("得分", max_digits=7, decimal_places=2, null=True, blank=True)
    row_number = models.PositiveIntegerField("行号")

    class Meta:
        ordering = ["ranking_id", "rank", "pk"]
        verbose_name = "外部评价排名"
        verbose_name_plural = "外部评价排名"
        constraints = [
            models.UniqueConstraint(fields=["ranking", "unit"], name="external_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} 第 {self.rank} 名"


class ExternalRule(models.Model):
    """The configurable consequence of an external ranking (004 (四): 后10名 → 约谈)."""

    area = models.OneToOneField(
        "orgs.Unit", on_delete=models.PROTECT, related_name="external_rule", verbose_name="地区"
    )
    bottom_n = models.PositiveSmallIntegerField("全省排名后 N 名", default=10)
    level = models.CharField(
        "触发督办层级",
        max_length=20,
        choices=SupervisionLevel.choices,
        default=SupervisionLevel.INTERVIEW,
    )
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("修改时间")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "外部评价触发规则"
        verbose_name_plural = "外部评价触发规则"

    def __str__(self) -> str:
        return f"全省排名后 {self.bottom_n} 名 → {self.get_level_display()}"

    @property
    def audit_unit_id(self) -> int:
        return self.area_id


class TriggerStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    HANDLED = "handled", "已处理"


class ExternalTrigger(models.Model):
    """A supervision level an external result calls for, waiting for the supervision module.

    The assessment does not issue supervision notices itself; the supervision module reads
    pending triggers (``queries.pending_external_triggers``), acts, and marks them handled
    (``service.mark_trigger_handled``). The dependency is one-way: supervision pulls from the
    assessment, and the assessment neither imports supervision nor sends it signals.
    """

    ranking = models.ForeignKey(
        ExternalRanking, on_delete=models.CASCADE, related_name="triggers", verbose_name="外部评价"
    )
    result = models.OneToOneField(
        ExternalResult, on_delete=models.CASCADE, related_name="trigger", verbose_name="排名记录"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="external_triggers", verbose_name="单位"
    )
    level = models.CharField("督办层级", max_length=20, choices=SupervisionLevel.choices)
    reason = models.TextField("触发原因")
    basis = models.CharField("依据", max_length=200)
    status = models.CharField(
        "状态", max_length=10, choices=TriggerStatus.choices, default=TriggerStatus.PENDING
    )
    created_at = models.DateTimeField("触发时间")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_note = models.CharField("处理说明", max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "pk"]
        verbose_name = "外部评价触发记录"
        verbose_name_plural = "外部评价触发记录"

    def __str__(self) -> str:
        return f"{self.unit} {self.get_level_display()}"
