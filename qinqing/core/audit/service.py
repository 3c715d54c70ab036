"""Writing and verifying the audit chain.

Each event is hashed with the algorithm recorded in its row: ``sm3`` (GB/T 32905, the
default for new events, ``QINQING_AUDIT_HASH_ALGORITHM``) or ``sha256``; rows written before
the algorithm was recorded have ``hash_algorithm`` NULL and were hashed with SHA-256, so old
chains still verify after the switch.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from qinqing.core.audit.models import AuditEvent, AuditHead, Visibility
from qinqing.core.audit.redaction import redact

GENESIS = "0" * 64
HASH_ALGORITHMS = ("sm3", "sha256")
LEGACY_ALGORITHM = "sha256"  # rows whose hash_algorithm is NULL


def current_algorithm() -> str:
    algorithm = getattr(settings, "QINQING_AUDIT_HASH_ALGORITHM", "sm3")
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"QINQING_AUDIT_HASH_ALGORITHM must be one of {HASH_ALGORITHMS}")
    return algorithm


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
    hash_algorithm: str | None = None,
) -> str:
    """Hash one event. ``hash_algorithm=None`` is the legacy SHA-256 form (unchanged payload);
    otherwise the algorithm is itself part of the hashed payload, so relabelling a row's
    algorithm breaks its hash."""
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
    if hash_algorithm is not None:
        payload["hash_algorithm"] = hash_algorithm
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.new(hash_algorithm or LEGACY_ALGORITHM, blob.encode("utf-8")).hexdigest()


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


def _refuse_read_only_actor(actor: Any, verb: str) -> None:
    if actor is None or isinstance(actor, str) or not getattr(actor, "is_authenticated", False):
        return
    from qinqing.core.accounts.access import role_of
    from qinqing.core.audit.verbs import READ_VERBS
    from qinqing.core.errors import PermissionDenied

    role = role_of(actor)
    if role is not None and role.read_only and verb not in READ_VERBS:
        raise PermissionDenied(
            f"您的账号是只读角色（{role.name}），可以查看但不能修改数据。如需办理，请联系经办单位。"
        )


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

    This is also the single choke point of least privilege: every service write records an
    event in its own transaction, so a read-only role (领导) raising
    :class:`~qinqing.core.errors.PermissionDenied` here rolls the whole write back even when
    a view forgot to check. Verbs that record a read or the actor's own sign-in
    (``verbs.READ_VERBS``) are allowed.

    Phone, ID and bank-account numbers in ``before``/``after`` are masked before they are
    hashed and stored (``redaction.py``): the append-only log never holds them in the clear.
    """
    _refuse_read_only_actor(actor, verb)
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
            "before": redact(_plain(before)),
            "after": redact(_plain(after)),
            "visibility": str(visibility),
            "prev_hash": head.hash,
            "hash_algorithm": current_algorithm(),
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
    checkpoints: int = 0  # signed checkpoints the chain was compared with
    last_checkpoint: Any = None


def verify_chain(batch_size: int = 5000, *, checkpoints: list[Any] | None = None) -> VerifyResult:
    """Walk the chain in order and report the first altered, missing or reordered record,
    then compare it with the signed checkpoints kept outside the database (``None``: those
    in ``QINQING_AUDIT_CHECKPOINT_DIR``), which catch a chain rewritten, cut or emptied as a
    whole with its hashes recomputed."""
    from qinqing.core.audit import checkpoints as cps

    if checkpoints is None:
        checkpoints, bad_line = cps.read_checkpoints()
        if bad_line:
            return VerifyResult(False, 0, bad_line)
    wanted = {cp.seq for cp in checkpoints}
    hashes_at: dict[int, str] = {}
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
            if ev.hash_algorithm is not None and ev.hash_algorithm not in HASH_ALGORITHMS:
                return VerifyResult(
                    False, checked, f"审计记录第 {ev.seq} 条的哈希算法“{ev.hash_algorithm}”无效。"
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
                hash_algorithm=ev.hash_algorithm,
            )
            if digest != ev.hash:
                return VerifyResult(
                    False,
                    checked,
                    f"审计记录第 {ev.seq} 条（{ev.verb}，{ev.object_type}:{ev.object_id}）内容被改动。",
                )
            if ev.seq in wanted:
                hashes_at[ev.seq] = ev.hash
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
    for cp in checkpoints:
        when = cp.local_time()
        if cp.seq > last_seq:
            return VerifyResult(
                False,
                checked,
                f"审计日志只有 {last_seq} 条，比 {when} 的校验点记录的 {cp.seq} 条短："
                "链尾被删除、链头被回滚或整个日志被清空。请用备份恢复并查明原因。",
            )
        if cp.seq and hashes_at.get(cp.seq) != cp.hash:
            return VerifyResult(
                False,
                checked,
                f"审计记录第 {cp.seq} 条与 {when} 的校验点不符：该条或此前的记录被改写后重算了哈希。",
            )
    return VerifyResult(
        True,
        checked,
        checkpoints=len(checkpoints),
        last_checkpoint=checkpoints[-1] if checkpoints else None,
    )
