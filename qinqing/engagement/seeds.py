"""Demo data of 包联服务 for 示例市: cadres, pairings with the two demo enterprises and a few
more, visits over the last months, one visit problem turned into an appeal, a roundtable,
a consultation, a priority project and a 重点企业 list.

Idempotent: does nothing when the demo pairings are already there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from qinqing.core.enterprises.models import Enterprise, Size
from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.orgs.models import Unit
from qinqing.engagement import rules, service
from qinqing.engagement.models import (
    CadreLevel,
    GridLevel,
    ListKind,
    MeetingKind,
    NeedType,
    Pairing,
    Topic,
    VisitMode,
    VisitRating,
)

DEMO_NOTE = "演示数据"
EXTRA = [
    ("示例精工机械有限公司", "91110000MA01CCCC2"),
    ("示例云帆物流有限公司", "91110000MA01EEEE4"),
    ("示例青禾环保科技有限公司", "91110000MA01GGGG6"),
]


def _enterprise(name: str, uscc: str) -> Enterprise:
    found = Enterprise.objects.filter(uscc=uscc).first()
    if found is not None:
        return found
    return Enterprise.objects.create(uscc=uscc, name=name, region_code="110000",
                                     industry_code="C34", size=Size.SMALL)  # fmt: skip


def load_demo(*, city: Unit, users: dict, log: Callable[[str], None]) -> None:
    if Pairing.objects.filter(note=DEMO_NOTE).exists():
        log("  包联服务演示数据已存在，跳过。")
        return
    now = timezone.now()
    today = service.local_today(now)
    actor = users.get("office_admin")
    enterprises = []
    for username in ("enterprise_a", "enterprise_b"):
        user = users.get(username)
        if user is not None and user.profile.uscc:
            enterprises.append(_enterprise(user.profile.enterprise_name, user.profile.uscc))
    for name, body in EXTRA:
        enterprises.append(_enterprise(name, body + uscc_check_char(body)))
    cadres: list[Any] = []
    for username, level, title in (("market_clerk", CadreLevel.DEPARTMENT, "科长"),
                                   ("county_clerk", CadreLevel.TOWNSHIP, "副镇长"),
                                   ("tax_clerk", CadreLevel.DEPARTMENT, "副科长")):  # fmt: skip
        user = users.get(username)
        if user is not None and user.profile.unit_id:
            cadres.append(service.register_cadre(user, actor=actor, now=now, level=level,
                                                 title=title, phone="0571-8888" + str(len(cadres))))  # fmt: skip
    if not cadres or not enterprises:
        log("  缺少演示干部或企业，跳过包联服务演示数据。")
        return
    start = (today.replace(day=1) - dt.timedelta(days=120)).replace(day=1)
    pairings = []
    for i, enterprise in enumerate(enterprises):
        cadre = cadres[i % len(cadres)]
        grid = GridLevel.TERRITORIAL if cadre.level == CadreLevel.TOWNSHIP else GridLevel.INDUSTRY
        pairings.append(service.create_pairing(actor=actor, now=now, cadre=cadre,
                                               enterprise=enterprise, grid_level=grid,
                                               starts_on=start, note=DEMO_NOTE))  # fmt: skip
    for n, pairing in enumerate(pairings):
        day = start + dt.timedelta(days=10)
        month = 0
        while day < today - dt.timedelta(days=3):
            if not (n == len(pairings) - 1 and month >= 2):  # the last one falls behind
                visit = service.record_visit(
                    pairing, actor=pairing.cadre.user, now=now, visited_on=day,
                    mode=VisitMode.ONSITE if month % 2 == 0 else VisitMode.PHONE,
                    people_met="总经理、财务负责人", topics=[Topic.POLICY, Topic.NEEDS],
                    summary="宣讲稳岗返还和研发费用加计扣除政策，了解企业用工和融资需求。",
                )  # fmt: skip
                if month == 1:
                    service.rate_visit(visit, actor=None, now=now, rating=VisitRating.SATISFIED)
            day = rules.add_months(day, 1)
            month += 1
    first = pairings[0].visits.order_by("-visited_on").first()
    if first is not None:
        service.raise_issue_from_visit(first, actor=first.cadre.user, now=now,
                                       need_type=NeedType.LABOR, data={
            "title": "旺季招工难，希望协助对接职业院校",
            "content": "企业订单增长，需新增一线技术工人约 40 名，希望协助对接本地职业院校和人社部门招聘会。",
            "contact_name": "钱经理", "contact_phone": "13800000001",
        })  # fmt: skip
    from qinqing.engagement.tasks import flag_overdue_visits

    flag_overdue_visits(now)
    office = Unit.objects.filter(path__startswith=city.path, coordinating=True).first() or city
    service.schedule_meeting(actor=actor, now=now, kind=MeetingKind.ROUNDTABLE,
                             title="政企圆桌会议（制造业专场）", area=city, host_unit=office,
                             held_on=today + dt.timedelta(days=7), place="市民中心 3 楼会议室",
                             enterprises=enterprises[:3])  # fmt: skip
    service.schedule_meeting(actor=actor, now=now, kind=MeetingKind.CONSULTATION,
                             title="《示例市支持民营经济发展若干措施（征求意见稿）》征求意见会",
                             area=city, host_unit=office, held_on=today + dt.timedelta(days=10),
                             enterprises=enterprises, draft_title="支持民营经济发展若干措施",
                             draft_text="第一条 ……\n第二条 ……",
                             replies_due_on=today + dt.timedelta(days=20))  # fmt: skip
    leader = users.get("leader") or actor
    project = service.create_project(actor=actor, now=now, name="示例智能装备产业园项目",
                                     area=city, lead_unit=office, leader=leader,
                                     investment="120000", enterprise=enterprises[0],
                                     members=[u for u in (users.get("market_clerk"),) if u])  # fmt: skip
    service.add_approval(project, actor=actor, now=now, name="建设工程规划许可证", status="proxy",
                         proxy_agent="张代办")  # fmt: skip
    service.add_blocker(project, actor=actor, now=now, description="园区供电线路迁改进度滞后",
                        owner_unit=cadres[0].unit, owner_name="李市监", limit_workdays=10)  # fmt: skip
    key_list = service.create_enterprise_list(actor=actor, now=now, name="市级重点企业",
                                              kind=ListKind.KEY, area=city)  # fmt: skip
    for enterprise in enterprises:
        service.add_to_list(key_list, enterprise, actor=actor, now=now, joined_on=start)
    log(
        f"  包联服务：{len(cadres)} 名干部、{len(pairings)} 对包联关系、走访记录、沟通会和重点项目。"
    )
