"""Plans, their task ledger (台账) and the experience library (经验库).

A ``Plan`` is one imported version of an implementation plan (实施方案) or a compilation
(材料汇编). Its tasks are the ledger only once the plan is confirmed: drafts are under
review and superseded versions are history. ``Task.objects.in_ledger()`` is that rule.
Tasks assigned outside a plan (调度会议定事项, 领导批示) have no plan and are always in the
ledger.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class PlanKind(models.TextChoices):
    PLAN = "plan", "实施方案"
    COMPILATION = "compilation", "材料汇编"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "待确认"
    CONFIRMED = "confirmed", "已确认"
    SUPERSEDED = "superseded", "已被新版本替代"


class Plan(models.Model):
    title = models.CharField("标题", max_length=300)
    kind = models.CharField("类别", max_length=20, choices=PlanKind.choices)
    area = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="plans",
        verbose_name="所属地区",
        help_text="方案所属的市或县（区）",
    )
    year = models.PositiveIntegerField("年度", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    status = models.CharField(
        "状态", max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    source_filename = models.CharField("源文件名", max_length=255)
    source_sha256 = models.CharField("源文件摘要", max_length=64, db_index=True)
    source_text = models.TextField("源文件文本", blank=True)
    parse_result = models.JSONField("解析结果", null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="导入人",
    )
    created_at = models.DateTimeField("导入时间", default=timezone.now)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="确认人",
    )
    previous_version = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
        verbose_name="上一版本",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "方案"
        verbose_name_plural = "方案"
        constraints = [
            # the same file imported twice into one area is refused
            models.UniqueConstraint(
                fields=["area", "source_sha256"], name="plan_unique_source_per_area"
            ),
            models.UniqueConstraint(
                fields=["previous_version", "version"], name="plan_unique_next_version"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(confirmed_at__isnull=False),
                name="plan_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（第{self.version}版）" if self.version > 1 else self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:plan", args=[self.pk])

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT


class Section(models.Model):
    """A heading of the plan (一、… / （一）…) under which tasks are listed."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="sections", verbose_name="方案"
    )
    label = models.CharField("编号", max_length=30, blank=True)
    title = models.CharField("标题", max_length=300)
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = "章节"
        verbose_name_plural = "章节"

    def __str__(self) -> str:
        return f"{self.label} {self.title}".strip()


class TaskOrigin(models.TextChoices):
    PLAN = "plan", "实施方案"
    MEETING = "meeting", "调度会议定事项"
    INSTRUCTION = "instruction", "领导批示"


class TaskQuerySet(models.QuerySet):
    def in_ledger(self):
        """Tasks that are the ledger: those of confirmed plans, and items outside any plan."""
        return self.filter(Q(plan__isnull=True) | Q(plan__status=PlanStatus.CONFIRMED))


class Task(models.Model):
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tasks",
        verbose_name="方案",
    )
    area = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="plan_tasks",
        verbose_name="所属地区",
        help_text="方案任务取方案的地区；会议定事项、领导批示取交办地区",
    )
    origin = models.CharField(
        "来源", max_length=20, choices=TaskOrigin.choices, default=TaskOrigin.PLAN
    )
    label = models.CharField("序号", max_length=30, blank=True, help_text="原文编号，如 16-1")
    parent_label = models.CharField("所属事项编号", max_length=30, blank=True)
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        verbose_name="章节",
    )
    title = models.TextField("重点任务")
    body = models.TextField("具体内容", blank=True, help_text="原文段落")
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)
    lead_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="led_tasks", verbose_name="牵头单位"
    )
    responsible_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="responsible_tasks", verbose_name="责任单位"
    )
    supporting_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="supporting_tasks", verbose_name="配合单位"
    )
    due_on = models.DateField("完成时限", null=True, blank=True)
    ongoing = models.BooleanField("长期坚持", default=False)
    deadline_raw = models.CharField("完成时限（原文）", max_length=300, blank=True)
    order = models.PositiveIntegerField("顺序", default=0)
    previous_version = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_versions",
        verbose_name="上一版本中的同一任务",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = "任务"
        verbose_name_plural = "任务"
        constraints = [
            models.CheckConstraint(
                condition=~Q(origin="plan") | Q(plan__isnull=False),
                name="task_plan_origin_has_plan",
            ),
        ]
        indexes = [models.Index(fields=["area", "due_on"])]

    def __str__(self) -> str:
        return f"{self.label} {self.title}".strip() if self.label else self.title

    def get_absolute_url(self) -> str:
        return reverse("plans:task", args=[self.pk])


