"""Demo data of 接诉即办 for 示例市: settings, time limits, mapping, articles, appeals.

Idempotent: does nothing when the demo appeals are already there. Trains a small routing
model from the demo appeals (qinqing.appeals.demo_data, written for the product) and
saves it at the configured model path unless a model is already there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from qinqing.appeals import rules, service, suggest
from qinqing.appeals.choices import AppealState, Channel, QrKind, Satisfaction
from qinqing.appeals.demo_data import (
    DEMO_APPEALS,
    DEMO_ARTICLES,
    DEMO_ENTERPRISES,
    DEMO_HARD_CASES,
    DEMO_MAPPING,
)
from qinqing.appeals.models import (
    ApiClient,
    Appeal,
    AppealSettings,
    KnowledgeArticle,
    RoutingMapping,
    SlaPolicy,
)
from qinqing.appeals.routing import message_text, save_router, train_router
from qinqing.appeals.tasks import sweep_tickets
from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, get_calendar

DEMO_SOURCE = "demo-seed"


def train_demo_router(path=None):
    """Train the demo routing model from the product's demo appeals and save it."""
    router = train_router(
        [message_text(title, content) for _, _, title, content, _ in DEMO_APPEALS],
        [label for label, *_ in DEMO_APPEALS],
        metadata={"source": "示例市演示诉求（qinqing.appeals.demo_data）"},
    )
    path = path or suggest.router_model_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    save_router(router, path)
    suggest.forget_model()
    return path


def configure_locality(city: Unit, *, units_by_name: dict[str, Unit], now) -> None:
    """Settings, dated time limits (seed 000 item 16) and the router mapping of 示例市."""
    AppealSettings.objects.get_or_create(
        locality=city,
        defaults={
            "auto_dispatch_threshold": None,
            "reminder_shares": list(rules.DEFAULT_REMINDER_SHARES),
        },
    )
    for rule in rules.DEFAULT_SLA:
        SlaPolicy.objects.get_or_create(
            locality=city,
            stage=rule.stage,
            appeal_type=rule.appeal_type,
            effective_from=rule.effective_from,
            defaults={
                "amount": rule.limit.amount,
                "time_unit": rule.limit.unit.value,
                "source": rule.source,
            },
        )
    for category, names in DEMO_MAPPING.items():
        for order, name in enumerate(names):
            unit = units_by_name.get(name)
            if unit is not None:
                RoutingMapping.objects.get_or_create(
                    locality=city, category=category, unit=unit, defaults={"sort_order": order}
                )
    for question, answer, unit_name in DEMO_ARTICLES:
        KnowledgeArticle.objects.get_or_create(
            locality=city,
            question=question,
            defaults={"answer": answer, "unit": units_by_name.get(unit_name)},
        )


def _workday_at(days_ago: int, hour: int, now: dt.datetime) -> dt.datetime:
    """A moment ``days_ago`` working days before today, at ``hour`` o'clock local time."""
    calendar = get_calendar()
    today = now.astimezone(DEFAULT_OFFICE_HOURS.tz).date()
    day = (
        calendar.add_workdays(calendar.workday_on_or_after(today), -days_ago) if days_ago else today
    )
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=DEFAULT_OFFICE_HOURS.tz)


def load_demo(*, city: Unit, users: dict, log: Callable[[str], None] = print) -> None:
    if Appeal.objects.filter(source=DEMO_SOURCE).exists():
        log("  涉企诉求演示数据已存在，跳过。")
        return
    now = timezone.now()
    units = {u.name: u for u in Unit.objects.filter(path__startswith=city.path)}
    office = users["office_admin"]
    configure_locality(city, units_by_name=units, now=now)
    if not suggest.router_model_path().exists():
        path = train_demo_router()
        log(f"  已用演示诉求训练派单分类模型：{path}")
    if not ApiClient.objects.filter(code="demo-12345").exists():
        _, token = service.create_api_client(
            actor="demo",
            name="示例市12345热线平台（演示）",
            code="demo-12345",
            locality=city,
            now=now,
        )
        log(f"  12345 平台演示接口令牌（仅显示一次）：{token}")
    enterprise_a = users.get("enterprise_a")
    profile_a = enterprise_a.profile if enterprise_a else None
    qr_a = service.create_qr_entry(
        actor=office, now=now, locality=city, kind=QrKind.ENTERPRISE,
        enterprise_uscc=profile_a.uscc if profile_a else "", enterprise_name=profile_a.enterprise_name if profile_a else "",
    ) if profile_a else None  # fmt: skip
    service.create_qr_entry(
        actor=office, now=now, locality=city, kind=QrKind.WINDOW,
        unit=units["示例市行政审批局"], window_name="办不成事反映窗口",
    )  # fmt: skip
    service.create_qr_entry(
        actor=office, now=now, locality=city, kind=QrKind.DEPARTMENT,
        unit=units["示例市市场监督管理局"],
    )  # fmt: skip
    try:
        _demo_appeals(city, units, users, qr_a, now, log)
    except InvalidInput as exc:  # e.g. next year's holidays not imported yet
        log(f"  部分演示诉求未能推进办理：{exc.message}")
    for unit_name, window, matter, kind, issue, description in DEMO_HARD_CASES:
        unit = units.get(unit_name)
        if unit is None:
            continue
        service.file_hard_case(
            actor=office, now=now, unit=unit, window_name=window, matter=matter,
            description=description, kind=kind, issue=issue,
        )  # fmt: skip
    result = sweep_tickets(now)
    log(
        f"  涉企诉求：{Appeal.objects.filter(source=DEMO_SOURCE).count()} 件演示诉求；{result.summary()}"
    )


