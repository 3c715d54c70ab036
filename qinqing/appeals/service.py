"""State changes of 接诉即办: one atomic, audited function per step (STYLE.md §2).

受理 → 派单 → 签收 → 办理 → 答复 → 回访 → 评价 → 整改 → 督办. Each function takes ``now``
from the view or job, appends to the appeal's event log (from which SLA clocks are
recomputed), writes one audit event and raises a ``QinqingError`` with a Chinese message
when the step is not allowed, so nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from collections.abc import Iterable, Sequence

from django.db import IntegrityError, transaction

from qinqing.appeals import notify, rules, settings_cache
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
    QrKind,
    RatingLevel,
    RectificationState,
    Satisfaction,
    SlaStage,
    TicketRole,
    TicketState,
)
from qinqing.appeals.models import (
    ApiClient,
    Appeal,
    AppealEvent,
    AppealSettings,
    Attachment,
    Callback,
    DisciplineLead,
    DuplicateProposal,
    HardCase,
    QrEntry,
    Rectification,
    ServiceRating,
    SlaPolicy,
    Ticket,
)
from qinqing.core import audit
from qinqing.core.accounts.access import user_uscc
from qinqing.core.audit.models import Visibility
from qinqing.core.enterprises.uscc import validate_uscc
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, TimeLimit, get_calendar
from qinqing.core.workdays.rules import deemed_received_on, due_on

log = logging.getLogger(__name__)

# extensions accepted for appeal attachments (checked by extension and content in core)
ALLOWED_ATTACHMENT_TYPES = ("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "doc", "xls")
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5


# ---------------------------------------------------------------------------------------
# Configuration look-ups
# ---------------------------------------------------------------------------------------


def _areas_upwards(locality: Unit):
    """The locality, then its parents, fetched only as far as the caller reads."""
    node = locality
    while node is not None:
        yield node
        node = node.parent


SETTINGS_CACHE_SECONDS = 30
_settings_cache = settings_cache.CACHE


def settings_for(locality: Unit) -> AppealSettings:
    """The locality's settings, else its nearest parent area's, else the defaults.

    Kept per process for ``SETTINGS_CACHE_SECONDS`` (intake reads them on every appeal);
    saving a settings row clears this process's copy at once, other processes catch up
    within that time.
    """
    cached = _settings_cache.get(locality.pk)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    found = None
    for area in _areas_upwards(locality):
        found = AppealSettings.objects.filter(locality=area).first()
        if found is not None:
            break
    found = found or AppealSettings(locality=locality)
    _settings_cache[locality.pk] = (found, time.monotonic() + SETTINGS_CACHE_SECONDS)
    return found


forget_settings = settings_cache.forget_settings


def sla_rules_for(locality: Unit) -> list[rules.SlaRule]:
    """The locality's dated time limits (nearest area that has any); defaults fill gaps."""
    for area in _areas_upwards(locality):
        rows = list(SlaPolicy.objects.filter(locality=area))
        if rows:
            return [row.as_rule() for row in rows]
    return []


def limit_for(locality: Unit, stage: str, appeal_type: str, on: dt.date) -> TimeLimit:
    return rules.pick_limit(sla_rules_for(locality), stage, appeal_type, on).limit


def default_locality() -> Unit:
    """Where web and QR submissions without a locality go: the first configured area."""
    configured = AppealSettings.objects.order_by("pk").select_related("locality").first()
    if configured is not None:
        return configured.locality
    city = Unit.objects.filter(kind="city", active=True).order_by("pk").first()
    if city is None:
        raise InvalidInput("系统尚未设置受理地区，请联系管理员在机构库中建立城市并完成诉求设置。")
    return city


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(DEFAULT_OFFICE_HOURS.tz).date()


# ---------------------------------------------------------------------------------------
# Event log and clocks
# ---------------------------------------------------------------------------------------


def _actor_label(actor) -> str:
    if actor is None:
        return "系统"
    if isinstance(actor, str):
        return actor[:150]
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return (full or actor.get_username())[:150]


def _event(
    appeal: Appeal,
    kind: str,
    *,
    actor,
    now: dt.datetime,
    ticket: Ticket | None = None,
    note: str = "",
    amount: int = 0,
    data: dict | None = None,
) -> AppealEvent:
    return AppealEvent.objects.create(
        appeal=appeal,
        ticket=ticket,
        kind=kind,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
        note=note,
        amount=amount,
        data=data or {},
    )


def clock_events(ticket: Ticket) -> list[rules.ClockEvent]:
    return [
        rules.ClockEvent(kind, at, amount)
        for kind, at, amount in ticket.events.order_by("at", "pk").values_list(
            "kind", "at", "amount"
        )
    ]


def ticket_clock(ticket: Ticket, calendar=None) -> rules.TicketClock:
    """Recompute the ticket's SLA clock from its event log with the calendar in force."""
    return rules.ticket_clock(
        clock_events(ticket),
        sign_limit=TimeLimit(ticket.sign_limit, ticket.sign_unit),
        reply_limit=TimeLimit(ticket.reply_limit, ticket.reply_unit),
        calendar=calendar or get_calendar(),
    )


CLOCK_FIELDS = [
    "start_on",
    "extension_amount",
    "paused_amount",
    "paused_since",
    "sign_due_at",
    "reply_due_at",
]


