"""涉企诉求 (enterprise appeals) and 好差评: tables, constraints, indexes.

An ``Appeal`` is what the enterprise asked; each unit working on it holds a ``Ticket``
(主办 or 协办). Every transition appends an ``AppealEvent``; SLA clocks are recomputed
from those events (``rules.ticket_clock``) and cached on the ticket (``*_due_at``,
``paused_amount``, ``extension_amount``) so that the sweep and the figures are set-based.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from qinqing.appeals import rules, settings_cache
from qinqing.appeals.choices import (
    OPEN_TICKET_STATES,
    AppealState,
    AppealType,
    Channel,
    DuplicateState,
    EventKind,
    HardCaseKind,
    HardCaseState,
    LeadState,
    LimitUnit,
    QrKind,
    RatingLevel,
    RectificationState,
    Satisfaction,
    SlaStage,
    TicketRole,
    TicketState,
)
from qinqing.core.crypto.fields import EncryptedTextField
from qinqing.core.workdays import TimeLimit, TimeUnit

USER = settings.AUTH_USER_MODEL


class AppealSettings(models.Model):
    """A locality's configuration of 接诉即办 (one row per city or county; defaults apply)."""

    locality = models.OneToOneField(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="地区"
    )
    auto_dispatch_threshold = models.FloatField(
        "自动派单置信度阈值",
        null=True,
        blank=True,
        help_text="分类模型对首选单位的置信度达到该值且类别在下列清单中时直接派单；留空则不自动派单",
    )
    auto_dispatch_categories = models.JSONField("可自动派单的类别", default=list, blank=True)
    knowledge_min_score = models.FloatField("知识库匹配最低分", default=0.3)
    reminder_shares = models.JSONField("催办比例", default=list, blank=True)
    yellow_share = models.FloatField("黄灯比例", default=0.8)
    duplicate_window_days = models.PositiveIntegerField("查重天数", default=30)
    duplicate_threshold = models.FloatField("查重相似度阈值", default=0.6)
    figure_config = models.JSONField("三率公式与权重", default=dict, blank=True)

    class Meta:
        verbose_name = "诉求设置"
        verbose_name_plural = "诉求设置"

    def __str__(self) -> str:
        return f"{self.locality}诉求设置"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        settings_cache.forget_settings()

    @property
    def shares(self) -> tuple[float, ...]:
        return tuple(sorted(self.reminder_shares)) or rules.DEFAULT_REMINDER_SHARES


class SlaPolicy(models.Model):
    """One time limit of a locality, dated and sourced (values that change are data)."""

    locality = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="地区"
    )
    stage = models.CharField("环节", max_length=20, choices=SlaStage.choices)
    appeal_type = models.CharField(
        "诉求类型",
        max_length=20,
        choices=AppealType.choices,
        blank=True,
        help_text="留空表示所有类型",
    )
    amount = models.PositiveIntegerField("时限")
    time_unit = models.CharField(
        "时限单位", max_length=20, choices=LimitUnit.choices, default=LimitUnit.WORKDAYS
    )
    effective_from = models.DateField("施行日期")
    source = models.CharField("依据", max_length=300)

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        ordering = ["locality", "stage", "appeal_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "stage", "appeal_type", "effective_from"],
                name="sla_policy_unique_per_day",
            )
        ]

    def __str__(self) -> str:
        kind = AppealType(self.appeal_type).label if self.appeal_type else "各类"
        return f"{kind}{SlaStage(self.stage).label} {self.amount} {LimitUnit(self.time_unit).label}"

    def as_rule(self) -> rules.SlaRule:
        return rules.SlaRule(
            self.stage,
            self.appeal_type,
            TimeLimit(self.amount, TimeUnit(self.time_unit)),
            self.effective_from,
            self.source,
        )


class RoutingMapping(models.Model):
    """Router category → the locality's handling unit(s) (派单对照)."""

    locality = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="地区"
    )
    category = models.CharField("诉求类别", max_length=40)
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="承办单位"
    )
    sort_order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "派单对照"
        verbose_name_plural = "派单对照"
        ordering = ["locality", "category", "sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "category", "unit"], name="routing_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} → {self.unit}"


