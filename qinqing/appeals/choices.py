"""Enumerations of the appeals domain: stable English values, Chinese labels (STYLE.md §3).

Kept apart from ``models.py`` so that the pure rules (``rules.py``) can use them without
the ORM.
"""

from __future__ import annotations

from django.db import models


class AppealType(models.TextChoices):
    CONSULTATION = "consultation", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    SUGGESTION = "suggestion", "建议"
    PRAISE = "praise", "表扬"


class Channel(models.TextChoices):
    WEB = "web", "网上提交"
    HOTLINE = "hotline", "热线电话"
    QR = "qr", "扫码反映"
    API = "api", "12345平台"
    VISIT = "visit", "包联走访"
    MEETING = "meeting", "政企沟通会"
    ONSITE = "onsite", "码上监督"
    PROBLEM = "problem", "问题台账"


class AppealState(models.TextChoices):
    RECEIVED = "received", "待派单"
    ANSWERED = "answered", "即时办结"
    DISPATCHED = "dispatched", "办理中"
    REPLIED = "replied", "待回访"
    CLOSED = "closed", "已办结"
    MERGED = "merged", "已并单"
    REFERRED = "referred", "已移送"


OPEN_APPEAL_STATES = frozenset({AppealState.RECEIVED, AppealState.DISPATCHED, AppealState.REPLIED})


class TicketRole(models.TextChoices):
    PRIMARY = "primary", "主办"
    ASSISTING = "assisting", "协办"


class TicketState(models.TextChoices):
    DISPATCHED = "dispatched", "待签收"
    ACKNOWLEDGED = "acknowledged", "办理中"
    RETURN_REQUESTED = "return_requested", "退单待审核"
    EXTENSION_REQUESTED = "extension_requested", "延期待审批"
    SUSPENSION_REQUESTED = "suspension_requested", "挂起待审批"
    SUSPENDED = "suspended", "已挂起"
    REPLIED = "replied", "已答复"
    RETURNED = "returned", "已退单"
    TRANSFERRED = "transferred", "已转办"
    REOPENED = "reopened", "已重办"
    CLOSED = "closed", "已办结"
    CANCELLED = "cancelled", "已撤销"


# States in which the unit still owes a reply (the reply clock may be running or paused).
WORKING_TICKET_STATES = frozenset(
    {
        TicketState.ACKNOWLEDGED,
        TicketState.EXTENSION_REQUESTED,
        TicketState.SUSPENSION_REQUESTED,
        TicketState.SUSPENDED,
    }
)
OPEN_TICKET_STATES = frozenset(
    {TicketState.DISPATCHED, TicketState.RETURN_REQUESTED, *WORKING_TICKET_STATES}
)
FINAL_TICKET_STATES = frozenset(
    {
        TicketState.RETURNED,
        TicketState.TRANSFERRED,
        TicketState.REOPENED,
        TicketState.CLOSED,
        TicketState.CANCELLED,
    }
)


class SlaStage(models.TextChoices):
    SIGN = "sign", "签收"
    REPLY = "reply", "答复"
    CALLBACK = "callback", "回访"
    RECTIFICATION = "rectification", "差评整改"


class LimitUnit(models.TextChoices):
    WORKDAYS = "workdays", "工作日"
    NATURAL_DAYS = "natural_days", "自然日"
    HOURS = "hours", "小时"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    PARTLY = "partly", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class SlaStatus(models.TextChoices):
    GREEN = "green", "正常"
    YELLOW = "yellow", "临近时限"
    RED = "red", "已超时"
    PAUSED = "paused", "已暂停计时"
    DONE = "done", "已完成"


class EventKind(models.TextChoices):
    RECEIVED = "received", "受理登记"
    DUPLICATE_PROPOSED = "duplicate_proposed", "疑似重复，建议并单"
    MERGED = "merged", "并单"
    ANSWERED = "answered", "即时办结"
    DISPATCHED = "dispatched", "派单"
    ACKNOWLEDGED = "acknowledged", "签收"
    RETURN_REQUESTED = "return_requested", "申请退单"
    RETURN_APPROVED = "return_approved", "同意退单"
    RETURN_REJECTED = "return_rejected", "驳回退单"
    TRANSFERRED = "transferred", "转办"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_APPROVED = "extension_approved", "同意延期"
    EXTENSION_REFUSED = "extension_refused", "不同意延期"
    SUSPENSION_REQUESTED = "suspension_requested", "申请挂起"
    SUSPENDED = "suspended", "同意挂起"
    SUSPENSION_REFUSED = "suspension_refused", "不同意挂起"
    RESUMED = "resumed", "恢复办理"
    REPLIED = "replied", "答复"
    REMINDED = "reminded", "催办"
    SUPERVISED = "supervised", "督办"
    CALLBACK = "callback", "回访"
    REOPENED = "reopened", "重办"
    ESCALATED = "escalated", "升级督办"
    CLOSED = "closed", "办结"
    REFERRED = "referred", "移送纪检监察机关"
    RATED = "rated", "企业评价"


# Events the enterprise sees on its timeline (the rest is internal handling detail).
PUBLIC_EVENT_KINDS = frozenset(
    {
        EventKind.RECEIVED,
        EventKind.MERGED,
        EventKind.ANSWERED,
        EventKind.DISPATCHED,
        EventKind.ACKNOWLEDGED,
        EventKind.TRANSFERRED,
        EventKind.SUSPENDED,
        EventKind.RESUMED,
        EventKind.EXTENSION_APPROVED,
        EventKind.REPLIED,
        EventKind.CALLBACK,
        EventKind.REOPENED,
        EventKind.CLOSED,
        EventKind.REFERRED,
        EventKind.RATED,
    }
)


class RatingLevel(models.IntegerChoices):
    VERY_GOOD = 5, "非常满意"
    GOOD = 4, "满意"
    FAIR = 3, "基本满意"
    BAD = 2, "不满意"
    VERY_BAD = 1, "非常不满意"


BAD_RATING_LEVELS = frozenset({RatingLevel.BAD, RatingLevel.VERY_BAD})


class RectificationState(models.TextChoices):
    OPEN = "open", "整改中"
    DONE = "done", "已整改"


class HardCaseKind(models.TextChoices):
    SHOULD_NOT = "should_not", "不该办"
    HARD = "hard", "很难办"
    REFUSED = "refused", "不给办"


class HardCaseState(models.TextChoices):
    OPEN = "open", "待解决"
    RESOLVED = "resolved", "已解决"


class LeadState(models.TextChoices):
    OPEN = "open", "待处置"
    CHECKING = "checking", "核查中"
    CLOSED = "closed", "已销号"


class QrKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业专属码"
    WINDOW = "window", "服务窗口码"
    DEPARTMENT = "department", "部门码"


class DuplicateState(models.TextChoices):
    PENDING = "pending", "待处理"
    MERGED = "merged", "已并单"
    DISMISSED = "dismissed", "不是重复"
