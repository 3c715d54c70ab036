"""Tables of the supervision loop: review cadences and cycles, progress reports and their
history, reminders, supervision notices (督办单), bulletins (通报).

Tasks themselves are the plans app's ledger (``plans.Task``); this app adds what happens
to them. A task's status is never stored as typed-in text: it is derived from these tables
by ``rules.derive_task_status`` (see ``queries.task_statuses``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from qinqing.supervision.rules import (
    CADENCE_MONTHS,
    DEFAULT_REPORT_LAG_WORKDAYS,
    NoticeLevel,
    NoticeState,
    ReminderKind,
    ReportState,
    Stage,
    period_label,
)

USER = settings.AUTH_USER_MODEL


class ReviewCadence(models.Model):
    """调度机制: how often a plan's (or an area's) tasks are reviewed.

    A plan may run several at once (004: 主要领导每两月一调度、分管领导每月一调度). A cadence
    without a plan is the area's default, used for the area's tasks whose plan has none
    and for items assigned outside any plan (交办事项).
    """

    area = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="review_cadences",
        verbose_name="所属地区",
    )
    plan = models.ForeignKey(
        "plans.Plan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_cadences",
        verbose_name="方案",
        help_text="留空表示本地区默认调度（适用于未单独设置调度的方案和交办事项）",
    )
    label = models.CharField(
        "调度名称", max_length=40, help_text="如 月调度、主要领导调度、分管领导调度"
    )
    months = models.PositiveSmallIntegerField(
        "调度周期", choices=sorted(CADENCE_MONTHS.items()), default=1
    )
    report_lag_workdays = models.PositiveSmallIntegerField(
        "报送时限（周期结束后工作日）", default=DEFAULT_REPORT_LAG_WORKDAYS
    )
    starts_on = models.DateField("起始月份", help_text="第一个周期从该月第一天开始")
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="创建人",
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        ordering = ["area_id", "plan_id", "months", "label"]
        verbose_name = "调度机制"
        verbose_name_plural = "调度机制"
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "label"],
                condition=Q(plan__isnull=False),
                name="cadence_unique_label_per_plan",
            ),
            models.UniqueConstraint(
                fields=["area", "label"],
                condition=Q(plan__isnull=True),
                name="cadence_unique_label_per_area_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{CADENCE_MONTHS.get(self.months, self.months)}）"


class ReviewCycle(models.Model):
    """One period of a cadence, with the day its progress reports are due."""

    cadence = models.ForeignKey(
        ReviewCadence, on_delete=models.CASCADE, related_name="cycles", verbose_name="调度机制"
    )
    period_start = models.DateField("周期开始")
    period_end = models.DateField("周期结束")
    report_due_on = models.DateField("报送截止日")
    opened_at = models.DateTimeField("开放报送时间", null=True, blank=True)

    class Meta:
        ordering = ["-period_start", "cadence_id"]
        verbose_name = "调度周期"
        verbose_name_plural = "调度周期"
        constraints = [
            models.UniqueConstraint(fields=["cadence", "period_start"], name="cycle_unique_period"),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="cycle_period_ordered"
            ),
        ]
        indexes = [models.Index(fields=["report_due_on"]), models.Index(fields=["period_end"])]

    def __str__(self) -> str:
        return f"{self.cadence.label} {self.label}"

    @property
    def label(self) -> str:
        return period_label(self.period_start, self.period_end)


class ProgressReport(models.Model):
    """进度报送: what one unit reports on one task for one review cycle.

    Created as an empty slot (待报送) when the cycle opens, so that what is expected, late
    or missing is a plain query. Each submission is kept in ``versions`` with its review.
    ``is_current`` marks the unit's standing report on the task: its latest submitted or
    accepted one (by period, then time); the task's status is derived from those.
    """

    # no single-column indexes on task and unit: the unique (task, unit, cycle) and the
    # (unit, state) indexes lead with them (fewer indexes to maintain on a month turn)
    task = models.ForeignKey(
        "plans.Task",
        on_delete=models.CASCADE,
        related_name="progress_reports",
        verbose_name="任务",
        db_index=False,
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="progress_reports",
        verbose_name="报送单位",
        db_index=False,
    )
    cycle = models.ForeignKey(
        ReviewCycle, on_delete=models.CASCADE, related_name="reports", verbose_name="调度周期"
    )
    period_end = models.DateField("周期结束", help_text="同调度周期，用于确定最新报送")
    report_due_on = models.DateField("报送截止日")
    state = models.CharField(
        "审核状态", max_length=20, choices=ReportState.choices, default=ReportState.PENDING
    )
    stage = models.CharField("推进阶段", max_length=20, choices=Stage.choices, blank=True)
    narrative = models.TextField("工作进展", blank=True)
    version = models.PositiveIntegerField("报送次数", default=0)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True)
    first_submitted_on = models.DateField(
        "首次报送日期", null=True, blank=True, help_text="按当地日期，用于判断是否按时报送"
    )
    submitted_at = models.DateTimeField("最近报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报送人",
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    return_reason = models.TextField("退回理由", blank=True)
    return_count = models.PositiveIntegerField("被退回次数", default=0)
    is_current = models.BooleanField("当前有效报送", default=False)

    class Meta:
        ordering = ["-period_end", "task_id", "unit_id"]
        verbose_name = "进度报送"
        verbose_name_plural = "进度报送"
        constraints = [
            models.UniqueConstraint(fields=["task", "unit", "cycle"], name="report_unique_slot"),
            models.UniqueConstraint(
                fields=["task", "unit"], condition=Q(is_current=True), name="report_one_current"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "state"]),
            models.Index(fields=["state", "report_due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.task} · {period_label(self.cycle.period_start, self.period_end) if self.cycle_id else ''}"

    def get_absolute_url(self) -> str:
        return reverse("supervision:report", args=[self.pk])


class ReportVersion(models.Model):
    """One submission of a report, with the office's decision on it (history, never edited
    except to record that decision)."""

    class Decision(models.TextChoices):
        PENDING = "", "待审核"
        ACCEPTED = "accepted", "采纳"
        RETURNED = "returned", "退回"

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="versions", verbose_name="进度报送"
    )
    number = models.PositiveIntegerField("第几次报送")
    stage = models.CharField("推进阶段", max_length=20, choices=Stage.choices)
    narrative = models.TextField("工作进展")
    submitted_at = models.DateTimeField("报送时间")
    submitted_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="报送人",
    )
    decision = models.CharField(
        "审核结果", max_length=20, choices=Decision.choices, blank=True, default=""
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="审核人",
    )
    reason = models.TextField("退回理由", blank=True)

    class Meta:
        ordering = ["report_id", "number"]
        verbose_name = "报送版本"
        verbose_name_plural = "报送版本"
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_unique"),
        ]

    def __str__(self) -> str:
        return f"第{self.number}次报送"


class TargetValue(models.Model):
    """The current value of a quantified target (量化指标) as reported in one submission."""

    version = models.ForeignKey(
        ReportVersion,
        on_delete=models.CASCADE,
        related_name="target_values",
        verbose_name="报送版本",
    )
    target = models.ForeignKey(
        "plans.Target",
        on_delete=models.CASCADE,
        related_name="reported_values",
        verbose_name="量化指标",
    )
    value = models.DecimalField("当前值", max_digits=20, decimal_places=4)

    class Meta:
        ordering = ["version_id", "target_id"]
        verbose_name = "指标完成值"
        verbose_name_plural = "指标完成值"
        constraints = [
            models.UniqueConstraint(fields=["version", "target"], name="target_value_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target_id}: {self.value}"


def attachment_path(instance: ReportAttachment, filename: str) -> str:
    # random stored name: the original name is kept in the row and used for the download
    return f"supervision/reports/{instance.report_id}/{instance.sha256[:16]}-{timezone.now():%Y%m%d%H%M%S%f}"


class ReportAttachment(models.Model):
    """A file attached to a report, stored outside the web root, served only after an
    access check."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name="进度报送",
    )
    version_number = models.PositiveIntegerField("随第几次报送上传")
    file = models.FileField("文件", upload_to=attachment_path, max_length=255)
    original_name = models.CharField("文件名", max_length=200)
    extension = models.CharField("类型", max_length=10)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("摘要", max_length=64)
    uploaded_at = models.DateTimeField("上传时间", default=timezone.now)
    uploaded_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="上传人",
    )

    class Meta:
        ordering = ["report_id", "uploaded_at", "pk"]
        verbose_name = "报送附件"
        verbose_name_plural = "报送附件"

    def __str__(self) -> str:
        return self.original_name