def refresh_clock(ticket: Ticket, calendar=None) -> rules.TicketClock:
    """Cache the clock recomputed from the log on the ticket (for the sweep and lists)."""
    clock = ticket_clock(ticket, calendar)
    ticket.start_on = clock.start_on
    ticket.extension_amount = clock.extension
    ticket.paused_amount = clock.paused
    ticket.paused_since = clock.paused_since
    ticket.sign_due_at = clock.sign_due_at
    ticket.reply_due_at = clock.reply_due_at
    ticket.save(update_fields=CLOCK_FIELDS)
    return clock


def _move(ticket: Ticket, target: str, *, action: str | None = None) -> str:
    before = ticket.state
    rules.check_transition(before, target, action=action)
    ticket.state = target
    return before


def _audit_ticket(actor, verb: str, ticket: Ticket, before: str, now, **after) -> None:
    audit.record(
        actor,
        verb,
        ticket,
        unit=ticket.unit_id,
        before={"state": before},
        after={"state": ticket.state, **after},
        now=now,
    )


# ---------------------------------------------------------------------------------------
# Intake (受理)
# ---------------------------------------------------------------------------------------

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
    from qinqing.appeals import suggest

    found = suggest.suggest_for_appeals([appeal]).get(appeal.pk) or []
    if not found:
        return
    best = found[0]
    appeal.suggestions = [s.as_dict() for s in found]
    appeal.save(update_fields=["suggestions"])
    allowed = set(config.auto_dispatch_categories or [])
    if best.confidence < config.auto_dispatch_threshold:
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
    from qinqing.core.files.uploads import FILE_TYPES, check_upload

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


# ---------------------------------------------------------------------------------------
# 12345 platform API
# ---------------------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_api_client(*, actor, name: str, code: str, locality: Unit, now) -> tuple[ApiClient, str]:
    """Register a calling system; returns the token (shown once, only its hash is kept)."""
    if ApiClient.objects.filter(code=code).exists():
        raise InvalidInput(f"系统代码“{code}”已被使用，请换一个代码。")
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        name=name, code=code, token_hash=token_digest(token), locality=locality, created_at=now
    )
    audit.record(actor, "apiclient.created", client, after={"code": code, "name": name}, now=now)
    return client, token


def submit_from_api(client: ApiClient, payload: dict, *, now: dt.datetime) -> tuple[Appeal, bool]:
    """Idempotent intake for a calling system: the same ``external_id`` returns the same appeal."""
    external_id = str(payload.get("external_id") or "").strip()
    if not external_id:
        raise InvalidInput("缺少“external_id”（来源系统的工单编号），请补充后重新提交。")
    if len(external_id) > 64:
        raise InvalidInput("“external_id”超过 64 个字符。")
    existing = Appeal.objects.filter(
        channel=Channel.API, source=client.code, external_id=external_id
    ).first()
    if existing is not None:
        _check_same_submission(existing, payload)
        return existing, False
    try:
        appeal = submit_appeal(
            actor=f"接口：{client.name}",
            now=now,
            channel=Channel.API,
            data=payload,
            locality=client.locality,
            source=client.code,
            external_id=external_id,
        )
    except IntegrityError:
        # a concurrent request with the same external id won the race
        existing = Appeal.objects.filter(
            channel=Channel.API, source=client.code, external_id=external_id
        ).first()
        if existing is None:
            raise
        _check_same_submission(existing, payload)
        return existing, False
    return appeal, True


class ConflictingReplay(InvalidInput):
    """The same external id sent again with different content (the API answers 409)."""


def _check_same_submission(existing: Appeal, payload: dict) -> None:
    """A replay is idempotent only if it says the same thing as the first submission."""
    clean = clean_intake(payload)
    changed = [
        name
        for name in ("enterprise_uscc", "enterprise_name", "contact_name", "contact_phone",
                     "appeal_type", "title", "content", "place")
        if str(getattr(existing, name) or "") != str(clean.get(name) or "")
    ]  # fmt: skip
    if changed:
        raise ConflictingReplay(
            f"编号为“{existing.external_id}”的诉求已提交（诉求编号 {existing.number}），"
            f"本次内容与原提交不同（{'、'.join(changed)}）。同一编号不能用于不同的诉求；"
            "如需补充，请使用新的编号。"
        )


# ---------------------------------------------------------------------------------------
# Duplicates (并单), on-the-spot answers (即时办结), referral to discipline
# ---------------------------------------------------------------------------------------


def _require_appeal_state(appeal: Appeal, allowed: Iterable[str], action: str) -> None:
    if appeal.state not in set(allowed):
        raise IllegalTransition(
            f"诉求当前状态为“{AppealState(appeal.state).label}”，不能{action}。"
        )


