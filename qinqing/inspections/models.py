"""双随机、一公开 and credit: 一单两库, campaigns, visits and results, credit history.

一单两库 = the departments' inspection item lists (``InspectionItem``), the entity pool
(the enterprise registry, ``qinqing.core.enterprises``) and the inspector pool
(``Inspector``). A ``Campaign`` is drawn by the pure engine in ``drawing/``; the inputs it
was drawn from are stored as the canonical files (``CampaignFile``) so that anyone holding
them can recompute the draw later, whatever happens to the registry afterwards.

Credit (信用分级分类): every change of an enterprise's credit tier is a
``CreditTierChange`` row (``Enterprise.credit_tier`` is changed only by
``service.change_credit_tier``); red and black lists are ``CreditListEntry`` rows; credit
repair (信用修复) requests carry the deadline of their first review.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from qinqing.core.crypto.fields import EncryptedTextField


class Frequency(models.TextChoices):
    YEARLY = "yearly", "每年一次"
    HALF_YEARLY = "half_yearly", "每半年一次"
    QUARTERLY = "quarterly", "每季度一次"
    AS_NEEDED = "as_needed", "根据需要"


class InspectionItem(models.Model):
    """检查事项 of one department: what is checked, on what legal basis, how often, how many."""

    unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="inspection_items",
        verbose_name="实施部门",
    )
    code = models.CharField(
        "事项编号", max_length=40, unique=True, help_text="如 SCJG-001；创建后不能修改"
    )
    name = models.CharField("检查事项", max_length=200)
    legal_basis = models.TextField("检查依据", blank=True)
    industries = models.CharField(
        "适用行业",
        max_length=500,
        default="*",
        help_text="国民经济行业分类（GB/T 4754）代码，多个用“;”分隔，* 表示全部行业",
    )
    ratio_a = models.DecimalField("A 类抽查比例", max_digits=5, decimal_places=4)
    ratio_b = models.DecimalField("B 类抽查比例", max_digits=5, decimal_places=4)
    ratio_c = models.DecimalField("C 类抽查比例", max_digits=5, decimal_places=4)
    ratio_d = models.DecimalField("D 类抽查比例", max_digits=5, decimal_places=4)
    frequency = models.CharField(
        "抽查频次", max_length=20, choices=Frequency.choices, default=Frequency.YEARLY
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["code"]
        verbose_name = "检查事项"
        verbose_name_plural = "检查事项"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def ratios(self) -> tuple:
        return (self.ratio_a, self.ratio_b, self.ratio_c, self.ratio_d)


class Inspector(models.Model):
    """执法检查人员: one enforcement officer of a department, with declared conflicts."""

    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="inspectors", verbose_name="所在部门"
    )
    name = models.CharField("姓名", max_length=50)
    certificate_number = models.CharField(
        "执法证号", max_length=40, unique=True, help_text="抽取和公布时用作人员编号；创建后不能修改"
    )
    fields = models.CharField("执法领域", max_length=200, blank=True)
    active = models.BooleanField("在岗", default=True)
    conflicts = models.JSONField(
        "回避企业", default=list, blank=True, help_text="本人申报需回避的企业统一社会信用代码"
    )
    # the inspector's own login, so that a 码上监督 scan is recorded against the person
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
        verbose_name="登录账号",
    )
    mobile = EncryptedTextField("手机号", max_length=20, blank=True)  # SM4 at rest
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["unit_id", "certificate_number"]
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员"

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_number}）"


class QuietPeriod(models.Model):
    """企业宁静期 / 安静生产期: days on which one enterprise is not to be visited."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="登记地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="quiet_periods",
        verbose_name="企业",
    )
    start_on = models.DateField("开始日期")
    end_on = models.DateField("结束日期")
    reason = models.CharField("事由", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["start_on", "enterprise_id"]
        verbose_name = "企业宁静期"
        verbose_name_plural = "企业宁静期"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__gte=models.F("start_on")), name="quiet_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise.name}：{self.start_on} 至 {self.end_on}"