class KnowledgeArticle(models.Model):
    """知识库条目: a question and its answer; 咨询 that fit one are answered on the spot."""

    locality = models.ForeignKey(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="地区"
    )
    question = models.CharField("问题", max_length=300)
    answer = models.TextField("答复")
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="答复单位",
    )
    active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "知识库条目"
        verbose_name_plural = "知识库条目"

    def __str__(self) -> str:
        return self.question[:40]


class QrEntry(models.Model):
    """码上反映: a printable QR code leading to a prefilled public form."""

    token = models.CharField("码值", max_length=32, unique=True)
    kind = models.CharField("类型", max_length=20, choices=QrKind.choices)
    label = models.CharField("名称", max_length=120)
    locality = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="地区"
    )
    enterprise_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    enterprise_name = models.CharField("企业名称", max_length=200, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="所属部门",
    )
    window_name = models.CharField("服务窗口", max_length=120, blank=True)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        USER, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "反映二维码"
        verbose_name_plural = "反映二维码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.label

    @property
    def audit_unit_id(self) -> int:
        # every audit event belongs to an area: the locality the appeal was filed in
        return self.unit_id or self.locality_id


class ApiClient(models.Model):
    """A calling system (the city's 12345 platform); only the token's SHA-256 is stored."""

    name = models.CharField("系统名称", max_length=100)
    code = models.SlugField("系统代码", max_length=40, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    locality = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="地区"
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "接口调用方"
        verbose_name_plural = "接口调用方"

    def __str__(self) -> str:
        return self.name

    @property
    def audit_unit_id(self) -> int:
        # every audit event belongs to an area: the locality the appeal was filed in
        return self.locality_id


class Appeal(models.Model):
    """诉求: what an enterprise asked, through which channel, and where it stands."""

    # set on the instances the queue and callback pages show, not stored
    pending_duplicates: int
    callback_due: dt.datetime | None
    overdue: bool

    locality = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="地区"
    )
    enterprise_uscc = models.CharField("统一社会信用代码", max_length=18)
    enterprise_name = models.CharField("企业名称", max_length=200)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = EncryptedTextField("联系电话", max_length=30)  # SM4 at rest
    appeal_type = models.CharField("诉求类型", max_length=20, choices=AppealType.choices)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("诉求内容")
    place = models.CharField("发生地点", max_length=200, blank=True)
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices)
    source = models.CharField("来源系统", max_length=40, blank=True)
    external_id = models.CharField("来源编号", max_length=64, blank=True)
    category = models.CharField("诉求类别", max_length=40, blank=True)
    conduct = models.BooleanField("涉作风问题", default=False)
    state = models.CharField(
        "状态", max_length=20, choices=AppealState.choices, default=AppealState.RECEIVED
    )
    received_at = models.DateTimeField("受理时间")
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    qr_entry = models.ForeignKey(
        QrEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="appeals"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_appeals"
    )
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    escalated = models.BooleanField("升级督办", default=False)
    answer = models.TextField("答复内容", blank=True)
    suggestions = models.JSONField("派单建议", default=list, blank=True)
    dispatch_overridden = models.BooleanField("未采纳派单建议", null=True, blank=True)
    auto_dispatched = models.BooleanField("自动派单", default=False)
    # Anyone can type a credit code into the public QR form: such an appeal is marked 未核验
    # and kept out of the enterprise's account until the enterprise confirms it (issue 14).
    identity_confirmed = models.BooleanField("企业身份已核验", default=True)

    class Meta:
        verbose_name = "诉求"
        verbose_name_plural = "诉求"
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source", "external_id"],
                condition=~Q(external_id=""),
                name="appeal_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["enterprise_uscc", "received_at"], name="appeal_uscc_received"),
            # the lists' order (newest first): the 营商办 overview of a million appeals read
            # them all to sort without it (bench/load, 1.1 s a page)
            models.Index(fields=["-received_at", "-id"], name="appeal_received_order"),
            models.Index(fields=["locality", "state"], name="appeal_locality_state"),
            models.Index(fields=["state", "received_at"], name="appeal_state_received"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.pk])

    @property
    def audit_unit_id(self) -> int:
        # every audit event belongs to an area: the locality the appeal was filed in
        return self.locality_id

    @property
    def number(self) -> str:
        """诉求编号 shown to people: SQ + receipt date + id."""
        stamp = self.received_at.strftime("%Y%m%d") if self.received_at else ""
        return f"SQ{stamp}{self.pk or 0:06d}"

    @property
    def masked_phone(self) -> str:
        return rules.mask_phone(self.contact_phone)