@transaction.atomic
def merge_appeals(proposal: DuplicateProposal, *, actor, now: dt.datetime) -> Appeal:
    """并单: fold the newer appeal into the earlier one; the earlier one carries on."""
    appeal = Appeal.objects.select_for_update().get(pk=proposal.appeal_id)
    target = proposal.candidate
    if proposal.state != DuplicateState.PENDING:
        raise IllegalTransition("该并单建议已处理，请刷新页面。")
    _require_appeal_state(appeal, [AppealState.RECEIVED], "并单")
    if target.state == AppealState.MERGED:
        raise IllegalTransition("目标诉求已被并入其他诉求，不能再并入。")
    appeal.state, appeal.merged_into, appeal.closed_at = AppealState.MERGED, target, now
    appeal.save(update_fields=["state", "merged_into", "closed_at"])
    proposal.state, proposal.decided_by, proposal.decided_at = DuplicateState.MERGED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    _event(appeal, EventKind.MERGED, actor=actor, now=now, data={"into": target.pk})
    _event(target, EventKind.MERGED, actor=actor, now=now, data={"from": appeal.pk})
    audit.record(
        actor,
        "appeal.merged",
        appeal,
        before={"state": "received"},
        after={"into": target.pk},
        now=now,
    )
    return target


@transaction.atomic
def dismiss_duplicate(proposal: DuplicateProposal, *, actor, now: dt.datetime) -> None:
    if proposal.state != DuplicateState.PENDING:
        raise IllegalTransition("该并单建议已处理，请刷新页面。")
    proposal.state, proposal.decided_by, proposal.decided_at = DuplicateState.DISMISSED, actor, now
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit.record(actor, "appeal.duplicate_dismissed", proposal.appeal, now=now)


@transaction.atomic
def answer_on_the_spot(
    appeal: Appeal, *, actor, now: dt.datetime, answer: str, unit: Unit | None = None
) -> Appeal:
    """即时办结: answer a 咨询 at once (usually from a knowledge-base article)."""
    _require_appeal_state(appeal, [AppealState.RECEIVED], "即时办结")
    if appeal.appeal_type != AppealType.CONSULTATION:
        raise InvalidInput("只有“咨询”类诉求可以即时办结，其他类型请派单办理。")
    answer = (answer or "").strip()
    if not answer:
        raise InvalidInput("请填写答复内容后再即时办结。")
    appeal.state, appeal.answer, appeal.closed_at, appeal.replied_at = (
        AppealState.ANSWERED,
        answer,
        now,
        now,
    )
    appeal.save(update_fields=["state", "answer", "closed_at", "replied_at"])
    _event(
        appeal,
        EventKind.ANSWERED,
        actor=actor,
        now=now,
        note=answer,
        data={"unit": unit.pk if unit else None},
    )
    audit.record(actor, "appeal.answered", appeal, before={"state": "received"}, now=now)
    return appeal


@transaction.atomic
def refer_to_discipline(
    appeal: Appeal, *, actor, now: dt.datetime, note: str = ""
) -> DisciplineLead:
    """移送纪检监察: a conduct complaint becomes a lead; other units then see only 已移送."""
    _require_appeal_state(appeal, [AppealState.RECEIVED, AppealState.DISPATCHED], "移送")
    before = appeal.state
    for ticket in appeal.tickets.filter(state__in=OPEN_TICKET_STATES):
        ticket.state, ticket.closed_at = TicketState.CANCELLED, now
        ticket.save(update_fields=["state", "closed_at"])
    appeal.state, appeal.conduct = AppealState.REFERRED, True
    appeal.save(update_fields=["state", "conduct"])
    lead = DisciplineLead.objects.create(
        appeal=appeal, locality=appeal.locality, referred_at=now, referred_by=actor
    )
    _event(appeal, EventKind.REFERRED, actor=actor, now=now, note=note)
    # named by number only and restricted: everyone but 纪检监察 sees 已移送 in the audit trail
    audit.record(
        actor, "appeal.referred", ("appeals.appeal", appeal.pk, appeal.number),
        before={"state": before}, after={"lead": lead.pk}, unit=appeal.locality_id,
        visibility=Visibility.RESTRICTED, now=now,
    )  # fmt: skip
    return lead


@transaction.atomic
def record_lead_progress(
    lead: DisciplineLead, *, actor, now: dt.datetime, findings: str, close: bool
) -> DisciplineLead:
    """线索台账: note what was found; ``close`` 销号 the lead (item by item)."""
    if lead.state == LeadState.CLOSED:
        raise IllegalTransition("该线索已销号，不能再修改。")
    findings = (findings or "").strip()
    if not findings:
        raise InvalidInput("请填写核查情况。")
    before = lead.state
    lead.findings = findings
    lead.state = LeadState.CLOSED if close else LeadState.CHECKING
    if close:
        lead.closed_at, lead.closed_by = now, actor
    lead.save(update_fields=["findings", "state", "closed_at", "closed_by"])
    audit.record(
        actor,
        "lead.closed" if close else "lead.updated",
        lead,
        before={"state": before},
        after={"state": lead.state},
        visibility=Visibility.RESTRICTED,
        now=now,
    )
    return lead


# ---------------------------------------------------------------------------------------
# Dispatch (派单)
# ---------------------------------------------------------------------------------------


def _check_unit_in_area(unit: Unit, locality: Unit) -> None:
    if not unit.active or not unit.path.startswith(locality.path):
        raise InvalidInput(f"“{unit.name}”不是{locality.name}的在用单位，不能派单给它。")


def _new_ticket(
    appeal: Appeal,
    unit: Unit,
    role: str,
    *,
    actor,
    now: dt.datetime,
    calendar,
    note: str = "",
    transferred_from: Ticket | None = None,
    reopened_from: Ticket | None = None,
    supervised: bool = False,
) -> Ticket:
    today = local_today(now)
    sign = limit_for(appeal.locality, SlaStage.SIGN, appeal.appeal_type, today)
    reply = limit_for(appeal.locality, SlaStage.REPLY, appeal.appeal_type, today)
    ticket = Ticket.objects.create(
        appeal=appeal,
        unit=unit,
        role=role,
        dispatched_at=now,
        start_on=deemed_received_on(now, calendar=calendar),
        sign_limit=sign.amount,
        sign_unit=sign.unit.value,
        reply_limit=reply.amount,
        reply_unit=reply.unit.value,
        transferred_from=transferred_from,
        reopened_from=reopened_from,
        supervised=supervised,
        supervised_at=now if supervised else None,
    )
    _event(
        appeal,
        EventKind.DISPATCHED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=note,
        data={"unit": unit.name, "role": role},
    )
    refresh_clock(ticket, calendar)
    return ticket


@transaction.atomic
def dispatch_appeal(
    appeal: Appeal,
    *,
    actor,
    now: dt.datetime,
    primary_unit: Unit,
    assisting_units: Sequence[Unit] = (),
    note: str = "",
    category: str = "",
    auto: bool = False,
) -> list[Ticket]:
    """派单: a lead unit (主办) and optional co-handling units (协办); overrides are recorded."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    _require_appeal_state(appeal, [AppealState.RECEIVED], "派单")
    assisting = [u for u in dict.fromkeys(assisting_units) if u.pk != primary_unit.pk]
    for unit in [primary_unit, *assisting]:
        _check_unit_in_area(unit, appeal.locality)
    calendar = get_calendar()
    suggested = appeal.suggestions[0] if appeal.suggestions else None
    overridden = None if suggested is None else suggested["unit_id"] != primary_unit.pk
    if not category and appeal.suggestions:
        chosen = next((s for s in appeal.suggestions if s["unit_id"] == primary_unit.pk), None)
        category = (chosen or suggested)["labels"][0] if (chosen or suggested)["labels"] else ""
    tickets = [
        _new_ticket(
            appeal,
            primary_unit,
            TicketRole.PRIMARY,
            actor=actor,
            now=now,
            calendar=calendar,
            note=note,
        )
    ]
    for unit in assisting:
        tickets.append(
            _new_ticket(
                appeal,
                unit,
                TicketRole.ASSISTING,
                actor=actor,
                now=now,
                calendar=calendar,
                note=note,
            )
        )
    appeal.state, appeal.dispatched_at = AppealState.DISPATCHED, now
    appeal.dispatch_overridden, appeal.auto_dispatched = overridden, auto
    if category:
        appeal.category = category[:40]
    appeal.save(
        update_fields=[
            "state",
            "dispatched_at",
            "dispatch_overridden",
            "auto_dispatched",
            "category",
        ]
    )
    audit.record(
        actor,
        "appeal.dispatched",
        appeal,
        unit=primary_unit,
        before={"state": "received"},
        after={
            "primary": primary_unit.name,
            "assisting": [u.name for u in assisting],
            "suggested": suggested,
            "overridden": overridden,
            "auto": auto,
        },
        now=now,
    )
    notify.tickets_dispatched(appeal, tickets, now=now)
    return tickets


# ---------------------------------------------------------------------------------------
# Unit handling (签收、退单、延期、挂起、答复) and the office's reviews
# ---------------------------------------------------------------------------------------


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().select_related("appeal", "unit").get(pk=ticket.pk)


@transaction.atomic
def acknowledge_ticket(ticket: Ticket, *, actor, now: dt.datetime) -> Ticket:
    """签收 (acknowledge): the assigned unit confirms receipt."""
    ticket = _locked(ticket)
    before = _move(ticket, TicketState.ACKNOWLEDGED)
    ticket.acknowledged_at = now
    ticket.signed_on_time = ticket.sign_due_at is None or now <= ticket.sign_due_at
    ticket.save(update_fields=["state", "acknowledged_at", "signed_on_time"])
    _event(ticket.appeal, EventKind.ACKNOWLEDGED, actor=actor, now=now, ticket=ticket)
    refresh_clock(ticket)
    _audit_ticket(actor, "ticket.acknowledged", ticket, before, now, on_time=ticket.signed_on_time)
    return ticket


@transaction.atomic
def request_return(ticket: Ticket, *, actor, now: dt.datetime, reason: str) -> Ticket:
    """退单: within the sign window, with a reason; the dispatcher reviews it."""
    ticket = _locked(ticket)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写退单理由（例如：不属于本单位职责，建议由某单位办理）。")
    if ticket.state == TicketState.DISPATCHED and ticket.sign_due_at and now > ticket.sign_due_at:
        raise IllegalTransition(
            f"已超过签收时限（{ticket.sign_due_at.astimezone(DEFAULT_OFFICE_HOURS.tz):%Y-%m-%d %H:%M}），"
            "不能再退单。请签收后办理，或联系派单员转办。"
        )
    before = _move(ticket, TicketState.RETURN_REQUESTED)
    ticket.return_reason = reason
    ticket.save(update_fields=["state", "return_reason"])
    _event(
        ticket.appeal, EventKind.RETURN_REQUESTED, actor=actor, now=now, ticket=ticket, note=reason
    )
    refresh_clock(ticket)
    _audit_ticket(actor, "ticket.return_requested", ticket, before, now, reason=reason)
    return ticket


@transaction.atomic
def review_return(
    ticket: Ticket, *, actor, now: dt.datetime, approve: bool, note: str = ""
) -> Ticket:
    """The dispatcher accepts a 退单 (the appeal goes back to the queue) or sends it back."""
    ticket = _locked(ticket)
    appeal = ticket.appeal
    if approve:
        before = _move(ticket, TicketState.RETURNED, action="同意退单")
        ticket.closed_at = now
        ticket.save(update_fields=["state", "closed_at"])
        _event(appeal, EventKind.RETURN_APPROVED, actor=actor, now=now, ticket=ticket, note=note)
        if ticket.role == TicketRole.PRIMARY:
            for other in appeal.tickets.filter(state__in=OPEN_TICKET_STATES).exclude(pk=ticket.pk):
                other.state, other.closed_at = TicketState.CANCELLED, now
                other.save(update_fields=["state", "closed_at"])
            appeal.state, appeal.dispatched_at = AppealState.RECEIVED, None
            appeal.save(update_fields=["state", "dispatched_at"])
        verb = "ticket.return_approved"
    else:
        before = _move(ticket, TicketState.DISPATCHED, action="驳回退单")
        ticket.save(update_fields=["state"])
        _event(appeal, EventKind.RETURN_REJECTED, actor=actor, now=now, ticket=ticket, note=note)
        verb = "ticket.return_rejected"
    refresh_clock(ticket)
    _audit_ticket(actor, verb, ticket, before, now, note=note)
    return ticket


@transaction.atomic
def transfer_ticket(
    ticket: Ticket, *, actor, now: dt.datetime, to_unit: Unit, note: str = ""
) -> Ticket:
    """转办: hand the work to another unit; the old ticket and its history stay."""
    ticket = _locked(ticket)
    if to_unit.pk == ticket.unit_id:
        raise InvalidInput("转办单位与原承办单位相同，请选择其他单位。")
    _check_unit_in_area(to_unit, ticket.appeal.locality)
    before = _move(ticket, TicketState.TRANSFERRED)
    ticket.closed_at = now
    ticket.save(update_fields=["state", "closed_at"])
    _event(
        ticket.appeal,
        EventKind.TRANSFERRED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=note,
        data={"to": to_unit.name},
    )
    new = _new_ticket(
        ticket.appeal,
        to_unit,
        ticket.role,
        actor=actor,
        now=now,
        calendar=get_calendar(),
        note=note,
        transferred_from=ticket,
        supervised=ticket.supervised,
    )
    _audit_ticket(
        actor, "ticket.transferred", ticket, before, now, to=to_unit.name, new_ticket=new.pk
    )
    return new


@transaction.atomic
def request_extension(
    ticket: Ticket, *, actor, now: dt.datetime, amount: int, reason: str
) -> Ticket:
    """申请延期: the unit asks for more time; the office approves or refuses."""
    ticket = _locked(ticket)
    if not isinstance(amount, int) or amount < 1 or amount > 30:
        raise InvalidInput("延期天数应为 1 到 30 之间的整数。")
    if not (reason or "").strip():
        raise InvalidInput("请填写延期理由。")
    before = _move(ticket, TicketState.EXTENSION_REQUESTED)
    ticket.request_amount, ticket.request_reason = amount, reason.strip()
    ticket.save(update_fields=["state", "request_amount", "request_reason"])
    _event(
        ticket.appeal,
        EventKind.EXTENSION_REQUESTED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=reason.strip(),
        amount=amount,
    )
    _audit_ticket(actor, "ticket.extension_requested", ticket, before, now, amount=amount)
    return ticket


@transaction.atomic
def review_extension(
    ticket: Ticket, *, actor, now: dt.datetime, approve: bool, note: str = ""
) -> Ticket:
    ticket = _locked(ticket)
    if ticket.state != TicketState.EXTENSION_REQUESTED:
        raise IllegalTransition(
            f"工单当前状态为“{TicketState(ticket.state).label}”，没有待审批的延期申请。"
        )
    before = _move(ticket, TicketState.ACKNOWLEDGED, action="审批延期")
    amount = ticket.request_amount
    ticket.request_amount, ticket.request_reason = 0, ""
    ticket.save(update_fields=["state", "request_amount", "request_reason"])
    kind = EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REFUSED
    _event(
        ticket.appeal,
        kind,
        actor=actor,
        now=now,
        ticket=ticket,
        note=note,
        amount=amount if approve else 0,
    )
    refresh_clock(ticket)
    verb = "ticket.extension_approved" if approve else "ticket.extension_refused"
    _audit_ticket(actor, verb, ticket, before, now, amount=amount if approve else 0)
    return ticket


@transaction.atomic
def request_suspension(ticket: Ticket, *, actor, now: dt.datetime, reason: str) -> Ticket:
    """申请挂起: waiting for the enterprise (materials, on-site check); the office approves."""
    ticket = _locked(ticket)
    if not (reason or "").strip():
        raise InvalidInput("请填写挂起理由（例如：等待企业补充材料）。")
    before = _move(ticket, TicketState.SUSPENSION_REQUESTED)
    ticket.request_reason = reason.strip()
    ticket.save(update_fields=["state", "request_reason"])
    _event(
        ticket.appeal,
        EventKind.SUSPENSION_REQUESTED,
        actor=actor,
        now=now,
        ticket=ticket,
        note=reason.strip(),
    )
    _audit_ticket(actor, "ticket.suspension_requested", ticket, before, now)
    return ticket


@transaction.atomic
def review_suspension(
    ticket: Ticket, *, actor, now: dt.datetime, approve: bool, note: str = ""
) -> Ticket:
    ticket = _locked(ticket)
    if ticket.state != TicketState.SUSPENSION_REQUESTED:
        raise IllegalTransition(
            f"工单当前状态为“{TicketState(ticket.state).label}”，没有待审批的挂起申请。"
        )
    target = TicketState.SUSPENDED if approve else TicketState.ACKNOWLEDGED
    before = _move(ticket, target, action="审批挂起")
    ticket.request_reason = ""
    ticket.save(update_fields=["state", "request_reason"])
    kind = EventKind.SUSPENDED if approve else EventKind.SUSPENSION_REFUSED
    _event(ticket.appeal, kind, actor=actor, now=now, ticket=ticket, note=note)
    refresh_clock(ticket)
    verb = "ticket.suspended" if approve else "ticket.suspension_refused"
    _audit_ticket(actor, verb, ticket, before, now)
    return ticket


@transaction.atomic
def resume_ticket(ticket: Ticket, *, actor, now: dt.datetime, note: str = "") -> Ticket:
    """恢复办理: the enterprise answered; the clock runs again."""
    ticket = _locked(ticket)
    if ticket.state != TicketState.SUSPENDED:
        raise IllegalTransition(
            f"工单当前状态为“{TicketState(ticket.state).label}”，不是挂起状态，无需恢复。"
        )
    before = _move(ticket, TicketState.ACKNOWLEDGED, action="恢复办理")
    ticket.save(update_fields=["state"])
    _event(ticket.appeal, EventKind.RESUMED, actor=actor, now=now, ticket=ticket, note=note)
    refresh_clock(ticket)
    _audit_ticket(actor, "ticket.resumed", ticket, before, now)
    return ticket


@transaction.atomic
def reply_ticket(ticket: Ticket, *, actor, now: dt.datetime, reply: str) -> Ticket:
    """答复: the unit's answer; the lead unit's answer goes to the enterprise and to 回访."""
    ticket = _locked(ticket)
    reply = (reply or "").strip()
    if len(reply) < 10:
        raise InvalidInput("答复内容过短（至少 10 个字），请写明办理结果和依据。")
    before = _move(ticket, TicketState.REPLIED)
    calendar = get_calendar()
    ticket.reply, ticket.replied_at = reply, now
    ticket.replied_on_time = ticket.reply_due_at is None or now <= ticket.reply_due_at
    ticket.reply_workdays = max(
        0,
        calendar.workdays_between(ticket.start_on, local_today(now))
        - (ticket.paused_amount if ticket.reply_unit == "workdays" else 0),
    )
    ticket.save(update_fields=["state", "reply", "replied_at", "replied_on_time", "reply_workdays"])
    _event(ticket.appeal, EventKind.REPLIED, actor=actor, now=now, ticket=ticket, note=reply)
    if ticket.role == TicketRole.PRIMARY:
        appeal = ticket.appeal
        appeal.state, appeal.replied_at, appeal.answer = AppealState.REPLIED, now, reply
        appeal.save(update_fields=["state", "replied_at", "answer"])
        notify.appeal_replied(ticket, now=now)
    _audit_ticket(actor, "ticket.replied", ticket, before, now, on_time=ticket.replied_on_time)
    return ticket


# ---------------------------------------------------------------------------------------
# Callback (回访), reopening (重办), escalation
# ---------------------------------------------------------------------------------------


def callback_due_at(appeal: Appeal, calendar=None) -> dt.datetime | None:
    if appeal.replied_at is None:
        return None
    limit = limit_for(
        appeal.locality, SlaStage.CALLBACK, appeal.appeal_type, local_today(appeal.replied_at)
    )
    return rules.due_after(
        appeal.replied_at, limit.amount, limit.unit, 0, calendar=calendar or get_calendar()
    )


@transaction.atomic
def record_callback(
    appeal: Appeal,
    *,
    actor,
    now: dt.datetime,
    resolved: bool,
    satisfaction: str,
    note: str = "",
) -> Callback:
    """回访: resolved yes/no and satisfaction; 不满意 reopens to the same unit (重办)."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    _require_appeal_state(appeal, [AppealState.REPLIED], "回访")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput("请选择满意度：满意、基本满意或不满意。")
    primary = (
        appeal.tickets.filter(role=TicketRole.PRIMARY, state=TicketState.REPLIED)
        .order_by("-replied_at")
        .first()
    )
    if primary is None:
        raise IllegalTransition("没有找到已答复的主办工单，不能回访。")
    previous_failures = appeal.callbacks.filter(satisfaction=Satisfaction.UNSATISFIED).count()
    callback = Callback.objects.create(
        appeal=appeal,
        ticket=primary,
        unit=primary.unit,
        called_at=now,
        caller=actor,
        resolved=resolved,
        satisfaction=satisfaction,
        note=(note or "").strip(),
        round=appeal.callbacks.count() + 1,
    )
    outcome = rules.callback_outcome(satisfaction, previous_failures)
    _event(
        appeal,
        EventKind.CALLBACK,
        actor=actor,
        now=now,
        ticket=primary,
        note=callback.note,
        data={"resolved": resolved, "satisfaction": satisfaction},
    )
    if outcome.close:
        for ticket in appeal.tickets.filter(state__in=[*OPEN_TICKET_STATES, TicketState.REPLIED]):
            ticket.state, ticket.closed_at = TicketState.CLOSED, now
            ticket.save(update_fields=["state", "closed_at"])
        appeal.state, appeal.closed_at = AppealState.CLOSED, now
        appeal.save(update_fields=["state", "closed_at"])
        _event(appeal, EventKind.CLOSED, actor=actor, now=now)
    else:
        primary.state, primary.closed_at = TicketState.REOPENED, now
        primary.save(update_fields=["state", "closed_at"])
        appeal.reopen_count += 1
        appeal.state, appeal.replied_at = AppealState.DISPATCHED, None
        if outcome.escalate:
            appeal.escalated = True
        appeal.save(update_fields=["reopen_count", "state", "replied_at", "escalated"])
        new = _new_ticket(
            appeal,
            primary.unit,
            TicketRole.PRIMARY,
            actor=actor,
            now=now,
            calendar=get_calendar(),
            note=f"企业不满意，重办（第 {appeal.reopen_count} 次）。{callback.note}",
            reopened_from=primary,
            supervised=outcome.escalate,
        )
        _event(appeal, EventKind.REOPENED, actor=actor, now=now, ticket=new, note=callback.note)
        if outcome.escalate:
            _event(
                appeal,
                EventKind.ESCALATED,
                actor=actor,
                now=now,
                ticket=new,
                note="再次回访不满意，升级督办。",
            )
    audit.record(
        actor,
        "appeal.callback_recorded",
        appeal,
        unit=primary.unit_id,
        after={
            "resolved": resolved,
            "satisfaction": satisfaction,
            "reopened": outcome.reopen,
            "escalated": outcome.escalate,
        },
        now=now,
    )
    return callback


