"""涉企检查监管: inclusive regulation (免罚清单, 柔性执法) and control of on-site checks.

* ``LeniencyList`` / ``LeniencyListVersion`` / ``LeniencyEntry``: 免罚、轻罚、不予强制清单
  of one enforcement unit and field, versioned; publishing a version stores its diff with
  the previous published one (新增、调整、减少).
* ``FlexibleCase``: a case handled under a list entry (告知、提醒、约谈、观察期).
* ``EnforcementMatter`` / ``DiscretionStandard``: 执法事项清单 and 裁量基准, public, linked
  to the inspection items of ``qinqing.inspections``; ``PenaltyNotice``: published penalty
  decisions that leave the public page after the configured period.
* ``CheckRegistration``: 涉企行政检查备案 before entry (核准 by the office where the
  locality requires it; complaint and emergency checks recorded afterwards), with
  ``CheckScan`` (码上监督: the enterprise's code scanned on arrival) and
  ``JointVisitProposal`` (进一次门、查多项事).
* ``UnregisteredVisitReport``: an enterprise reports a visit nobody registered; it opens an
  appeal (and a referral to 纪检监察 for a conduct matter).
* ``EnterpriseCode``: the token behind each enterprise's QR code; ``OnsiteSettings``: the
  locality's rules (approval before entry, annual caps, publication periods).

Quiet windows (宁静日 / 安静生产期) are the inspections app's ``LocalQuietDays`` and
``QuietPeriod``, applied through the one shared rule ``inspections.rules.quiet_window_conflict``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Discretion(models.TextChoices):
    MINOR_NO_PENALTY = "minor_no_penalty", "轻微不罚"
    FIRST_NO_PENALTY = "first_no_penalty", "首违不罚"
    NO_COERCION = "no_coercion", "不予强制"
    LIGHTER = "lighter", "从轻减轻"


class VersionState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"
    SUPERSEDED = "superseded", "已被新版本替代"


class LeniencyList(models.Model):
    """免罚、轻罚、不予强制清单 of one enforcement unit in one field (执法领域)."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="执法部门"
    )
    field = models.CharField("执法领域", max_length=100)
    title = models.CharField("清单名称", max_length=200)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        ordering = ["unit_id", "field"]
        verbose_name = "免罚清单"
        verbose_name_plural = "免罚清单"
        constraints = [
            models.UniqueConstraint(fields=["unit", "field"], name="onsite_list_unique_field")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("onsite:list_detail", args=[self.pk])


class LeniencyListVersion(models.Model):
    """One version of a list (第一版、第二版…): edited as a draft, then published as a whole."""

    leniency_list = models.ForeignKey(
        LeniencyList, on_delete=models.CASCADE, related_name="versions", verbose_name="清单"
    )
    number = models.PositiveIntegerField("版本号")
    state = models.CharField(
        "状态", max_length=20, choices=VersionState.choices, default=VersionState.DRAFT
    )
    effective_on = models.DateField("施行日期", null=True, blank=True)
    source = models.CharField("发布文件", max_length=200, blank=True)
    # {"added": [...], "changed": [{"code", "fields"}], "removed": [...]} against the
    # previous published version, fixed when this one is published
    diff = models.JSONField("与上一版相比", default=dict, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        ordering = ["leniency_list_id", "-number"]
        verbose_name = "免罚清单版本"
        verbose_name_plural = "免罚清单版本"
        constraints = [
            models.UniqueConstraint(
                fields=["leniency_list", "number"], name="onsite_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.leniency_list.title}（第 {self.number} 版）"

    @property
    def audit_unit_id(self) -> int:
        return self.leniency_list.unit_id


class LeniencyEntry(models.Model):
    """One item of a list version; ``code`` identifies the same item across versions."""

    version = models.ForeignKey(
        LeniencyListVersion, on_delete=models.CASCADE, related_name="entries"
    )
    code = models.CharField("序号/编号", max_length=40)
    behaviour = models.CharField("违法行为", max_length=300)
    legal_basis = models.TextField("法律依据")
    conditions = models.TextField("适用条件")
    discretion = models.CharField("处理方式", max_length=30, choices=Discretion.choices)
    matter = models.ForeignKey(
        "EnforcementMatter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="leniency_entries",
        verbose_name="对应执法事项",
    )

    class Meta:
        ordering = ["version_id", "code"]
        verbose_name = "免罚清单事项"
        verbose_name_plural = "免罚清单事项"
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="onsite_entry_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.behaviour}"


class Measure(models.TextChoices):
    NOTICE = "notice", "告知"
    REMINDER = "reminder", "提醒"
    INTERVIEW = "interview", "约谈"
    OBSERVATION = "observation", "观察期"


class FlexibleCase(models.Model):
    """柔性执法案例: a case handled under a list entry instead of a penalty or coercion."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="执法部门"
    )
    entry = models.ForeignKey(
        LeniencyEntry, on_delete=models.PROTECT, related_name="cases", verbose_name="适用清单事项"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name="企业"
    )
    measure = models.CharField("柔性措施", max_length=20, choices=Measure.choices)
    handled_on = models.DateField("处理日期")
    observation_until = models.DateField("观察期截止", null=True, blank=True)
    summary = models.TextField("案情及处理")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-handled_on", "-id"]
        verbose_name = "柔性执法案例"
        verbose_name_plural = "柔性执法案例"
        indexes = [models.Index(fields=["unit", "handled_on"], name="onsite_case_unit_day")]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}：{self.entry.behaviour}"


class MatterKind(models.TextChoices):
    INSPECTION = "inspection", "行政检查"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"


class EnforcementMatter(models.Model):
    """执法事项清单: one matter a unit may enforce, on what basis; linked to inspection items."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="实施部门"
    )
    code = models.CharField("事项编码", max_length=40, unique=True)
    name = models.CharField("事项名称", max_length=200)
    kind = models.CharField("事项类别", max_length=20, choices=MatterKind.choices)
    legal_basis = models.TextField("实施依据")
    inspection_items = models.ManyToManyField(
        "inspections.InspectionItem", blank=True, related_name="+", verbose_name="对应检查事项"
    )
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        ordering = ["unit_id", "code"]
        verbose_name = "执法事项"
        verbose_name_plural = "执法事项"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "较重"
    GRAVE = "grave", "严重"


class DiscretionStandard(models.Model):
    """裁量基准: for one matter, what each circumstance leads to."""

    matter = models.ForeignKey(
        EnforcementMatter, on_delete=models.CASCADE, related_name="standards"
    )
    severity = models.CharField("违法程度", max_length=20, choices=Severity.choices)
    circumstance = models.TextField("违法情节")
    outcome = models.TextField("裁量结果")
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        ordering = ["matter_id", "id"]
        verbose_name = "裁量基准"
        verbose_name_plural = "裁量基准"

    def __str__(self) -> str:
        return f"{self.matter.name}：{self.get_severity_display()}"


class PenaltyNotice(models.Model):
    """行政处罚信息公示: shown on the public page until its publication period ends."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="处罚机关"
    )
    matter = models.ForeignKey(
        EnforcementMatter, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name="企业"
    )
    decision_number = models.CharField("决定书文号", max_length=100)
    summary = models.TextField("违法行为及处罚内容")
    minor = models.BooleanField(
        "仅通报批评或较低数额罚款", default=False, help_text="公示期较短，届满后不再公开"
    )
    published_on = models.DateField("公示日期")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-published_on", "-id"]
        verbose_name = "行政处罚公示"
        verbose_name_plural = "行政处罚公示"

    def __str__(self) -> str:
        return self.decision_number


class Category(models.TextChoices):
    ROUTINE = "routine", "日常检查"
    RANDOM = "random", "双随机抽查"
    SPECIAL = "special", "专项检查"
    SAFETY = "safety", "安全生产检查"
    COMPLAINT = "complaint", "投诉举报核查"
    EMERGENCY = "emergency", "突发事件处置"


class RegistrationState(models.TextChoices):
    PENDING = "pending", "待营商办核准"
    REGISTERED = "registered", "已备案"
    APPROVED = "approved", "已核准"
    REJECTED = "rejected", "不予核准"
    ARRIVED = "arrived", "已扫码入企"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class CheckRegistration(models.Model):
    """涉企行政检查备案: one planned on-site check, registered before entry (or afterwards)."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="检查部门"
    )
    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        related_name="check_registrations",
        verbose_name="企业",
    )
    category = models.CharField("检查类别", max_length=20, choices=Category.choices)
    reason = models.TextField("检查事由")
    legal_basis = models.TextField("检查依据")
    items = models.ManyToManyField(
        "inspections.InspectionItem", related_name="+", verbose_name="检查事项"
    )
    inspectors = models.ManyToManyField(
        "inspections.Inspector", related_name="+", verbose_name="检查人员"
    )
    planned_on = models.DateField("检查日期")
    state = models.CharField("状态", max_length=20, choices=RegistrationState.choices)
    after_the_fact = models.BooleanField("事后补录", default=False)
    exemption_reason = models.TextField("宁静日入企理由", blank=True)
    late_reason = models.TextField("事后补录原因", blank=True)
    quiet_conflict = models.CharField("所在宁静期", max_length=100, blank=True)
    calendar_provisional = models.BooleanField("日历暂定", default=False)
    joint = models.ForeignKey(
        "JointVisitProposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        verbose_name="联合检查",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField("核准时间", null=True, blank=True)
    decision_note = models.CharField("核准意见", max_length=300, blank=True)
    arrived_at = models.DateTimeField("扫码入企时间", null=True, blank=True)
    result = models.TextField("检查结果", blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # a visit drawn by 双随机 (one registration per department of a joint visit)
    visit = models.ForeignKey(
        "inspections.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="双随机检查对象",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-planned_on", "-id"]
        verbose_name = "涉企检查备案"
        verbose_name_plural = "涉企检查备案"
        indexes = [
            models.Index(fields=["enterprise", "planned_on"], name="onsite_reg_ent_day"),
            models.Index(fields=["area", "planned_on"], name="onsite_reg_area_day"),
            models.Index(fields=["unit", "planned_on"], name="onsite_reg_unit_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "unit"],
                condition=models.Q(visit__isnull=False),
                name="onsite_reg_unique_visit_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.enterprise.name}（{self.planned_on}）"

    def get_absolute_url(self) -> str:
        return reverse("onsite:detail", args=[self.pk])


class CheckScan(models.Model):
    """码上监督: an inspector scanned the enterprise's code on arrival."""

    registration = models.ForeignKey(
        CheckRegistration, on_delete=models.CASCADE, related_name="scans"
    )
    scanned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    inspector = models.ForeignKey(
        "inspections.Inspector",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="扫码的检查人员",
    )
    scanned_at = models.DateTimeField("扫码时间")

    class Meta:
        ordering = ["-scanned_at"]
        verbose_name = "扫码入企记录"
        verbose_name_plural = "扫码入企记录"

    def __str__(self) -> str:
        return f"{self.registration_id} @ {self.scanned_at:%Y-%m-%d %H:%M}"


class DrawnVisitRefusal(models.Model):
    """A visit drawn by 双随机 that could not be registered (宁静日, cap, date passed…).

    The department sees the reason and re-plans the visit; a later run of the job does not
    try the same visit and department again.
    """

    visit = models.ForeignKey(
        "inspections.Visit", on_delete=models.CASCADE, related_name="+", verbose_name="检查对象"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="检查部门"
    )
    reason = models.TextField("未能备案的原因")
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "未能自动备案的双随机检查"
        verbose_name_plural = "未能自动备案的双随机检查"
        constraints = [
            models.UniqueConstraint(fields=["visit", "unit"], name="onsite_refusal_unique")
        ]

    def __str__(self) -> str:
        return f"{self.visit}：{self.reason[:30]}"


class ProposalState(models.TextChoices):
    PROPOSED = "proposed", "待确认"
    ACCEPTED = "accepted", "已合并为联合检查"
    DISMISSED = "dismissed", "不合并"


class JointVisitProposal(models.Model):
    """进一次门、查多项事: two or more departments plan checks on one enterprise in a month."""

    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name="企业"
    )
    month = models.DateField("月份")  # the first day of the month
    proposed_on = models.DateField("建议联合检查日期")
    members = models.ManyToManyField(
        CheckRegistration, related_name="proposals", verbose_name="涉及的检查备案"
    )
    state = models.CharField(
        "状态", max_length=20, choices=ProposalState.choices, default=ProposalState.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField("生成时间")

    class Meta:
        ordering = ["month", "proposed_on", "id"]
        verbose_name = "联合检查建议"
        verbose_name_plural = "联合检查建议"
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "month"], name="onsite_proposal_unique_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.name}（{self.proposed_on}）"


class UnregisteredVisitReport(models.Model):
    """码上监督: the enterprise reports an on-site visit that nobody registered."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+", verbose_name="企业"
    )
    visited_on = models.DateField("入企日期")
    visitor_unit = models.CharField("来访单位", max_length=200)
    description = models.TextField("情况说明")
    conduct = models.BooleanField("涉及工作作风问题", default=False)
    appeal = models.ForeignKey(
        "appeals.Appeal", on_delete=models.PROTECT, related_name="+", verbose_name="对应诉求"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField("反映时间")

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = "未备案入企反映"
        verbose_name_plural = "未备案入企反映"

    def __str__(self) -> str:
        return f"{self.visitor_unit}（{self.visited_on}）"


class EnterpriseCode(models.Model):
    """The token behind an enterprise's QR code (码上监督)."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise", on_delete=models.CASCADE, related_name="onsite_code"
    )
    token = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "企业码"
        verbose_name_plural = "企业码"

    def __str__(self) -> str:
        return self.enterprise.name


class OnsiteSettings(models.Model):
    """A locality's rules for on-site checks (an area without its own row inherits upwards)."""

    area = models.OneToOneField("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    approval_required = models.BooleanField("入企检查须经营商办核准", default=False)
    annual_cap = models.PositiveSmallIntegerField("每家企业年度入企检查上限", default=4)
    annual_cap_a = models.PositiveSmallIntegerField("A 类企业年度入企检查上限", default=2)
    minor_publication_months = models.PositiveSmallIntegerField(
        "轻微处罚信息公示期（月）", default=3
    )
    publication_months = models.PositiveSmallIntegerField("其他处罚信息公示期（月）", default=36)
    recognition_months = models.PositiveSmallIntegerField("检查结果互认有效期（月）", default=12)
    source = models.CharField("依据", max_length=200, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "入企检查规则"
        verbose_name_plural = "入企检查规则"

    def __str__(self) -> str:
        return self.area.name


class RecognitionLink(models.Model):
    """执法结果互认: a finished check of ``item`` counts as a check of ``counts_for``."""

    item = models.ForeignKey(
        "inspections.InspectionItem", on_delete=models.CASCADE, related_name="+",
        verbose_name="已检查事项",
    )  # fmt: skip
    counts_for = models.ForeignKey(
        "inspections.InspectionItem", on_delete=models.CASCADE, related_name="+",
        verbose_name="视同已检查的事项",
    )  # fmt: skip
    source = models.CharField("互认依据", max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "执法结果互认"
        verbose_name_plural = "执法结果互认"
        constraints = [
            models.UniqueConstraint(fields=["item", "counts_for"], name="onsite_recognition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} → {self.counts_for}"