def _demo_appeals(city, units, users, qr_a, now, log) -> None:
    office = users["office_admin"]
    enterprises = [(u.profile.enterprise_name, u.profile.uscc) for u in
                   (users.get("enterprise_a"), users.get("enterprise_b")) if u is not None]  # fmt: skip
    enterprises += [(name, body + uscc_check_char(body)) for name, body in DEMO_ENTERPRISES]
    channels = [Channel.WEB, Channel.HOTLINE, Channel.API, Channel.QR]
    clerks = {
        "示例市市场监督管理局": users.get("market_clerk"),
        "国家税务总局示例市税务局": users.get("tax_clerk"),
    }
    contacts = ["钱经理", "吴会计", "孙主任", "李厂长", "周经理", "郑总", "冯主管"]
    created: list[tuple[Appeal, str]] = []
    for i, (label, appeal_type, title, content, place) in enumerate(DEMO_APPEALS):
        name, uscc = enterprises[i % len(enterprises)]
        received = _workday_at(max(1, 14 - i // 3), 9 + i % 7, now)
        channel = channels[i % len(channels)]
        appeal = service.submit_appeal(
            actor=users["enterprise_a"] if (channel == Channel.WEB and uscc == enterprises[0][1]) else "demo",
            now=received,
            channel=channel,
            locality=city,
            source=DEMO_SOURCE,
            external_id=f"demo-{i + 1:03d}",
            qr_entry=qr_a if channel == Channel.QR and uscc == enterprises[0][1] else None,
            data={
                "enterprise_uscc": uscc, "enterprise_name": name,
                "contact_name": contacts[i % len(contacts)], "contact_phone": f"1390791{i:04d}",
                "appeal_type": appeal_type, "title": title, "content": content, "place": place,
            },
        )  # fmt: skip
        created.append((appeal, label))
    found = suggest.suggest_for_appeals([a for a, _ in created])
    for appeal, _ in created:
        appeal.suggestions = [s.as_dict() for s in found.get(appeal.pk, [])]
        Appeal.objects.filter(pk=appeal.pk).update(suggestions=appeal.suggestions)
    # Every sixth appeal stays in the dispatch queue; the rest move along the loop.
    for i, (appeal, label) in enumerate(created):
        if i % 6 == 5:
            continue
        unit = units.get(DEMO_MAPPING[label][0])
        if unit is None:
            continue
        start = appeal.received_at + dt.timedelta(hours=1)
        tickets = service.dispatch_appeal(
            appeal, actor=office, now=start, primary_unit=unit, category=label
        )
        ticket = tickets[0]
        clerk = clerks.get(unit.name) or f"{unit.name}（演示）"
        if i % 6 == 4:
            continue  # dispatched, not yet signed
        service.acknowledge_ticket(ticket, actor=clerk, now=start + dt.timedelta(hours=2))
        if i % 6 == 3:
            continue  # signed, being handled
        if i % 12 == 2:
            service.request_suspension(
                ticket,
                actor=clerk,
                now=start + dt.timedelta(hours=3),
                reason="等待企业补充现场照片和厂区平面图。",
            )
            service.review_suspension(
                ticket, actor=office, now=start + dt.timedelta(hours=4), approve=True
            )
            continue
        replied = start + dt.timedelta(days=1, hours=1)
        service.reply_ticket(
            ticket, actor=clerk, now=replied,
            reply=f"您好，关于“{appeal.title}”，我单位已安排专人对接，经核实已按规定办理完毕，"
                  "后续如有问题请拨打我单位政务服务电话。感谢您对我们工作的支持。",
        )  # fmt: skip
        if i % 6 == 2:
            continue  # awaiting callback
        satisfaction = Satisfaction.UNSATISFIED if i % 12 == 1 else Satisfaction.SATISFIED
        service.record_callback(
            appeal, actor=office, now=replied + dt.timedelta(hours=3),
            resolved=satisfaction != Satisfaction.UNSATISFIED, satisfaction=satisfaction,
            note="企业表示已经解决。" if satisfaction == Satisfaction.SATISFIED else "企业表示问题仍未解决，要求重新办理。",
        )  # fmt: skip
        appeal.refresh_from_db()
        if appeal.state == AppealState.CLOSED and i % 12 == 0:
            level = 2 if i % 24 == 0 else 5
            service.rate_service(
                actor="demo", now=replied + dt.timedelta(hours=5),
                enterprise_uscc=appeal.enterprise_uscc, enterprise_name=appeal.enterprise_name,
                level=level, appeal=appeal,
                comment="答复太笼统，没有说明具体办理时间。" if level <= 2 else "办理及时，态度很好。",
            )  # fmt: skip
    # A conduct complaint handed over to 纪检监察.
    name, uscc = enterprises[2 % len(enterprises)]
    conduct = service.submit_appeal(
        actor="demo", now=_workday_at(3, 10, now), channel=Channel.HOTLINE, locality=city,
        source=DEMO_SOURCE, external_id="demo-conduct",
        data={
            "enterprise_uscc": uscc, "enterprise_name": name, "contact_name": "孙主任",
            "contact_phone": "13907910999", "appeal_type": "complaint",
            "title": "办理许可时工作人员吃拿卡要",
            "content": "我公司办理排水许可时，某窗口工作人员暗示需要“好处费”才能尽快办理，并多次以材料不全为由刁难。",
        },
    )  # fmt: skip
    service.refer_to_discipline(
        conduct, actor=office, now=_workday_at(3, 11, now), note="涉嫌吃拿卡要，移送核查。"
    )