# ---------------------------------------------------------------------------------------
# 好差评 and rectification
# ---------------------------------------------------------------------------------------


@transaction.atomic
def rate_service(
    *,
    actor,
    now: dt.datetime,
    enterprise_uscc: str,
    enterprise_name: str,
    level: int,
    comment: str = "",
    appeal: Appeal | None = None,
    unit: Unit | None = None,
    service_name: str = "",
) -> ServiceRating:
    """好差评: five levels; the bottom two (差评) open a rectification with its own deadline."""
    try:
        level = RatingLevel(int(level))
    except (TypeError, ValueError):
        raise InvalidInput(
            "请选择评价等级：非常满意、满意、基本满意、不满意或非常不满意。"
        ) from None
    if appeal is not None:
        _require_appeal_state(appeal, [AppealState.CLOSED, AppealState.ANSWERED], "评价")
        if hasattr(appeal, "rating"):
            raise InvalidInput("这件诉求已经评价过了。")
        ticket = (
            appeal.tickets.filter(role=TicketRole.PRIMARY, state=TicketState.CLOSED)
            .order_by("-closed_at")
            .first()
        )
        unit = ticket.unit if ticket else _answering_unit(appeal)
        service_name = f"诉求办理：{appeal.title}"[:200]
    if unit is None:
        raise InvalidInput("请选择被评价的单位。")
    service_name = (service_name or "").strip()
    if not service_name:
        raise InvalidInput("请填写评价的服务事项（例如：营业执照变更登记）。")
    if level in (RatingLevel.BAD, RatingLevel.VERY_BAD) and not (comment or "").strip():
        raise InvalidInput("差评请写明不满意的原因，便于单位整改。")
    try:
        # two simultaneous ratings of one appeal: the second meets the one-to-one row
        with transaction.atomic():
            rating = ServiceRating.objects.create(
                rater=actor if getattr(actor, "is_authenticated", False) else None,
                enterprise_uscc=enterprise_uscc,
                enterprise_name=enterprise_name,
                appeal=appeal,
                unit=unit,
                service_name=service_name,
                level=level,
                comment=(comment or "").strip(),
                rated_at=now,
            )
    except IntegrityError:
        raise InvalidInput("这件诉求已经评价过了。") from None
    if appeal is not None:
        _event(appeal, EventKind.RATED, actor=actor, now=now, data={"level": int(level)})
    if rating.is_bad:
        limit = limit_for(unit.area(), SlaStage.RECTIFICATION, "", local_today(now))
        Rectification.objects.create(
            rating=rating,
            unit=unit,
            due_on=due_on(local_today(now), limit, calendar=get_calendar()),
        )
    audit.record(
        actor,
        "rating.created",
        rating,
        unit=unit,
        after={"level": int(level), "bad": rating.is_bad},
        now=now,
    )
    return rating


