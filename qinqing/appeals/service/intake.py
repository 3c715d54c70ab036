"""受理: register an appeal from any channel, propose duplicates, store attachments."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence

from django.db import transaction

from qinqing.appeals import rules, suggest
from qinqing.appeals.choices import (
    AppealState,
    AppealType,
    Channel,
    EventKind,
)
from qinqing.appeals.models import (
    Appeal,
    AppealSettings,
    Attachment,
    DuplicateProposal,
    QrEntry,
)
from qinqing.appeals.service._common import _event
from qinqing.appeals.service.config import default_locality, settings_for
from qinqing.appeals.service.dispatch import dispatch_appeal
from qinqing.core import audit
from qinqing.core.accounts.access import user_uscc
from qinqing.core.enterprises.uscc import validate_uscc
from qinqing.core.errors import InvalidInput
from qinqing.core.files.uploads import FILE_TYPES, check_upload
from qinqing.core.orgs.models import Unit

log = logging.getLogger(__name__)


# extensions accepted for appeal attachments (checked by extension and content in core)
ALLOWED_ATTACHMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "doc", "xls")


MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


MAX_ATTACHMENTS = 5


REQUIRED_FIELDS = {
    "enterprise_name": "企业名称",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "title": "标题",
    "content": "诉求内容",
}


MAX_LENGTHS = {
    "enterprise_name": 200,
    "contact_name": 50,
    "contact_phone": 30,
    "title": 200,
    "place": 200,
    "content": 5000,
}


def clean_intake(data: dict) -> dict:
    """Validate intake fields; raise InvalidInput naming every field that is wrong."""
    problems: list[str] = []
    clean: dict = {}
    for name in ("enterprise_name", "contact_name", "contact_phone", "title", "content", "place"):
        value = str(data.get(name) or "").strip()
        if name in REQUIRED_FIELDS and not value:
            problems.append(f"“{REQUIRED_FIELDS[name]}”未填写")
        elif len(value) > MAX_LENGTHS[name]:
            label = REQUIRED_FIELDS.get(name, "发生地点")
            problems.append(f"“{label}”超过 {MAX_LENGTHS[name]} 字（现为 {len(value)} 字）")
        clean[name] = value
    phone = clean["contact_phone"]
    if phone and not all(ch.isdigit() or ch in "-+ " for ch in phone):
        problems.append(f"“联系电话”“{phone}”只能包含数字和连字符")
    try:
        clean["enterprise_uscc"] = validate_uscc(str(data.get("enterprise_uscc") or ""))
    except InvalidInput as exc:
        problems.append(exc.message.rstrip("。"))
    appeal_type = str(data.get("appeal_type") or "")
    if appeal_type not in AppealType.values:
        labels = "、".join(f"{label}（{value}）" for value, label in AppealType.choices)
        problems.append(f"“诉求类型”应为 {labels} 之一")
    clean["appeal_type"] = appeal_type
    if problems:
        raise InvalidInput("；".join(problems) + "。请修改后重新提交。")
    return clean


@transaction.atomic
def submit_appeal(
    *,
    actor,
    now: dt.datetime,
    channel: str,
    data: dict,
    locality: Unit | None = None,
    source: str = "",
    external_id: str = "",
    qr_entry: QrEntry | None = None,
    files: Sequence = (),
) -> Appeal:
    """受理 (accept): register an appeal from any channel, flag duplicates and conduct terms."""
    clean = clean_intake(data)
    locality = locality or (qr_entry.locality if qr_entry else None) or default_locality()
    # the public QR form takes any credit code: only the enterprise's own signed-in account
    # vouches for it; otherwise the appeal is 未核验 and stays out of that enterprise's account
    confirmed = channel != Channel.QR or (
        getattr(actor, "is_authenticated", False) and user_uscc(actor) == clean["enterprise_uscc"]
    )
    appeal = Appeal.objects.create(
        locality=locality,
        identity_confirmed=confirmed,
        channel=Channel(channel),
        source=source,
        external_id=external_id,
        received_at=now,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        qr_entry=qr_entry,
        conduct=bool(rules.conduct_terms(clean["title"] + clean["content"])),
        **clean,
    )
    _event(appeal, EventKind.RECEIVED, actor=actor, now=now, data={"channel": channel})
    for upload in files:
        add_attachment(appeal, upload, actor=actor, now=now)
    config = settings_for(locality)
    _propose_duplicates(appeal, config, actor=actor, now=now)
    audit.record(
        actor,
        "appeal.received",
        appeal,
        after={
            "channel": channel,
            "type": appeal.appeal_type,
            "uscc": appeal.enterprise_uscc,
            "identity_confirmed": confirmed,
            "external_id": external_id or None,
        },
        now=now,
    )
    if config.auto_dispatch_threshold is not None and not appeal.conduct:
        _try_auto_dispatch(appeal, config, now=now)
    return appeal


def _propose_duplicates(appeal: Appeal, config: AppealSettings, *, actor, now) -> None:
    """Propose merging into the most similar recent appeal of the same enterprise (并单).

    Only the best candidate is proposed: the dispatcher merges into one appeal.
    """
    since = now - dt.timedelta(days=config.duplicate_window_days)
    recent = (
        Appeal.objects.filter(
            enterprise_uscc=appeal.enterprise_uscc,
            received_at__gte=since,
            locality=appeal.locality,
        )
        .exclude(pk=appeal.pk)
        .exclude(state=AppealState.MERGED)
        .order_by("-received_at")
        .values_list("pk", "title", "content")[:50]
    )
    text = appeal.title + appeal.content
    scored = [(rules.text_similarity(text, title + content), pk) for pk, title, content in recent]
    best = max(scored, default=(0.0, None), key=lambda item: item[0])
    if best[1] is None or best[0] < config.duplicate_threshold:
        return
    score, pk = best
    DuplicateProposal.objects.create(appeal=appeal, candidate_id=pk, score=score)
    _event(
        appeal,
        EventKind.DUPLICATE_PROPOSED,
        actor="系统查重",
        now=now,
        data={"candidate": pk, "score": round(score, 3)},
    )


def _try_auto_dispatch(appeal: Appeal, config: AppealSettings, *, now) -> None:
    found = suggest.suggest_for_appeals([appeal]).get(appeal.pk) or []
    if not found:
        return
    best = found[0]
    appeal.suggestions = [s.as_dict() for s in found]
    appeal.save(update_fields=["suggestions"])
    allowed = set(config.auto_dispatch_categories or [])
    threshold = config.auto_dispatch_threshold
    if threshold is None or best.confidence < threshold:
        return
    if allowed and not (set(best.labels) & allowed):
        return
    try:
        with transaction.atomic():
            dispatch_appeal(
                appeal,
                actor="系统自动派单",
                now=now,
                primary_unit=Unit.objects.get(pk=best.unit_id),
                auto=True,
            )
    except InvalidInput as exc:  # e.g. next year's holidays not imported yet
        log.warning("auto-dispatch of appeal %s skipped: %s", appeal.pk, exc)


def add_attachment(appeal: Appeal, upload, *, actor, now: dt.datetime) -> Attachment:
    """Store an uploaded file after checking its type (extension and content) and size."""
    name = getattr(upload, "name", "") or "附件"
    if appeal.attachments.count() >= MAX_ATTACHMENTS:
        raise InvalidInput(f"每件诉求最多上传 {MAX_ATTACHMENTS} 个附件。")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    ext = check_upload(
        name,
        getattr(upload, "size", 0) or 0,
        head,
        max_bytes=MAX_ATTACHMENT_BYTES,
        allowed=ALLOWED_ATTACHMENT_TYPES,
    )
    digest = hashlib.sha256()
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        appeal=appeal,
        original_name=name[-200:],
        content_type=FILE_TYPES[ext].content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=now,
    )
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment
