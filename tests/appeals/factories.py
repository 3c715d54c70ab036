"""Appeals in named states, built through the services (fixed values, no randomness)."""

from __future__ import annotations

import datetime as dt

from qinqing.appeals import service
from qinqing.appeals.choices import AppealType, Channel
from tests.world import USCC_A, USCC_B

NAME_A = "甲企业<script>alert(1)</script>"
PHONE_A = "13812345678"

MARKET_TEXT = (
    "超市被反复检查影响正常经营",
    "本月我公司经营的超市门店先后被三拨人员检查食品标签和价格公示，检查内容基本相同，希望合并检查。",
)


def appeal_data(**overrides) -> dict:
    data = {
        "enterprise_uscc": USCC_A,
        "enterprise_name": NAME_A,
        "contact_name": "钱经理<b>",
        "contact_phone": PHONE_A,
        "appeal_type": AppealType.COMPLAINT,
        "title": MARKET_TEXT[0],
        "content": MARKET_TEXT[1],
        "place": "示例市人民路<script>",
    }
    data.update(overrides)
    return data


def make_appeal(world, now: dt.datetime, *, channel=Channel.HOTLINE, actor=None, **overrides):
    return service.submit_appeal(
        actor=actor or world.office_admin,
        now=now,
        channel=channel,
        locality=world.city,
        data=appeal_data(**overrides),
    )


def enterprise_b_data(**overrides) -> dict:
    return appeal_data(enterprise_uscc=USCC_B, enterprise_name="乙企业", **overrides)


def dispatched(world, now: dt.datetime, *, unit=None, assisting=(), **overrides):
    appeal = make_appeal(world, now, **overrides)
    tickets = service.dispatch_appeal(
        appeal,
        actor=world.office_admin,
        now=now + dt.timedelta(minutes=10),
        primary_unit=unit or world.market,
        assisting_units=list(assisting),
    )
    appeal.refresh_from_db()
    return appeal, tickets[0]


def acknowledged(world, now: dt.datetime, **kw):
    appeal, ticket = dispatched(world, now, **kw)
    service.acknowledge_ticket(ticket, actor=world.market_clerk, now=now + dt.timedelta(hours=1))
    ticket.refresh_from_db()
    return appeal, ticket


def replied(world, now: dt.datetime, **kw):
    appeal, ticket = acknowledged(world, now, **kw)
    service.reply_ticket(
        ticket,
        actor=world.market_clerk,
        now=now + dt.timedelta(days=1),
        reply="经核查，已协调相关科室合并检查事项，今后同一季度只安排一次联合检查。",
    )
    appeal.refresh_from_db()
    ticket.refresh_from_db()
    return appeal, ticket


def configure_city(world, model_path) -> None:
    """示例市 settings, the router mapping onto the world's units and the demo articles."""
    from qinqing.appeals.demo_data import DEMO_ARTICLES
    from qinqing.appeals.models import AppealSettings, KnowledgeArticle, RoutingMapping

    AppealSettings.objects.create(locality=world.city, reminder_shares=[0.5, 0.8])
    mapping = {
        "商贸旅游": world.market,
        "交通运输": world.tax,
        "城乡建设": world.county,
        "劳动和社会保障": world.ndrc,
        "教育文体": world.ndrc,
        "卫生计生": world.ndrc,
        "环境保护": world.ndrc,
    }
    for category, unit in mapping.items():
        RoutingMapping.objects.create(locality=world.city, category=category, unit=unit)
    for question, answer, _ in DEMO_ARTICLES:
        KnowledgeArticle.objects.create(locality=world.city, question=question, answer=answer)