def _answering_unit(appeal: Appeal) -> Unit | None:
    event = appeal.events.filter(kind=EventKind.ANSWERED).order_by("-at").first()
    unit_id = (event.data or {}).get("unit") if event else None
    if unit_id:
        return Unit.objects.filter(pk=unit_id).first()
    return (
        Unit.objects.filter(path__startswith=appeal.locality.path, coordinating=True)
        .order_by("path")
        .first()
    )


@transaction.atomic
def complete_rectification(
    rectification: Rectification, *, actor, now: dt.datetime, measures: str, feedback: str
) -> Rectification:
    """整改完成: the unit records its measures and the feedback the rater will read."""
    if rectification.state == RectificationState.DONE:
        raise IllegalTransition("该差评已整改完毕。")
    if not (measures or "").strip() or not (feedback or "").strip():
        raise InvalidInput("请填写整改措施和给企业的反馈。")
    rectification.state = RectificationState.DONE
    rectification.measures, rectification.feedback = measures.strip(), feedback.strip()
    rectification.completed_at, rectification.completed_by = now, actor
    rectification.save()
    audit.record(
        actor,
        "rectification.completed",
        rectification,
        unit=rectification.unit_id,
        after={"on_time": local_today(now) <= rectification.due_on},
        now=now,
    )
    return rectification