class IdentityCode(models.Model):
    """A one-time code sent to the named enterprise's registered phone (码上反映 核验).

    Only a keyed hash of the code is kept; it expires and allows a few attempts
    (``rules.IDENTITY_CODE_*``). A correct code moves the appeal into the enterprise's account.
    """

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="identity_codes")
    code_hash = models.CharField("验证码摘要", max_length=64)
    phone = models.CharField("发送号码（脱敏）", max_length=20)
    sent_at = models.DateTimeField("发送时间")
    expires_at = models.DateTimeField("失效时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("核验时间", null=True, blank=True)

    class Meta:
        verbose_name = "企业身份验证码"
        verbose_name_plural = "企业身份验证码"
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["appeal", "sent_at"], name="identity_code_appeal_sent")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.phone} {self.sent_at:%Y-%m-%d %H:%M}"


class Ticket(models.Model):
    """工单: one unit's work order on an appeal, with its SLA clock cached from the log."""

    # set on the instances a page shows (queries.decorate_tickets), not stored
    sla: str
    sla_label: str
    due: dt.datetime | None

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="tickets")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="承办单位"
    )
    role = models.CharField("角色", max_length=20, choices=TicketRole.choices)
    state = models.CharField(
        "状态", max_length=30, choices=TicketState.choices, default=TicketState.DISPATCHED
    )
    dispatched_at = models.DateTimeField("派单时间")
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # clock inputs and results, recomputed from the log on every transition
    start_on = models.DateField("计时起算日")
    sign_limit = models.PositiveIntegerField("签收时限")
    sign_unit = models.CharField(max_length=20, choices=LimitUnit.choices)
    reply_limit = models.PositiveIntegerField("答复时限")
    reply_unit = models.CharField(max_length=20, choices=LimitUnit.choices)
    extension_amount = models.PositiveIntegerField("已批准延期", default=0)
    paused_amount = models.PositiveIntegerField("已暂停计时", default=0)
    paused_since = models.DateTimeField("暂停计时起", null=True, blank=True)
    sign_due_at = models.DateTimeField("签收截止", null=True, blank=True)
    reply_due_at = models.DateTimeField("答复截止", null=True, blank=True)
    reminder_level = models.PositiveSmallIntegerField("催办次数", default=0)
    supervised = models.BooleanField("督办", default=False)
    supervised_at = models.DateTimeField("督办时间", null=True, blank=True)
    # outcome
    reply = models.TextField("答复内容", blank=True)
    reply_workdays = models.IntegerField("答复用时（工作日）", null=True, blank=True)
    signed_on_time = models.BooleanField("按时签收", null=True, blank=True)
    replied_on_time = models.BooleanField("按时答复", null=True, blank=True)
    # pending requests
    return_reason = models.TextField("退单理由", blank=True)
    request_amount = models.PositiveIntegerField("申请延期", default=0)
    request_reason = models.TextField("申请理由", blank=True)
    transferred_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "工单"
        verbose_name_plural = "工单"
        ordering = ["-dispatched_at", "-pk"]
        indexes = [
            models.Index(fields=["state"], name="ticket_state"),
            models.Index(fields=["unit", "state"], name="ticket_unit_state"),
            models.Index(fields=["unit", "dispatched_at"], name="ticket_unit_dispatched"),
            models.Index(fields=["dispatched_at"], name="ticket_dispatched"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal.number}·{self.unit}"

    def get_absolute_url(self) -> str:
        return reverse("appeals:detail", args=[self.appeal_id])

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TICKET_STATES

    def sla_inputs(self) -> rules.SlaInputs:
        """The cached clock as :func:`rules.ticket_sla` reads it."""
        return rules.SlaInputs(
            state=self.state,
            start_at=self.dispatched_at,
            sign_limit=TimeLimit(self.sign_limit, TimeUnit(self.sign_unit)),
            reply_limit=TimeLimit(self.reply_limit, TimeUnit(self.reply_unit)),
            extension=self.extension_amount,
            paused=self.paused_amount,
            paused_since=self.paused_since,
            sign_due_at=self.sign_due_at,
            reply_due_at=self.reply_due_at,
        )


class AppealEvent(models.Model):
    """The appeal's log: every transition, when and by whom (the SLA clock reads it)."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    # indexed by event_ticket_at, which starts with the ticket (one index less to write)
    ticket = models.ForeignKey(
        Ticket,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,
    )
    kind = models.CharField("事件", max_length=30, choices=EventKind.choices)
    at = models.DateTimeField("时间")
    # system events (the sweep's) have no actor: indexed by event_actor only where set
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    note = models.TextField("说明", blank=True)
    amount = models.IntegerField("数量", default=0)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "诉求事件"
        verbose_name_plural = "诉求事件"
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket_at"),
            models.Index(
                fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{EventKind(self.kind).label} {self.at:%Y-%m-%d %H:%M}"


class Callback(models.Model):
    """回访: the office's follow-up call after the reply."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="callbacks")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    called_at = models.DateTimeField("回访时间")
    caller = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved = models.BooleanField("问题已解决")
    satisfaction = models.CharField("满意度", max_length=20, choices=Satisfaction.choices)
    note = models.TextField("回访记录", blank=True)
    round = models.PositiveSmallIntegerField("第几轮", default=1)

    class Meta:
        verbose_name = "回访"
        verbose_name_plural = "回访"
        ordering = ["called_at", "pk"]
        indexes = [
            models.Index(fields=["unit", "called_at"], name="callback_unit_called"),
            models.Index(fields=["called_at"], name="callback_called"),
        ]

    def __str__(self) -> str:
        return f"回访 {self.called_at:%Y-%m-%d} {Satisfaction(self.satisfaction).label}"


class DuplicateProposal(models.Model):
    """并单建议: a new appeal that looks like a recent one of the same enterprise."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="duplicate_of")
    candidate = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField("相似度")
    state = models.CharField(
        max_length=20, choices=DuplicateState.choices, default=DuplicateState.PENDING
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "并单建议"
        verbose_name_plural = "并单建议"
        constraints = [
            models.UniqueConstraint(fields=["appeal", "candidate"], name="duplicate_unique_pair")
        ]

    def __str__(self) -> str:
        return f"并单建议 {self.appeal_id} → {self.candidate_id}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    import secrets

    # a random name: the uploader's file name is kept only as data, never as a path
    return f"appeals/{instance.appeal_id}/{secrets.token_hex(16)}"


class Attachment(models.Model):
    """附件, stored outside the web root and served by a permission-checked view."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"

    def __str__(self) -> str:
        return self.original_name


class ServiceRating(models.Model):
    """好差评: an enterprise rates a completed service (an appeal, or a unit's service)."""

    rater = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    enterprise_uscc = models.CharField("统一社会信用代码", max_length=18)
    enterprise_name = models.CharField("企业名称", max_length=200)
    appeal = models.OneToOneField(
        Appeal, null=True, blank=True, on_delete=models.CASCADE, related_name="rating"
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    service_name = models.CharField("服务事项", max_length=200)
    level = models.PositiveSmallIntegerField("评价", choices=RatingLevel.choices)
    comment = models.TextField("评价意见", blank=True)
    rated_at = models.DateTimeField("评价时间")

    class Meta:
        verbose_name = "好差评"
        verbose_name_plural = "好差评"
        ordering = ["-rated_at"]

    def __str__(self) -> str:
        return f"{self.service_name}：{RatingLevel(self.level).label}"

    @property
    def is_bad(self) -> bool:
        return self.level <= RatingLevel.BAD


class Rectification(models.Model):
    """差评整改: opened by every 差评, with its own deadline and feedback to the rater."""

    rating = models.OneToOneField(
        ServiceRating, on_delete=models.CASCADE, related_name="rectification"
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("整改时限")
    state = models.CharField(
        max_length=20, choices=RectificationState.choices, default=RectificationState.OPEN
    )
    measures = models.TextField("整改措施", blank=True)
    feedback = models.TextField("向企业反馈", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return f"差评整改（时限 {self.due_on}）"


class HardCase(models.Model):
    """办不成事: what a service window could not get done, for the 共性问题 report."""

    locality = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="窗口所属单位"
    )
    window_name = models.CharField("窗口", max_length=120)
    enterprise_name = models.CharField("企业（群众）", max_length=200, blank=True)
    enterprise_uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    matter = models.CharField("办理事项", max_length=200)
    description = models.TextField("办不成的原因")
    kind = models.CharField("分类", max_length=20, choices=HardCaseKind.choices)
    issue = models.CharField("共性问题", max_length=120)
    issue_key = models.CharField(max_length=120, db_index=True, editable=False)
    state = models.CharField(
        max_length=20, choices=HardCaseState.choices, default=HardCaseState.OPEN
    )
    resolution = models.TextField("解决情况", blank=True)
    filed_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    filed_at = models.DateTimeField("登记时间")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "办不成事"
        verbose_name_plural = "办不成事"
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.matter}（{HardCaseKind(self.kind).label}）"

    def save(self, *args, **kwargs):
        self.issue_key = rules.normalize_issue(self.issue)[:120]
        super().save(*args, **kwargs)


class DisciplineLead(models.Model):
    """作风问题线索台账: a conduct complaint handed to 纪检监察, closed item by item (销号)."""

    appeal = models.OneToOneField(Appeal, on_delete=models.PROTECT, related_name="lead")
    locality = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=LeadState.choices, default=LeadState.OPEN)
    referred_at = models.DateTimeField("移送时间")
    referred_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    findings = models.TextField("核查情况", blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "作风问题线索"
        verbose_name_plural = "作风问题线索"
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"XS{self.referred_at:%Y}{self.pk or 0:05d}"

    @property
    def audit_unit_id(self) -> int:
        # every audit event belongs to an area: the locality the appeal was filed in
        return self.locality_id


class FigureMonth(models.Model):
    """Counts behind 三率 for one unit and one final month (rolled up nightly, set-based).

    A month is final two months after it ends (replies, extensions and callbacks have landed);
    ``figures.unit_counts`` reads final months from here and the rest live.
    """

    unit = models.ForeignKey("orgs.Unit", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    dispatched = models.PositiveIntegerField(default=0)
    sign_counted = models.PositiveIntegerField(default=0)
    signed_on_time = models.PositiveIntegerField(default=0)
    reply_counted = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    replied_on_time = models.PositiveIntegerField(default=0)
    reply_workdays_sum = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    partly = models.PositiveIntegerField(default=0)
    unsatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "三率月度汇总"
        verbose_name_plural = "三率月度汇总"
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="figure_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.month:%Y-%m}"


class FigureMonthMark(models.Model):
    """Which months have been rolled up, and when (a month may have no rows at all)."""

    month = models.DateField("月份", unique=True)
    computed_at = models.DateTimeField("汇总时间")

    class Meta:
        verbose_name = "三率月度汇总记录"
        verbose_name_plural = "三率月度汇总记录"

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