class LocalQuietDays(models.Model):
    """全域宁静日: recurring days of every month without inspections, e.g. 上、中旬 (1–20)."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="适用地区"
    )
    name = models.CharField("名称", max_length=100)
    first_day = models.PositiveSmallIntegerField("每月开始日")
    last_day = models.PositiveSmallIntegerField("每月结束日")
    source = models.CharField("依据", max_length=200, blank=True)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["area_id", "first_day"]
        verbose_name = "全域宁静日"
        verbose_name_plural = "全域宁静日"

    def __str__(self) -> str:
        return f"{self.name}（每月 {self.first_day}–{self.last_day} 日）"


class CampaignState(models.TextChoices):
    DRAFT = "draft", "草稿"
    COMMITTED = "committed", "已公布承诺值"
    DRAWN = "drawn", "已抽取"
    PUBLISHED = "published", "已公布"
    CANCELLED = "cancelled", "已撤销"


class Campaign(models.Model):
    """抽查计划: items of one or several departments, a visit window, caps; drawn once."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所属地区"
    )
    name = models.CharField("计划名称", max_length=200)
    items = models.ManyToManyField(
        InspectionItem, related_name="campaigns", verbose_name="检查事项"
    )
    window_start_on = models.DateField("检查开始日期")
    window_end_on = models.DateField("检查结束日期")
    region_codes = models.CharField(
        "抽查地域",
        max_length=200,
        blank=True,
        help_text="行政区划代码或其前几位，多个用“;”分隔；留空为企业库中的全部企业",
    )
    monthly_quiet = models.JSONField("全域宁静日", default=list, blank=True)
    cap_a = models.PositiveSmallIntegerField("A 类企业年度检查上限", default=1)
    cap_b = models.PositiveSmallIntegerField("B 类企业年度检查上限", default=2)
    cap_c = models.PositiveSmallIntegerField("C 类企业年度检查上限", default=3)
    cap_d = models.PositiveSmallIntegerField("D 类企业年度检查上限", default=4)
    max_visits_per_inspector = models.PositiveSmallIntegerField(
        "每名人员本次最多检查户数", null=True, blank=True
    )
    publish_within_workdays = models.PositiveSmallIntegerField("结果公示时限（工作日）", default=20)
    state = models.CharField(
        "状态", max_length=20, choices=CampaignState.choices, default=CampaignState.DRAFT
    )
    seed = models.CharField("抽取种子", max_length=256, blank=True, editable=False)
    commitment = models.CharField("承诺值", max_length=64, blank=True, editable=False)
    snapshot_sha256 = models.CharField("输入快照哈希", max_length=64, blank=True, editable=False)
    draw_sha256 = models.CharField("DRAW.json 哈希", max_length=64, blank=True, editable=False)
    summary = models.JSONField("抽取统计", default=dict, blank=True, editable=False)
    warnings = models.JSONField("抽取提示", default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间")
    committed_at = models.DateTimeField("公布承诺值时间", null=True, blank=True)
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "抽查计划"
        verbose_name_plural = "抽查计划"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("inspections:campaign", args=[self.pk])

    @property
    def annual_cap(self) -> dict[str, int]:
        return {"A": self.cap_a, "B": self.cap_b, "C": self.cap_c, "D": self.cap_d}


class CampaignFile(models.Model):
    """One published file of a campaign: a canonical input table, the constraints or DRAW.json."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="files")
    name = models.CharField("文件名", max_length=40)
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.TextField("内容")
    created_at = models.DateTimeField("生成时间")

    class Meta:
        ordering = ["campaign_id", "id"]
        verbose_name = "抽查计划文件"
        verbose_name_plural = "抽查计划文件"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="campaign_file_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.name}"


class Visit(models.Model):
    """One (joint) visit of the draw: one enterprise, its items, its team, one working day."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="visits")
    number = models.PositiveIntegerField("序号")
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        on_delete=models.SET_NULL,
        related_name="inspection_visits",
    )
    enterprise_name = models.CharField("企业名称", max_length=200)
    planned_on = models.DateField("计划检查日期")
    inspectors = models.ManyToManyField(Inspector, related_name="visits", verbose_name="检查人员")

    class Meta:
        ordering = ["campaign_id", "number"]
        verbose_name = "检查对象"
        verbose_name_plural = "检查对象"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="visit_unique_number"),
            models.UniqueConstraint(fields=["campaign", "uscc"], name="visit_unique_uscc"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_name}（{self.planned_on}）"

    def get_absolute_url(self) -> str:
        return reverse("inspections:visit", args=[self.pk])