# ---------------------------------------------------------------------------------------
# 办不成事, QR codes
# ---------------------------------------------------------------------------------------


@transaction.atomic
def file_hard_case(
    *,
    actor,
    now: dt.datetime,
    unit: Unit,
    window_name: str,
    matter: str,
    description: str,
    kind: str,
    issue: str,
    enterprise_name: str = "",
    enterprise_uscc: str = "",
) -> HardCase:
    """办不成事: a window records what it could not get done, classified for the 共性问题 report."""
    problems = []
    if kind not in HardCaseKind.values:
        problems.append("“分类”应为 不该办、很难办 或 不给办")
    for label, value in (
        ("窗口", window_name),
        ("办理事项", matter),
        ("办不成的原因", description),
        ("共性问题", issue),
    ):
        if not (value or "").strip():
            problems.append(f"“{label}”未填写")
    if enterprise_uscc:
        try:
            enterprise_uscc = validate_uscc(enterprise_uscc)
        except InvalidInput as exc:
            problems.append(exc.message.rstrip("。"))
    if problems:
        raise InvalidInput("；".join(problems) + "。")
    case = HardCase.objects.create(
        locality=unit.area(),
        unit=unit,
        window_name=window_name.strip(),
        enterprise_name=(enterprise_name or "").strip(),
        enterprise_uscc=enterprise_uscc,
        matter=matter.strip(),
        description=description.strip(),
        kind=kind,
        issue=issue.strip(),
        filed_by=actor,
        filed_at=now,
    )
    audit.record(
        actor, "hardcase.filed", case, unit=unit, after={"kind": kind, "issue": case.issue}, now=now
    )
    return case


