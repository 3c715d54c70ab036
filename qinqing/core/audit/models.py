"""Append-only, hash-chained audit trail (审计日志).

Every state change in Qinqing is recorded by :func:`qinqing.core.audit.record` in the same
transaction as the change. Rows are never updated or deleted: the model and its queryset
refuse it, and database triggers refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE (migration
0004). Each row carries the hash of its content and of the previous row (SM3 since the
algorithm is recorded per row; SHA-256 for older rows), so ``qinqing audit verify`` finds a
row changed or removed behind the application's back; signed checkpoints of the chain head
kept outside the database (``checkpoints.py``) catch a chain rewritten or emptied as a whole.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.db.models.functions import Coalesce


class AuditTamperingRefused(Exception):
    """Raised when code tries to update or delete an audit row."""


class Visibility(models.TextChoices):
    INTERNAL = "internal", "内部"
    PUBLIC = "public", "公开"
    # content only the discipline role may read (an appeal referred to 纪检监察)
    RESTRICTED = "restricted", "限纪检监察"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditTamperingRefused("audit events are append-only")

    def delete(self) -> NoReturn:
        raise AuditTamperingRefused("audit events are append-only")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTamperingRefused("audit events are append-only")


class AuditEvent(models.Model):
    seq = models.BigIntegerField("序号", unique=True)
    created_at = models.DateTimeField("时间", db_index=True)
    # Plain ids, not foreign keys: deleting a user or unit must never rewrite history.
    actor_id = models.BigIntegerField("操作人编号", null=True, blank=True, db_index=True)
    actor_label = models.CharField("操作人", max_length=150, blank=True)
    verb = models.CharField("操作", max_length=80, db_index=True)
    object_type = models.CharField("对象类型", max_length=80, db_index=True)
    object_id = models.CharField("对象编号", max_length=64, db_index=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    unit_id = models.BigIntegerField("相关单位编号", null=True, blank=True, db_index=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    visibility = models.CharField(
        "可见范围", max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64)
    # NULL: written before the algorithm was recorded, hashed with SHA-256 (nullable so that
    # adding the column rewrites no row and keeps the append-only triggers in place)
    hash_algorithm = models.CharField(  # noqa: DJ001
        "哈希算法", max_length=10, null=True, blank=True
    )
    # The chain shard (分链) and the position in it (service.py). NULL in rows written before
    # sharding: they are shard 0 at position ``seq`` (nullable for the same reason as above).
    shard = models.SmallIntegerField("分链", null=True, blank=True)
    shard_seq = models.BigIntegerField("分链序号", null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(
                Coalesce("shard", 0), Coalesce("shard_seq", "seq"), name="audit_event_shard_pos"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTamperingRefused("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditTamperingRefused("audit events are append-only")


class AuditHead(models.Model):
    """The head of one chain shard: row ``id = shard + 1`` (the single head of the chain
    before sharding, id 1, is shard 0). Locking it serialises appends to that shard only.

    Deleting the newest events leaves the head pointing past the end, which verify reports.
    """

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = "审计链头"

    def __str__(self) -> str:
        return f"#{self.seq}"
