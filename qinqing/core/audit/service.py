"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from qinqing.core.audit.models import AuditEvent, AuditHead, Visibility

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """JSON-normalise a value so that what is hashed is exactly what is stored."""
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def event_hash(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    actor_label: str,
    verb: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    unit_id: int | None,
    before: Any,
    after: Any,
    visibility: str,
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": actor_id,
        "actor_label": actor_label,
        "verb": verb,
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
        "unit_id": unit_id,
        "before": before,
        "after": after,
        "visibility": visibility,
        "prev_hash": prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _object_identity(obj: Any) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    if isinstance(obj, tuple):  # (type, id, repr) for things that are not model instances
        kind, ident, text = obj
        return str(kind), str(ident), str(text)[:200]
    meta = getattr(obj, "_meta", None)
    kind = f"{meta.app_label}.{meta.model_name}" if meta else type(obj).__name__.lower()
    return kind, str(getattr(obj, "pk", "")), str(obj)[:200]


def _actor_identity(actor: Any) -> tuple[int | None, str]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        label = actor if isinstance(actor, str) else "系统"
        return None, label[:150]
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    label = f"{actor.get_username()}（{full}）" if full else actor.get_username()
    return actor.pk, label[:150]


def _unit_of(obj: Any) -> int | None:
    for attr in ("audit_unit_id", "unit_id", "lead_unit_id"):
        value = getattr(obj, attr, None)
        if isinstance(value, int):
            return value
    return None


def record(
    actor: Any,
    verb: str,
    obj: Any,
    *,
    before: Any = None,
    after: Any = None,
    unit: Any = None,
    visibility: str = Visibility.INTERNAL,
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction.

    ``actor`` is a user, ``None`` or a string naming a system job; ``obj`` a model instance or
    a ``(type, id, repr)`` tuple; ``unit`` the unit the change concerns (for filtering).
    """
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        actor_id, actor_label = _actor_identity(actor)
        object_type, object_id, object_repr = _object_identity(obj)
        unit_id = getattr(unit, "pk", unit) if unit is not None else _unit_of(obj)
        created_at = now or timezone.now()
        fields = {
            "seq": head.seq + 1,
            "created_at": created_at,
            "actor_id": actor_id,
            "actor_label": actor_label,
            "verb": verb,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "unit_id": unit_id,
            "before": _plain(before),
            "after": _plain(after),
            "visibility": str(visibility),
            "prev_hash": head.hash,
        }
        digest = event_hash(**fields)
        event = AuditEvent.objects.create(hash=digest, **fields)
        head.seq, head.hash = event.seq, digest
        head.save(update_fields=["seq", "hash"])
        return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""


def verify_chain(batch_size: int = 5000) -> VerifyResult:
    """Walk the chain in order and report the first altered, missing or reordered record."""
    head = AuditHead.objects.filter(pk=1).first()
    expected_seq, prev = 1, GENESIS
    checked = 0
    last_seq = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gte=expected_seq).order_by("seq")[:batch_size])
        if not rows:
            break
        for ev in rows:
            if ev.seq != expected_seq:
                return VerifyResult(
                    False, checked, f"审计记录第 {expected_seq} 条缺失（下一条为第 {ev.seq} 条）。"
                )
            if ev.prev_hash != prev:
                return VerifyResult(
                    False, checked, f"审计记录第 {ev.seq} 条与前一条的链接不符，前一条可能被改动。"
                )
            digest = event_hash(
                seq=ev.seq,
                created_at=ev.created_at,
                actor_id=ev.actor_id,
                actor_label=ev.actor_label,
                verb=ev.verb,
                object_type=ev.object_type,
                object_id=ev.object_id,
                object_repr=ev.object_repr,
                unit_id=ev.unit_id,
                before=ev.before,
                after=ev.after,
                visibility=ev.visibility,
                prev_hash=ev.prev_hash,
            )
            if digest != ev.hash:
                return VerifyResult(
                    False,
                    checked,
                    f"审计记录第 {ev.seq} 条（{ev.verb}，{ev.object_type}:{ev.object_id}）内容被改动。",
                )
            prev, last_seq = ev.hash, ev.seq
            expected_seq += 1
            checked += 1
    head_seq = head.seq if head else 0
    if head_seq != last_seq:
        return VerifyResult(
            False, checked, f"审计记录第 {last_seq + 1} 条至第 {head_seq} 条缺失（链尾被删除）。"
        )
    if head and head.hash != prev and head_seq:
        return VerifyResult(False, checked, f"审计记录第 {last_seq} 条与链头不符。")
    return VerifyResult(True, checked)
