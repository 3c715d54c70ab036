"""Log retention (网络安全法第二十一条: 留存相关的网络日志不少于六个月) and the purge job.

Audit events are never deleted (append-only, refused in the database; archive them with
``qinqing backup``). Other records that must not be kept for ever are deleted by the daily,
idempotent job ``audit.retention_purge`` (:func:`purge`), one :class:`PurgeRule` each:

* ``expired`` rules delete what is past its own expiry (sessions, one-time codes): nothing
  of them is a log, and keeping them only keeps personal data;
* ``log`` rules delete log rows (login attempts, job runs, message deliveries, the SMS
  outbox) older than the retention period, ``QINQING_AUDIT_RETENTION_DAYS`` (at least 180,
  checked at start) or a longer period for that rule in ``QINQING_RETENTION_DAYS``. Every such
  purge asks :func:`check_purge_allowed` first, so no configuration can go below the legal
  minimum; a shorter period refuses the whole run (the job fails and shows as failed).

Core's rules are below. An app adds its own (e.g. the SMS codes of the QR confirmation) with
a ``retention.py`` module holding ``RULES = [PurgeRule(...)]``; models are named by label so
that core imports no domain. Each run that deletes anything is audited with the counts.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from qinqing.core.errors import QinqingError

MINIMUM_DAYS = 180
BATCH = 5000
ACTOR = "system:audit"


def retention_days() -> int:
    return max(MINIMUM_DAYS, int(getattr(settings, "QINQING_AUDIT_RETENTION_DAYS", 365)))


def check_purge_allowed(older_than: dt.datetime, *, now: dt.datetime) -> None:
    """Refuse a purge of records newer than the retention period.

    Examples:
        >>> now = dt.datetime(2026, 6, 15, tzinfo=dt.UTC)
        >>> check_purge_allowed(now - dt.timedelta(days=400), now=now)
        >>> check_purge_allowed(now - dt.timedelta(days=30), now=now)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.QinqingError: 日志至少保存 365 天，不能删除 2026-05-16 之后的记录。
    """
    limit = now - dt.timedelta(days=retention_days())
    if older_than > limit:
        raise QinqingError(
            f"日志至少保存 {retention_days()} 天，不能删除 {older_than:%Y-%m-%d} 之后的记录。"
        )


@dataclass(frozen=True)
class PurgeRule:
    """Delete rows of ``model`` ("app_label.ModelName") whose ``date_field`` is in the past
    (``kind="expired"``) or older than the retention period (``kind="log"``), among the rows
    matching ``filters``."""

    name: str
    label: str
    model: str
    date_field: str
    kind: str = "log"
    filters: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ("log", "expired"):
            raise ValueError(f"PurgeRule {self.name}: kind is 'log' or 'expired'")


CORE_RULES = [
    PurgeRule("sessions", "已过期的登录会话", "sessions.Session", "expire_date", "expired"),
    PurgeRule("login_attempts", "登录尝试记录", "axes.AccessAttempt", "attempt_time"),
    PurgeRule("login_failures", "登录失败记录", "axes.AccessFailureLog", "attempt_time"),
    PurgeRule("access_log", "登录记录", "axes.AccessLog", "attempt_time"),
    PurgeRule("sms_outbox", "短信发件箱", "notifications.SmsOutbox", "created_at"),
    PurgeRule(
        "deliveries",
        "已结束的消息发送记录",
        "notifications.Delivery",
        "queued_at",
        filters={"status__in": ["sent", "failed", "skipped"]},
    ),  # fmt: skip
    PurgeRule("job_runs", "定时任务运行记录", "jobs.JobRun", "started_at"),
]


def rules() -> list[PurgeRule]:
    """Core's rules and each installed app's ``<app>.retention.RULES`` (models installed only)."""
    found = list(CORE_RULES)
    for config in apps.get_app_configs():
        if not config.name.startswith("qinqing."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.retention")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.retention":
                raise
            continue
        found += list(getattr(module, "RULES", []))
    return [r for r in found if _model(r) is not None]


def _model(rule: PurgeRule) -> type[models.Model] | None:
    try:
        return apps.get_model(rule.model)
    except LookupError:
        return None


def rule_days(rule: PurgeRule) -> int:
    overrides = getattr(settings, "QINQING_RETENTION_DAYS", {}) or {}
    return int(overrides.get(rule.name, retention_days()))


def cutoff(rule: PurgeRule, now: dt.datetime) -> dt.datetime:
    """Rows dated before this moment are deleted; a log cutoff is checked against the law."""
    if rule.kind == "expired":
        return now
    limit = now - dt.timedelta(days=rule_days(rule))
    check_purge_allowed(limit, now=now)
    return limit


def _delete_before(rule: PurgeRule, before: dt.datetime) -> int:
    model = _model(rule)
    if model is None:  # rules() keeps installed models only
        return 0
    rows = model._base_manager.filter(**rule.filters, **{f"{rule.date_field}__lt": before})
    deleted = 0
    while True:  # in batches: a first run on years of logs must not hold one huge lock
        pks = list(rows.order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not pks:
            return deleted
        with transaction.atomic():
            model._base_manager.filter(pk__in=pks).delete()
        deleted += len(pks)


def purge(now: dt.datetime) -> dict[str, int]:
    """Job ``audit.retention_purge``: apply every rule; rows deleted per rule.

    Idempotent (a rerun finds nothing more to delete). Every cutoff is checked before
    anything is deleted, so a configuration below the legal minimum deletes nothing.
    """
    from qinqing.core import audit

    plan = [(rule, cutoff(rule, now)) for rule in rules()]
    counts = {rule.name: _delete_before(rule, before) for rule, before in plan}
    if any(counts.values()):
        audit.record(
            ACTOR, "retention.purged", ("retention", f"{now:%Y-%m-%d}", "按留存期限清理"),
            after={
                "deleted": {r.label: counts[r.name] for r, _ in plan if counts[r.name]},
                "days": retention_days(),
            },
            now=now,
        )  # fmt: skip
    return counts
