"""Tables of the problem ledger (问题台账): problems from every source, their rectification
(整改) and 销号, 回头看 checks, 专项整治 campaigns, 清欠 arrears and government promises,
监督员 and 督查组 visits, 纪检移送 referrals, 典型案例 and 经验做法, and monthly themes
mined from appeals.

States and deadlines are computed by ``rules.py``; every change goes through ``service.py``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from qinqing.problems.rules import (
    ArrearsKind,
    CampaignKind,
    CaseKind,
    CaseState,
    CheckState,
    ConductKind,
    DocumentOutcome,
    EntryKind,
    ProblemState,
    ReferralState,
    Source,
    SubmissionChannel,
    ThemeState,
)

USER = settings.AUTH_USER_MODEL


class ProblemSettings(models.Model):
    """An area's configuration: 回头看 period and 考评 deductions (values, not code)."""

    area = models.OneToOneField(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="地区"
    )
    follow_up_days = models.PositiveSmallIntegerField(
        "回头看间隔（自然日）", default=90, help_text="销号后多少天进行回头看"
    )
    deduction_overdue = models.DecimalField(
        "逾期未整改每件扣分", max_digits=5, decimal_places=2, default=Decimal("1.00")
    )
    deduction_recurrence = models.DecimalField(
        "回头看反弹每件扣分", max_digits=5, decimal_places=2, default=Decimal("2.00")
    )
    deduction_accountability = models.DecimalField(
        "被问责每件扣分", max_digits=5, decimal_places=2, default=Decimal("5.00")
    )
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "问题台账设置"
        verbose_name_plural = "问题台账设置"

    def __str__(self) -> str:
        return f"{self.area}问题台账设置"


class Campaign(models.Model):
    """专项整治: a typed ledger with its own fields and a target date (「6月底前“清零”」)."""

    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("整治类型", max_length=30, choices=CampaignKind.choices)
    title = models.CharField("专项名称", max_length=200)
    target_on = models.DateField("清零时限")
    description = models.TextField("工作要求", blank=True)
    created_at = models.DateTimeField("创建时间")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-target_on", "pk"]
        verbose_name = "专项整治"
        verbose_name_plural = "专项整治"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("problems:campaign", args=[self.pk])


class Supervisor(models.Model):
    """营商环境监督员: appointed for a term and an area; reports by web or QR code."""

    user = models.OneToOneField(
        USER, on_delete=models.PROTECT, related_name="problem_supervisor", verbose_name="账号"
    )
    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("姓名", max_length=50)
    beat = models.CharField("监督领域/片区", max_length=100, blank=True)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期结束")
    qr_token = models.CharField("二维码令牌", max_length=40, unique=True)
    active = models.BooleanField("在任", default=True)

    class Meta:
        ordering = ["area", "name"]
        verbose_name = "营商环境监督员"
        verbose_name_plural = "营商环境监督员"

    def __str__(self) -> str:
        return self.name


class DutyLog(models.Model):
    """履职记录: what a supervisor did on a day."""

    supervisor = models.ForeignKey(Supervisor, on_delete=models.CASCADE, related_name="duties")
    on = models.DateField("日期")
    activity = models.CharField("履职内容", max_length=500)
    recorded_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = "监督员履职记录"
        verbose_name_plural = "监督员履职记录"

    def __str__(self) -> str:
        return f"{self.supervisor} {self.on}"


class InspectionVisit(models.Model):
    """督查组 / 督导组 visit record; its findings become problems in the ledger."""

    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    team = models.CharField("督查组", max_length=100)
    kind = models.CharField(
        "方式", max_length=30, choices=Source.choices, default=Source.INSPECTION
    )
    visited_on = models.DateField("督查日期")
    units = models.ManyToManyField("orgs.Unit", related_name="+", verbose_name="被督查单位")
    summary = models.TextField("督查情况", blank=True)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = "督查记录"
        verbose_name_plural = "督查记录"

    def __str__(self) -> str:
        return f"{self.team} {self.visited_on}"


