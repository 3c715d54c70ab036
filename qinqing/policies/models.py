"""惠企政策直达: the policy library, rules as stored versions, matching results, 精准推送,
依申请兑现 (applications, budgets, funds from above, service target lists) and 免申即享
grant batches.

The engine (``qinqing.policies.engine``) knows nothing of these tables: a rule version is
YAML text here, a matching run feeds the stored registry and the active versions to the
engine and stores its sparse results set-based.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from qinqing.core.crypto.fields import EncryptedTextField
from qinqing.policies.choices import (
    OPEN_APPLICATION_STATES,
    ApplicationState,
    Delivery,
    FitAnswer,
    GrantBatchState,
    MatchMode,
)

__all__ = [
    "OPEN_APPLICATION_STATES",
    "Application",
    "ApplicationMaterial",
    "ApplicationState",
    "ApplicationStep",
    "Budget",
    "Delivery",
    "FitAnswer",
    "FundArrival",
    "GrantBatch",
    "GrantBatchState",
    "GrantLine",
    "MatchResult",
    "MatchRun",
    "Policy",
    "PolicyPush",
    "PolicyRule",
    "PushFeedback",
    "ServiceTarget",
    "ServiceTargetList",
]

USER = settings.AUTH_USER_MODEL


class _MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: _MoneyDigits = {"max_digits": 16, "decimal_places": 2}
ZERO = Decimal("0")


class Policy(models.Model):
    """One 惠企政策 (a policy article) as the public and the departments read it."""

    code = models.SlugField(
        "政策编号",
        max_length=60,
        unique=True,
        help_text="小写字母、数字和连字符；有规则的政策，编号与规则的 id 相同。",
    )
    title = models.CharField("政策名称", max_length=200)
    document = models.CharField("政策文件", max_length=200, blank=True)
    article = models.CharField("条款", max_length=100, blank=True)
    document_number = models.CharField("文号", max_length=100, blank=True)
    issuer_unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="发文单位（机构库）",
    )
    issuer_name = models.CharField(
        "发文单位", max_length=200, blank=True, help_text="机构库以外的单位（如上级部门）写在这里。"
    )
    owner_unit = models.ForeignKey(
        "orgs.Unit",
        on_delete=models.PROTECT,
        related_name="owned_policies",
        verbose_name="承办单位",
    )
    beneficiaries = models.TextField("享受对象", blank=True)
    conditions_text = models.TextField("申请条件", blank=True)
    materials = models.TextField("所需材料", blank=True, help_text="每行一项。")
    procedure = models.TextField("办理流程", blank=True)
    contact = models.CharField("联系方式", max_length=200, blank=True)
    starts_on = models.DateField("起始日期", null=True, blank=True)
    ends_on = models.DateField("截止日期", null=True, blank=True)
    delivery = models.CharField("兑现方式", max_length=20, choices=Delivery.choices)
    amount_text = models.CharField("奖补标准", max_length=300, blank=True)
    industry_tags = models.CharField("行业标签", max_length=200, blank=True)
    size_tags = models.CharField("规模标签", max_length=100, blank=True)
    region_tags = models.CharField("地区标签", max_length=200, blank=True)
    is_public = models.BooleanField("公开", default=True)
    review_limit_workdays = models.PositiveSmallIntegerField(
        "审核时限（工作日）", default=10, help_text="依申请兑现：受理后多少个工作日内审核完毕。"
    )
    # jieba words of the searchable fields, " w1 w2 … " (see search.py)
    tokens = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "惠企政策"
        verbose_name_plural = "惠企政策"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policies:detail", args=[self.code])

    @property
    def audit_unit_id(self) -> int:
        return self.owner_unit_id

    @property
    def issuer(self) -> str:
        return self.issuer_unit.name if self.issuer_unit is not None else self.issuer_name

    @property
    def materials_list(self) -> list[str]:
        return [line.strip(" -·•\t") for line in self.materials.splitlines() if line.strip()]

    @property
    def reference(self) -> str:
        doc = f"《{self.document}》" if self.document else ""
        return f"{doc}{self.article}" or self.title

    def tag_list(self, field: str) -> list[str]:
        return getattr(self, field).split()


class PolicyRule(models.Model):
    """One version of a policy's rule (YAML text). Never edited: a change is a new row."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="rules", verbose_name="政策"
    )
    version = models.PositiveIntegerField("版本")
    yaml_text = models.TextField("规则文本")
    digest = models.CharField("内容摘要", max_length=64)
    version_note = models.CharField("版本说明", max_length=300, blank=True)
    source = models.CharField("来源", max_length=200, blank=True)
    active = models.BooleanField("现行版本", default=False)
    created_at = models.DateTimeField("保存时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["policy", "-version"]
        verbose_name = "政策规则版本"
        verbose_name_plural = "政策规则版本"
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="policy_rule_version"),
            models.UniqueConstraint(
                fields=["policy"], condition=Q(active=True), name="one_active_rule_per_policy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code}@{self.version}"

    @property
    def reference(self) -> str:
        return f"{self.policy.code}@{self.version}"

    @property
    def audit_unit_id(self) -> int:
        return self.policy.owner_unit_id


class MatchRun(models.Model):
    """One evaluation of the active rules over the whole stored registry for a policy year."""

    year = models.PositiveSmallIntegerField("政策年度")
    area = models.ForeignKey(
        "orgs.Unit", null=True, on_delete=models.PROTECT, related_name="+", verbose_name="地区"
    )
    registry_digest = models.CharField("企业数据快照摘要", max_length=64)
    enterprise_count = models.PositiveIntegerField("企业数", default=0)
    eligible_count = models.PositiveIntegerField("符合条件（户次）", default=0)
    near_miss_count = models.PositiveIntegerField("差一个条件（户次）", default=0)
    total_amount = models.DecimalField("测算金额（元）", default=ZERO, **MONEY)
    rule_refs = models.JSONField("规则版本", default=list)
    timings = models.JSONField("耗时（秒）", default=dict)
    # incremental runs re-evaluate only the enterprises changed since their base run
    mode = models.CharField(
        "方式", max_length=12, choices=MatchMode.choices, default=MatchMode.FULL
    )
    base_run = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registry_mark = models.DateTimeField("企业库更新时间标记", null=True, blank=True)
    registry_max_id = models.BigIntegerField(default=0)
    reevaluated_count = models.PositiveIntegerField("本次计算企业数", default=0)
    # {policy_id: {"eligible": n, "near": n, "near_listed": n, "version": v}} after the run
    policy_counts = models.JSONField("各政策结果数", default=dict)
    created_at = models.DateTimeField("匹配时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "政策匹配批次"
        verbose_name_plural = "政策匹配批次"

    def __str__(self) -> str:
        return f"{self.year} 年度政策匹配（第 {self.pk} 次）"

    @property
    def audit_unit_id(self) -> int | None:
        return self.area_id


class MatchResult(models.Model):
    """One (enterprise, policy) outcome of a run: eligible with an amount, or a near miss.

    Only eligible pairs and near misses are stored (sparse). ``current`` marks the latest
    run's outcome for the policy and year; the explanation is computed on demand.
    """

    # A run writes millions of rows in one COPY; PostgreSQL checks a foreign-key constraint
    # row by row at COMMIT (Django's are deferred): at 1,000,000 × 500 that COMMIT took
    # longer than the COPY. The ids come from rows the same transaction just read or
    # created, and Django still applies CASCADE/PROTECT, so the database keeps no
    # constraint on these three. No single-column index on policy and rule either:
    # policy_result_list starts with policy, and every index costs time on each COPY.
    # On PostgreSQL the table is LIST-partitioned by run (migration 0010, result_store):
    # the run is the partition key, so no index of its own.
    run = models.ForeignKey(
        MatchRun, on_delete=models.CASCADE, related_name="results", db_constraint=False,
        db_index=False,
    )  # fmt: skip
    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="results", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    rule = models.ForeignKey(
        PolicyRule, on_delete=models.PROTECT, related_name="results", verbose_name="规则版本",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    year = models.PositiveSmallIntegerField("政策年度")
    # The enterprise by id, not a copy of its credit code and name in each of a province's
    # ~19 million rows (a bigint instead of ~50 bytes per row; readers join the page they
    # show). No database constraint, as for run, policy and rule. An enterprise deleted
    # from the registry leaves its rows with no enterprise (SET_NULL, one indexed UPDATE):
    # the current ones go at the next full run (a deletion forces one), the ones it
    # answered on stay as history, where the feedback keeps its credit code.
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.SET_NULL, null=True, related_name="+",
        db_index=False, db_constraint=False, verbose_name="企业",
    )  # fmt: skip
    eligible = models.BooleanField("符合条件")
    near_miss = models.BooleanField("差一个条件", default=False)
    # numeric and '' rather than integer fen and NULL: a small numeric takes 3–5 bytes and
    # fits the padding after the fixed-width columns (a row is 80 bytes either way), and
    # one NULL would give the row a null bitmap, 8 bytes more with this many columns
    amount = models.DecimalField("金额（元）", default=ZERO, **MONEY)
    reason = models.CharField("说明", max_length=500, blank=True)
    current = models.BooleanField("最新结果", default=True)

    class Meta:
        ordering = ["policy", "-eligible", "enterprise_id"]
        verbose_name = "政策匹配结果"
        verbose_name_plural = "政策匹配结果"
        indexes = [
            models.Index(fields=["enterprise", "current"], name="policy_result_enterprise"),
            models.Index(
                fields=["policy", "year", "current", "eligible"], name="policy_result_list"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_name} · {self.policy_id}"

    # what lists and exports show: the enterprise's credit code and name as the registry
    # has them now (select_related("enterprise") over a page or export, never per row)
    @property
    def uscc(self) -> str:
        enterprise = self._enterprise()
        return enterprise.uscc if enterprise is not None else ""

    @property
    def enterprise_name(self) -> str:
        enterprise = self._enterprise()
        return enterprise.name if enterprise is not None else "（已不在企业库）"

    def _enterprise(self):
        if self.enterprise_id is None:
            return None
        try:
            return self.enterprise
        except models.ObjectDoesNotExist:  # deleted by raw SQL, bypassing SET_NULL
            return None

    @property
    def audit_unit_id(self) -> int:
        return self.policy.owner_unit_id


class PolicyPush(models.Model):
    """精准推送: one push of a policy's current results to the enterprises concerned."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="pushes")
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="pushes")
    eligible_recipients = models.PositiveIntegerField("推送符合条件企业", default=0)
    near_miss_recipients = models.PositiveIntegerField("推送差一个条件企业", default=0)
    created_at = models.DateTimeField("推送时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "政策推送"
        verbose_name_plural = "政策推送"
        constraints = [models.UniqueConstraint(fields=["policy", "run"], name="one_push_per_run")]

    def __str__(self) -> str:
        return f"{self.policy.title} 推送（{self.created_at:%Y-%m-%d}）"

    @property
    def audit_unit_id(self) -> int:
        return self.policy.owner_unit_id


class PushFeedback(models.Model):
    """An enterprise's answer to 「这条推送是否符合我的情况」 (匹配满意率, 001)."""

    # no database constraint: results are partitioned by run on PostgreSQL, and their key
    # there is (id, run_id) (migration 0010); Django still cascades
    result = models.OneToOneField(
        MatchResult, on_delete=models.CASCADE, related_name="feedback", db_constraint=False
    )
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="feedback")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    answer = models.CharField("是否符合", max_length=10, choices=FitAnswer.choices)
    comment = models.CharField("补充说明", max_length=500, blank=True)
    created_at = models.DateTimeField("反馈时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "推送反馈"
        verbose_name_plural = "推送反馈"

    def __str__(self) -> str:
        return f"{self.uscc} · {self.get_answer_display()}"


class Application(models.Model):
    """依申请兑现: one enterprise's online application for one policy."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="applications", verbose_name="政策"
    )
    rule = models.ForeignKey(
        PolicyRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    enterprise_name = models.CharField("企业名称", max_length=200)
    applicant = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="申报人"
    )
    state = models.CharField(
        "状态", max_length=20, choices=ApplicationState.choices, default=ApplicationState.SUBMITTED
    )
    contact_name = models.CharField("联系人", max_length=50)
    # personal data, SM4-encrypted at rest (docs/security.md)
    contact_phone = EncryptedTextField("联系电话", max_length=30)
    bank_account = EncryptedTextField("收款账户", max_length=100)
    requested_amount = models.DecimalField("申请金额（元）", **MONEY)
    statement = models.TextField("申报说明", blank=True)
    registry_snapshot = models.JSONField("企业库信息（申报时）", default=dict)
    submitted_at = models.DateTimeField("提交时间")
    review_due_at = models.DateTimeField("审核时限")
    overdue_reminded_on = models.DateField("超时提醒日期", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField("审核意见", blank=True)
    approved_amount = models.DecimalField("核定金额（元）", null=True, blank=True, **MONEY)
    budget = models.ForeignKey(
        "Budget", null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )
    paid_on = models.DateField("拨付日期", null=True, blank=True)
    payment_ref = models.CharField("拨付凭证号", max_length=100, blank=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = "政策申报"
        verbose_name_plural = "政策申报"
        constraints = [
            # One open application per enterprise and policy, enforced by the database: four
            # simultaneous submissions once created four open applications (issue 14, hole 1).
            models.UniqueConstraint(
                fields=["policy", "uscc"],
                condition=models.Q(state__in=OPEN_APPLICATION_STATES),
                name="one_open_application_per_policy",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_name} 申报 {self.policy.title}"

    def get_absolute_url(self) -> str:
        return reverse("policies:application", args=[self.pk])

    @property
    def audit_unit_id(self) -> int:
        return self.policy.owner_unit_id

    @property
    def number(self) -> str:
        return f"SB{self.created_at:%Y}{self.pk:06d}"


def material_path(instance: ApplicationMaterial, filename: str) -> str:
    # random stored name: the original name is kept in the row and used for the download
    return f"policies/applications/{instance.application_id}/{instance.sha256[:24]}"


class ApplicationMaterial(models.Model):
    """A required material (所需材料) uploaded with an application; served after a check."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField("材料名称", max_length=200)
    file = models.FileField("文件", upload_to=material_path, max_length=255)
    original_name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        ordering = ["pk"]
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"

    def __str__(self) -> str:
        return f"{self.name}：{self.original_name}"


class ApplicationStep(models.Model):
    """The history the enterprise sees (the audit trail is internal)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("环节", max_length=50)
    actor_label = models.CharField("办理人", max_length=150)
    comment = models.TextField("意见", blank=True)
    at = models.DateTimeField("时间")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action}（{self.actor_label}）"


class Budget(models.Model):
    """资金池: the money available for one policy in one year, and what is promised and paid.

    ``committed`` is approved but not yet paid; ``committed + paid`` never exceeds ``total``
    (checked by the service with a clear message, and by the database).
    """

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField("年度")
    total = models.DecimalField("资金总额（元）", default=ZERO, **MONEY)
    committed = models.DecimalField("已核定待拨付（元）", default=ZERO, **MONEY)
    paid = models.DecimalField("已拨付（元）", default=ZERO, **MONEY)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["policy", "-year"]
        verbose_name = "资金池"
        verbose_name_plural = "资金池"
        constraints = [
            models.UniqueConstraint(fields=["policy", "year"], name="one_budget_per_policy_year"),
            models.CheckConstraint(
                condition=Q(committed__gte=0) & Q(paid__gte=0) & Q(total__gte=0),
                name="budget_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=F("committed") + F("paid")), name="budget_not_exceeded"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.title} {self.year} 年度资金池"

    @property
    def available(self) -> Decimal:
        return self.total - self.committed - self.paid

    @property
    def audit_unit_id(self) -> int:
        return self.policy.owner_unit_id


class FundArrival(models.Model):
    """Funds passed down from a higher level (上级给付的奖补资金), with 002's clock:
    「到达本级15日内，下达县(区)或直接足额拨付给企业」."""

    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="arrivals")
    amount = models.DecimalField("金额（元）", **MONEY)
    source = models.CharField("上级来源", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True)
    arrived_on = models.DateField("到达本级日期")
    due_on = models.DateField("下达或拨付时限")
    disbursed_on = models.DateField("下达或拨付日期", null=True, blank=True)
    disbursement_note = models.CharField("下达或拨付说明", max_length=300, blank=True)
    overdue = models.BooleanField("已逾期", default=False)
    reminded_on = models.DateField("最近提醒日期", null=True, blank=True)
    created_at = models.DateTimeField("登记时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-arrived_on", "-pk"]
        verbose_name = "上级资金到达记录"
        verbose_name_plural = "上级资金到达记录"

    def __str__(self) -> str:
        return f"{self.source} {self.amount} 元（{self.arrived_on}）"

    @property
    def audit_unit_id(self) -> int:
        return self.budget.policy.owner_unit_id


class ServiceTargetList(models.Model):
    """服务对象清单 of one policy for one quarter (002 #1 「每季度更新政策和服务对象清单」)."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="target_lists")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="承办单位"
    )
    due_on = models.DateField("更新时限")
    refreshed_at = models.DateTimeField("更新时间", null=True, blank=True)
    refreshed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run = models.ForeignKey(
        MatchRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry_count = models.PositiveIntegerField("服务对象数", default=0)
    reminded_on = models.DateField("最近提醒日期", null=True, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "policy"]
        verbose_name = "服务对象清单"
        verbose_name_plural = "服务对象清单"
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "year", "quarter"], name="one_target_list_per_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy.title} {self.year} 年第 {self.quarter} 季度服务对象清单"


class ServiceTarget(models.Model):
    target_list = models.ForeignKey(
        ServiceTargetList, on_delete=models.CASCADE, related_name="entries"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18)
    enterprise_name = models.CharField("企业名称", max_length=200)
    eligible = models.BooleanField("符合条件")
    amount = models.DecimalField("测算金额（元）", default=ZERO, **MONEY)
    reason = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        ordering = ["-eligible", "uscc"]

    def __str__(self) -> str:
        return f"{self.enterprise_name}（{self.uscc}）"


class GrantBatch(models.Model):
    """免申即享 grant batch: prepared from the eligible list, approved by another officer,
    then frozen with the rule version and the registry snapshot it came from."""

    policy = models.ForeignKey(
        Policy, on_delete=models.PROTECT, related_name="grant_batches", verbose_name="政策"
    )
    rule = models.ForeignKey(
        PolicyRule, on_delete=models.PROTECT, related_name="+", verbose_name="规则版本"
    )
    run = models.ForeignKey(MatchRun, on_delete=models.PROTECT, related_name="grant_batches")
    year = models.PositiveSmallIntegerField("政策年度")
    state = models.CharField(
        "状态", max_length=20, choices=GrantBatchState.choices, default=GrantBatchState.PREPARED
    )
    rule_digest = models.CharField("规则摘要", max_length=64)
    registry_digest = models.CharField("企业数据快照摘要", max_length=64)
    lines_digest = models.CharField("名单摘要", max_length=64)
    line_count = models.PositiveIntegerField("企业数")
    total_amount = models.DecimalField("合计金额（元）", **MONEY)
    budget = models.ForeignKey(
        Budget, null=True, blank=True, on_delete=models.PROTECT, related_name="grant_batches"
    )
    prepared_at = models.DateTimeField("制单时间")
    prepared_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="制单人"
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="审批人",
    )  # fmt: skip
    paid_on = models.DateField("拨付日期", null=True, blank=True)
    payment_ref = models.CharField("拨付凭证号", max_length=100, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=300, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        verbose_name = "免申即享发放批次"
        verbose_name_plural = "免申即享发放批次"
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="grant_preparer_is_not_approver",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy.title} {self.year} 年度免申即享发放批次（第 {self.pk} 号）"

    def get_absolute_url(self) -> str:
        return reverse("policies:grant", args=[self.pk])

    @property
    def audit_unit_id(self) -> int:
        return self.policy.owner_unit_id

    @property
    def frozen(self) -> bool:
        return self.state != GrantBatchState.PREPARED


class GrantLine(models.Model):
    batch = models.ForeignKey(GrantBatch, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField("序号")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    enterprise_name = models.CharField("企业名称", max_length=200)
    amount = models.DecimalField("金额（元）", **MONEY)
    basis = models.CharField("依据", max_length=500)

    class Meta:
        ordering = ["batch", "seq"]
        constraints = [models.UniqueConstraint(fields=["batch", "uscc"], name="grant_line_once")]

    def __str__(self) -> str:
        return f"{self.seq}. {self.enterprise_name} {self.amount}"