class Target(models.Model):
    """量化指标: a quantified target as written, with its number when one is found."""

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="targets", verbose_name="任务"
    )
    text = models.TextField("原文")
    value = models.DecimalField("数值", max_digits=20, decimal_places=4, null=True, blank=True)
    unit = models.CharField("计量单位", max_length=30, blank=True)
    comparator = models.CharField("比较", max_length=20, blank=True, help_text="如 ≤、≥、压缩至")
    order = models.PositiveIntegerField("顺序", default=0)

    class Meta:
        ordering = ["task", "order", "pk"]
        verbose_name = "量化指标"
        verbose_name_plural = "量化指标"

    def __str__(self) -> str:
        return self.text


class UnitRole(models.TextChoices):
    LEAD = "lead", "牵头单位"
    RESPONSIBLE = "responsible", "责任单位"
    SUPPORTING = "supporting", "配合单位"


class UnitMention(models.Model):
    """A unit name as written in the plan and what it resolved to (a unit, a group, or nothing).

    The task's unit sets are derived from its mentions: a unit gives itself, a group its
    members, an unresolved name nothing until it is mapped on the review page.
    """

    task = models.ForeignKey(
        Task, on_delete=models.CASCADE, related_name="unit_mentions", verbose_name="任务"
    )
    role = models.CharField("角色", max_length=20, choices=UnitRole.choices)
    raw_name = models.CharField("原文名称", max_length=200)
    order = models.PositiveIntegerField("顺序", default=0)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="对应单位",
    )
    group = models.ForeignKey(
        "orgs.UnitGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="对应单位集合",
    )
    proposal = models.ForeignKey(
        "orgs.UnitNameProposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="待确认名称",
    )

    class Meta:
        ordering = ["task", "role", "order"]
        verbose_name = "单位名称（原文）"
        verbose_name_plural = "单位名称（原文）"
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=True) | Q(group__isnull=True),
                name="mention_unit_or_group",
            ),
        ]

    def __str__(self) -> str:
        return self.raw_name

    @property
    def resolved(self) -> bool:
        return self.unit_id is not None or self.group_id is not None


class Article(models.Model):
    """An article of a compilation (材料汇编), searchable in the experience library (经验库)."""

    plan = models.ForeignKey(
        Plan, on_delete=models.CASCADE, related_name="articles", verbose_name="来源汇编"
    )
    title = models.CharField("标题", max_length=300, blank=True)
    body = models.TextField("正文", blank=True)
    order = models.PositiveIntegerField("顺序", default=0)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)
    in_toc = models.BooleanField("列于目录", default=False)
    fragment = models.BooleanField(
        "无标题片段", default=False, help_text="保留原文，但不作为经验文章展示"
    )
    tokens = models.TextField("分词", blank=True, editable=False)
    related_tasks: models.ManyToManyField[Task, ArticleTask] = models.ManyToManyField(
        Task,
        through="ArticleTask",
        blank=True,
        related_name="related_articles",
        verbose_name="相关任务",
    )

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = "经验文章"
        verbose_name_plural = "经验文章"

    def __str__(self) -> str:
        return self.title or "（无标题片段）"

    def get_absolute_url(self) -> str:
        return reverse("plans:article", args=[self.pk])


class ArticleTask(models.Model):
    """An article tagged with a related plan task, with the similarity that chose it."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="task_links")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="article_links")
    score = models.FloatField("相关度")

    class Meta:
        ordering = ["article", "-score"]
        verbose_name = "文章相关任务"
        verbose_name_plural = "文章相关任务"
        constraints = [
            models.UniqueConstraint(fields=["article", "task"], name="article_task_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.task}"