class Problem(models.Model):
    """One problem of the ledger, whatever its source."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="地区"
    )
    number = models.CharField("编号", max_length=30, unique=True)
    title = models.CharField("问题", max_length=300)
    description = models.TextField("问题描述", blank=True)
    source = models.CharField("来源", max_length=30, choices=Source.choices)
    source_detail = models.CharField("来源说明", max_length=300, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="problems",
        verbose_name="专项整治",
    )  # fmt: skip
    details = models.JSONField("专项字段", default=dict, blank=True)
    lead_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="牵头单位"
    )
    responsible_units = models.ManyToManyField(
        "orgs.Unit", related_name="+", blank=True, verbose_name="责任单位"
    )
    measures = models.TextField("整改措施", blank=True)
    time_limit = models.CharField(
        "整改时限", max_length=30, help_text="如 15个工作日、到达本级15日内"
    )
    received_at = models.DateTimeField("交办时间")
    due_at = models.DateTimeField("整改期限")
    state = models.CharField(
        "状态", max_length=20, choices=ProblemState.choices, default=ProblemState.OPEN
    )
    conduct = models.CharField(
        "作风问题", max_length=20, choices=ConductKind.choices, blank=True, default=""
    )
    visit = models.ForeignKey(
        InspectionVisit, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    supervisor = models.ForeignKey(
        Supervisor, null=True, blank=True, on_delete=models.SET_NULL, related_name="problems"
    )
    appeal_ids = models.JSONField("相关诉求", default=list, blank=True)
    rectification = models.TextField("整改情况", blank=True)
    submitted_at = models.DateTimeField("申请销号时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_reason = models.TextField("退回理由", blank=True)
    recurrences = models.PositiveSmallIntegerField("反弹次数", default=0)
    accountability = models.BooleanField("已问责", default=False)
    created_at = models.DateTimeField("登记时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "问题"
        verbose_name_plural = "问题台账"
        indexes = [
            models.Index(fields=["area", "state"], name="problem_area_state"),
            models.Index(fields=["state", "due_at"], name="problem_state_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title[:40]}"

    def get_absolute_url(self) -> str:
        return reverse("problems:detail", args=[self.pk])

    @property
    def audit_unit_id(self) -> int:
        return self.lead_unit_id

    @property
    def referred(self) -> bool:
        return self.state == ProblemState.REFERRED


class Evidence(models.Model):
    """证据: a finding's evidence or a unit's rectification material (text and/or file)."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="evidence")
    stage = models.CharField(
        "阶段", max_length=20, choices=[("finding", "发现问题"), ("rectification", "整改材料")]
    )
    note = models.TextField("说明", blank=True)
    file = models.FileField("文件", upload_to="problems/evidence/%Y/%m/", blank=True)
    original_name = models.CharField("文件名", max_length=200, blank=True)
    added_at = models.DateTimeField("上传时间")
    added_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["added_at", "pk"]
        verbose_name = "证据材料"
        verbose_name_plural = "证据材料"

    def __str__(self) -> str:
        return self.original_name or self.note[:30]


class FollowUpCheck(models.Model):
    """回头看: a check some time after 销号 that the problem has not come back."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="checks")
    round = models.PositiveSmallIntegerField("轮次")
    due_on = models.DateField("回头看日期")
    state = models.CharField(
        "结果", max_length=20, choices=CheckState.choices, default=CheckState.PENDING
    )
    note = models.TextField("回头看情况", blank=True)
    checked_at = models.DateTimeField("检查时间", null=True, blank=True)
    checked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("生成时间")

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = "回头看"
        verbose_name_plural = "回头看"
        constraints = [
            models.UniqueConstraint(fields=["problem", "round"], name="followup_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.problem.number} 第{self.round}次回头看"


class Referral(models.Model):
    """纪检移送: the restricted part of a conduct problem, readable only by 纪检监察."""

    problem = models.OneToOneField(Problem, on_delete=models.PROTECT, related_name="referral")
    conduct = models.CharField("问题性质", max_length=20, choices=ConductKind.choices)
    allegation = models.TextField("问题线索")
    persons = models.CharField("涉及人员", max_length=300, blank=True)
    state = models.CharField(
        "办理状态", max_length=20, choices=ReferralState.choices, default=ReferralState.REFERRED
    )
    feedback = models.TextField("核查反馈", blank=True)
    outcome = models.TextField("处理结果", blank=True)
    referred_at = models.DateTimeField("移送时间")
    referred_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "纪检移送"
        verbose_name_plural = "纪检移送"

    def __str__(self) -> str:
        return f"移送 {self.problem.number}"


class Case(models.Model):
    """典型案例 (negative, published on the 曝光 page after approval) or 经验做法 (positive,
    in the 经验库 after review)."""

    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("类型", max_length=20, choices=CaseKind.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="涉及/报送单位",
    )  # fmt: skip
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases"
    )
    state = models.CharField(
        "状态", max_length=20, choices=CaseState.choices, default=CaseState.PENDING
    )
    submitted_at = models.DateTimeField("提交时间")
    submitted_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField("审核意见", max_length=300, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "案例"
        verbose_name_plural = "典型案例与经验做法"

    def __str__(self) -> str:
        return self.title


class Arrears(models.Model):
    """清欠 (arrears owed to an enterprise) or 政务诚信 (a government promise) until honoured."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所属地区"
    )
    kind = models.CharField(
        "类型", max_length=20, choices=ArrearsKind.choices, default=ArrearsKind.ARREARS
    )
    number = models.CharField("编号", max_length=30, unique=True)
    creditor_uscc = models.CharField("债权企业统一社会信用代码", max_length=18, db_index=True)
    creditor_name = models.CharField("债权企业", max_length=200)
    debtor_unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="欠款单位",
    )  # fmt: skip
    debtor_name = models.CharField("欠款单位名称", max_length=200)
    debtor_is_soe = models.BooleanField("国有企业", default=False)
    county = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="县（市、区）"
    )
    description = models.TextField("欠款事由/承诺内容", blank=True)
    principal = models.DecimalField("欠款金额（元）", max_digits=16, decimal_places=2)
    incurred_on = models.DateField("形成日期")
    disputed = models.BooleanField("存在争议", default=False)
    dispute_note = models.TextField("争议情况", blank=True)
    created_at = models.DateTimeField("登记时间")
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-incurred_on", "-pk"]
        verbose_name = "清欠台账"
        verbose_name_plural = "清欠台账"

    def __str__(self) -> str:
        return f"{self.number} {self.debtor_name}欠{self.creditor_name}"

    def get_absolute_url(self) -> str:
        return reverse("problems:arrears", args=[self.pk])

    @property
    def audit_unit_id(self) -> int | None:
        return self.debtor_unit_id or self.county_id