@transaction.atomic
def resolve_hard_case(case: HardCase, *, actor, now: dt.datetime, resolution: str) -> HardCase:
    if case.state == HardCaseState.RESOLVED:
        raise IllegalTransition("该事项已标记为解决。")
    if not (resolution or "").strip():
        raise InvalidInput("请填写解决情况。")
    case.state, case.resolution, case.resolved_at = HardCaseState.RESOLVED, resolution.strip(), now
    case.save(update_fields=["state", "resolution", "resolved_at"])
    audit.record(actor, "hardcase.resolved", case, unit=case.unit_id, now=now)
    return case


@transaction.atomic
def create_qr_entry(
    *,
    actor,
    now: dt.datetime,
    locality: Unit,
    kind: str,
    label: str = "",
    enterprise_uscc: str = "",
    enterprise_name: str = "",
    unit: Unit | None = None,
    window_name: str = "",
) -> QrEntry:
    """码上反映: a QR code per enterprise, per service window or per department."""
    if kind not in QrKind.values:
        raise InvalidInput("请选择二维码类型：企业专属码、服务窗口码或部门码。")
    if kind == QrKind.ENTERPRISE:
        enterprise_uscc = validate_uscc(enterprise_uscc)
        if not (enterprise_name or "").strip():
            raise InvalidInput("企业专属码需要填写企业名称。")
        label = label or f"{enterprise_name.strip()}专属反映码"
    else:
        if unit is None:
            raise InvalidInput("服务窗口码和部门码需要选择所属部门。")
        _check_unit_in_area(unit, locality)
        if kind == QrKind.WINDOW and not (window_name or "").strip():
            raise InvalidInput("服务窗口码需要填写窗口名称。")
        label = label or (
            f"{unit.name}{window_name.strip()}" if kind == QrKind.WINDOW else unit.name
        )
    entry = QrEntry.objects.create(
        token=secrets.token_urlsafe(12),
        kind=kind,
        label=label.strip()[:120],
        locality=locality,
        enterprise_uscc=enterprise_uscc,
        enterprise_name=(enterprise_name or "").strip(),
        unit=unit,
        window_name=(window_name or "").strip(),
        created_by=actor,
        created_at=now,
    )
    audit.record(actor, "qr.created", entry, after={"kind": kind, "label": entry.label}, now=now)
    return entry
