"""State names and labels of policy delivery: English values, Chinese labels.

The single source of these names: ``models`` uses them as field choices (and re-exports
them), ``rules`` builds its state machines and messages from them without touching the ORM.
"""

from __future__ import annotations

from django.db.models import TextChoices


class Delivery(TextChoices):
    AUTO_GRANT = "auto_grant", "免申即享"
    APPLICATION = "application", "依申请兑现"


class FitAnswer(TextChoices):
    FITS = "fits", "符合我的情况"
    PARTLY = "partly", "部分符合"
    NOT_FIT = "not_fit", "不符合我的情况"


class ApplicationState(TextChoices):
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "退回补正"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "不予兑现"
    PAID = "paid", "已拨付"


# States in which an application still holds (or may still claim) money from the 资金池.
OPEN_APPLICATION_STATES = [
    ApplicationState.SUBMITTED,
    ApplicationState.RETURNED,
    ApplicationState.APPROVED,
]


class GrantBatchState(TextChoices):
    PREPARED = "prepared", "待审批"
    APPROVED = "approved", "已审批"
    PAID = "paid", "已拨付"
    CANCELLED = "cancelled", "已作废"


class MatchMode(TextChoices):
    FULL = "full", "全量"
    INCREMENTAL = "incremental", "增量"