class ArrearsEntry(models.Model):
    """A payment (还款) or a correction of an earlier one (冲正, a negative amount).

    Entries are never edited or deleted: a mistake is corrected by a new entry, so the
    outstanding balance is always ``principal - sum(entries)``.
    """

    arrears = models.ForeignKey(Arrears, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("类型", max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField("金额（元）", max_digits=16, decimal_places=2)
    paid_on = models.DateField("日期")
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    note = models.CharField("说明", max_length=300, blank=True)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["paid_on", "pk"]
        verbose_name = "还款记录"
        verbose_name_plural = "还款记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class RepaymentPlan(models.Model):
    """还款计划: how much the debtor plans to repay in a year."""

    arrears = models.ForeignKey(Arrears, on_delete=models.CASCADE, related_name="plan")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("计划还款（元）", max_digits=16, decimal_places=2)

    class Meta:
        ordering = ["year"]
        verbose_name = "还款计划"
        verbose_name_plural = "还款计划"
        constraints = [
            models.UniqueConstraint(fields=["arrears", "year"], name="repayment_plan_year")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.amount}"


class SupervisorReport(models.Model):
    """A supervisor's submission (web form or QR code); the office turns it into a problem."""

    supervisor = models.ForeignKey(Supervisor, on_delete=models.PROTECT, related_name="reports")
    channel = models.CharField("渠道", max_length=10, choices=SubmissionChannel.choices)
    title = models.CharField("反映事项", max_length=200)
    content = models.TextField("具体情况")
    place = models.CharField("地点/单位", max_length=200, blank=True)
    submitted_at = models.DateTimeField("提交时间")
    problem = models.OneToOneField(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="supervisor_report"
    )

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "监督员反映"
        verbose_name_plural = "监督员反映"

    def __str__(self) -> str:
        return self.title


class ThemeRun(models.Model):
    """One monthly themes run for an area (每月一题); at most one per area and month."""

    area = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.CharField("月份", max_length=7)
    appeals = models.PositiveIntegerField("诉求数")
    ran_at = models.DateTimeField("运行时间")

    class Meta:
        ordering = ["-month"]
        verbose_name = "热点问题分析"
        verbose_name_plural = "热点问题分析"
        constraints = [
            models.UniqueConstraint(fields=["area", "month"], name="theme_run_once_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.month}"


class ThemeProposal(models.Model):
    """A rising theme proposed to the office as a candidate problem."""

    run = models.ForeignKey(ThemeRun, on_delete=models.CASCADE, related_name="proposals")
    rank = models.PositiveSmallIntegerField("排名")
    label = models.CharField("主题", max_length=200)
    top_terms = models.JSONField("关键词", default=list)
    appeal_ids = models.JSONField("诉求", default=list)
    examples = models.JSONField("示例", default=list)
    months = models.JSONField("出现月份", default=list)
    size = models.PositiveIntegerField("诉求数")
    previous = models.PositiveIntegerField("前几月诉求数", default=0)
    heat = models.FloatField("热度")
    state = models.CharField(
        "状态", max_length=20, choices=ThemeState.choices, default=ThemeState.PROPOSED
    )
    problem = models.OneToOneField(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="theme"
    )

    class Meta:
        ordering = ["run", "rank"]
        verbose_name = "热点问题建议"
        verbose_name_plural = "热点问题建议"
        constraints = [models.UniqueConstraint(fields=["run", "rank"], name="theme_proposal_rank")]

    def __str__(self) -> str:
        return self.label


__all__ = [
    "Arrears",
    "ArrearsEntry",
    "Campaign",
    "Case",
    "DocumentOutcome",
    "DutyLog",
    "Evidence",
    "FollowUpCheck",
    "InspectionVisit",
    "Problem",
    "ProblemSettings",
    "Referral",
    "RepaymentPlan",
    "Supervisor",
    "SupervisorReport",
    "ThemeProposal",
    "ThemeRun",
]