class Result(models.TextChoices):
    """检查结果 in the wording of the 国家企业信用信息公示系统."""

    NO_ISSUE = "no_issue", "未发现问题"
    RECTIFICATION = "rectification", "发现问题，已责令整改"
    CASE_FILED = "case_filed", "发现问题，已立案查处"
    FOLLOW_UP = "follow_up", "发现问题，待后续处理"
    NOT_OPERATING = "not_operating", "未发现开展本次抽查涉及的经营活动"
    UNREACHABLE = "unreachable", "通过登记的住所（经营场所）无法联系"
    REFUSED = "refused", "不配合检查，情节严重"


class VisitItem(models.Model):
    """One item checked on a visit, and its result (录入 by the item's department)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_items")
    item = models.ForeignKey(InspectionItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField("检查结果", max_length=20, choices=Result.choices, blank=True)
    checked_on = models.DateField("检查日期", null=True, blank=True)
    note = models.TextField("内部备注", blank=True, help_text="不公开")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("录入时间", null=True, blank=True)
    # None while the working-day calendar lacks the year (filled in by tasks.flag_overdue)
    publish_due_on = models.DateField("公示截止日", null=True, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    overdue_flagged_at = models.DateTimeField("逾期标记时间", null=True, blank=True)

    class Meta:
        ordering = ["visit_id", "item__code"]
        verbose_name = "检查事项结果"
        verbose_name_plural = "检查事项结果"
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="visit_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.visit.enterprise_name}：{self.item.name}"

    @property
    def audit_unit_id(self) -> int | None:
        return self.item.unit_id


# --- credit (信用分级分类) ---------------------------------------------------------


class CreditTierChange(models.Model):
    """One change of an enterprise's credit tier (信用风险分类), with its reason and source."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="登记地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="tier_changes",
        verbose_name="企业",
    )
    from_tier = models.CharField("原分类", max_length=1)
    to_tier = models.CharField("新分类", max_length=1)
    reason = models.CharField("调整原因", max_length=300)
    source = models.CharField("依据", max_length=200, blank=True)
    effective_on = models.DateField("生效日期")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = "信用风险分类调整记录"
        verbose_name_plural = "信用风险分类调整记录"

    def __str__(self) -> str:
        return f"{self.enterprise.name}：{self.from_tier} → {self.to_tier}"


class CreditListKind(models.TextChoices):
    RED = "red", "红名单（守信激励）"
    BLACK = "black", "黑名单（严重失信主体）"


class CreditListEntry(models.Model):
    """An enterprise on the red or black list: why, since when, on whose decision."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="登记地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="credit_list_entries",
        verbose_name="企业",
    )
    kind = models.CharField("名单", max_length=10, choices=CreditListKind.choices)
    reason = models.CharField("列入原因", max_length=300)
    source = models.CharField("认定部门及文书", max_length=200)
    listed_on = models.DateField("列入日期")
    ends_on = models.DateField("届满日期", null=True, blank=True)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.CharField("移出原因", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-listed_on", "-id"]
        verbose_name = "红黑名单记录"
        verbose_name_plural = "红黑名单记录"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.enterprise.name}"

    @property
    def current(self) -> bool:
        return self.removed_on is None


class RepairState(models.TextChoices):
    SUBMITTED = "submitted", "待初审"
    ACCEPTED = "accepted", "已受理，待决定"
    REJECTED = "rejected", "不予受理"
    APPROVED = "approved", "准予修复"
    DENIED = "denied", "不予修复"


class CreditRepairRequest(models.Model):
    """信用修复申请: first review due a number of working days after submission."""

    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="受理地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.CASCADE,
        related_name="credit_repairs",
        verbose_name="企业",
    )
    list_entry = models.ForeignKey(
        CreditListEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_requests",
        verbose_name="申请修复的名单记录",
    )
    statement = models.TextField("申请事由")
    state = models.CharField(
        "状态", max_length=20, choices=RepairState.choices, default=RepairState.SUBMITTED
    )
    submitted_on = models.DateField("申请日期")
    review_workdays = models.PositiveSmallIntegerField("初审时限（工作日）")
    # None while the working-day calendar lacks the year (filled in by tasks.flag_overdue)
    first_review_due_on = models.DateField("初审截止日", null=True, blank=True)
    first_reviewed_at = models.DateTimeField("初审时间", null=True, blank=True)
    first_review_note = models.TextField("初审意见", blank=True)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_note = models.TextField("决定意见", blank=True)
    overdue_flagged_at = models.DateTimeField("逾期标记时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-submitted_on", "-id"]
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"

    def __str__(self) -> str:
        return f"信用修复申请 {self.pk}（{self.enterprise.name}）"