class TaskCompletion(models.Model):
    """The fact that the office verified a task complete (derived and kept in step by the
    review service, so that indicators count completions with a plain join)."""

    task = models.OneToOneField(
        "plans.Task", on_delete=models.CASCADE, related_name="completion", verbose_name="任务"
    )
    claimed_on = models.DateField("报告完成日期")
    verified_at = models.DateTimeField("核验时间")
    verified_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="核验人",
    )

    class Meta:
        verbose_name = "任务完成核验"
        verbose_name_plural = "任务完成核验"

    def __str__(self) -> str:
        return f"任务 {self.task_id} 于 {self.claimed_on} 完成"


class Assignment(models.Model):
    """交办: where an item outside any plan came from (调度会议定事项, 领导批示)."""

    task = models.OneToOneField(
        "plans.Task", on_delete=models.CASCADE, related_name="assignment", verbose_name="任务"
    )
    basis = models.CharField(
        "交办依据",
        max_length=200,
        help_text="如 2025年第6次市长调度会议纪要、周市长批示〔2025〕12号",
    )
    assigned_on = models.DateField("交办日期")
    assigning_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="交办单位"
    )
    assigned_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="交办人",
    )

    class Meta:
        verbose_name = "交办事项"
        verbose_name_plural = "交办事项"

    def __str__(self) -> str:
        return self.basis


class Reminder(models.Model):
    """A reminder the sweep found owed. The unique key guarantees it is created — and so
    sent — once; ``dispatched_at`` is claimed before sending."""

    task = models.ForeignKey(
        "plans.Task",
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name="任务",
        db_index=False,  # the unique (task, unit, kind, key) index leads with it
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="reminders", verbose_name="单位"
    )
    kind = models.CharField("提醒类型", max_length=30, choices=ReminderKind.choices)
    key = models.CharField("提醒键", max_length=40, help_text="调度周期或完成时限")
    cycle = models.ForeignKey(
        ReviewCycle, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders"
    )
    created_at = models.DateTimeField("发现时间")
    dispatched_at = models.DateTimeField("发送时间", null=True, blank=True)
    emails = models.PositiveIntegerField("邮件收件人数", default=0)
    sms = models.PositiveIntegerField("短信条数", default=0)
    error = models.TextField("发送错误", blank=True)

    class Meta:
        ordering = ["-created_at", "unit_id", "task_id"]
        verbose_name = "催办提醒"
        verbose_name_plural = "催办提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["task", "unit", "kind", "key"], name="reminder_unique_once"
            ),
        ]
        indexes = [models.Index(fields=["dispatched_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.unit} · {self.task}"


class SweepRun(models.Model):
    """One completed run of the sweep job (a crashed run leaves no row)."""

    now = models.DateTimeField("运行时刻")
    finished_at = models.DateTimeField("完成时间")
    cycles_created = models.PositiveIntegerField("新建周期", default=0)
    slots_opened = models.PositiveIntegerField("新开报送", default=0)
    reminders_created = models.PositiveIntegerField("新增提醒", default=0)
    counts = models.JSONField("状态统计", default=dict)

    class Meta:
        ordering = ["-now"]
        verbose_name = "巡检记录"
        verbose_name_plural = "巡检记录"

    def __str__(self) -> str:
        return f"调度巡检 {self.now:%Y-%m-%d %H:%M}"


class SupervisionNotice(models.Model):
    """督办单: issued by a coordinating unit on a task or a unit, answered by that unit."""

    year = models.PositiveIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    number = models.CharField("编号", max_length=40)
    level = models.CharField("层级", max_length=20, choices=NoticeLevel.choices)
    state = models.CharField(
        "状态", max_length=20, choices=NoticeState.choices, default=NoticeState.ISSUED
    )
    issuing_unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="issued_notices",
        verbose_name="督办单位",
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="supervision_notices",
        verbose_name="被督办单位",
    )
    task = models.ForeignKey(
        "plans.Task",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_notices",
        verbose_name="督办任务",
    )
    reason = models.TextField("督办事由")
    requirement = models.TextField("办理要求", blank=True)
    response_workdays = models.PositiveSmallIntegerField("反馈时限（工作日）")
    issued_on = models.DateField("签发日期")
    response_due_on = models.DateField("反馈截止日")
    issued_at = models.DateTimeField("签发时间")
    issued_by = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="签发人"
    )
    response = models.TextField("反馈内容", blank=True)
    responded_at = models.DateTimeField("反馈时间", null=True, blank=True)
    responded_on = models.DateField("反馈日期", null=True, blank=True)
    responded_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="反馈人",
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="办结人",
    )
    close_note = models.TextField("办结意见", blank=True)
    escalated_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name="由此督办单升级",
    )
    referred_to_discipline = models.BooleanField("已移送纪检监察", default=False)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        constraints = [
            models.UniqueConstraint(
                fields=["issuing_unit", "year", "sequence"], name="notice_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(referred_to_discipline=False) | Q(level="accountability"),
                name="notice_referral_is_accountability",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "response_due_on"]),
            models.Index(fields=["level", "referred_to_discipline"]),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_level_display()}）"

    def get_absolute_url(self) -> str:
        return reverse("supervision:notice", args=[self.pk])


class Bulletin(models.Model):
    """通报: the period's bulletin as generated (Word and PDF), with the figures it states."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="bulletins", verbose_name="地区"
    )
    period_start = models.DateField("期间开始")
    period_end = models.DateField("期间结束")
    as_of = models.DateField("统计截至")
    version = models.PositiveIntegerField("版本", default=1)
    title = models.CharField("标题", max_length=200)
    docx = models.FileField("Word 文件", max_length=255)
    pdf = models.FileField("PDF 文件", max_length=255)
    figures = models.JSONField("统计数据", default=dict)
    generated_at = models.DateTimeField("生成时间")
    generated_by = models.ForeignKey(
        USER,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="生成人",
    )

    class Meta:
        ordering = ["-period_start", "-version"]
        verbose_name = "工作通报"
        verbose_name_plural = "工作通报"
        constraints = [
            models.UniqueConstraint(
                fields=["area", "period_start", "version"], name="bulletin_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_unit_id(self) -> int:
        return self.area_id
