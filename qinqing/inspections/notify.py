"""Inspections' messages through the core notification centre.

After 抽取 the units whose inspectors were drawn are told what to inspect. Enterprises are
not told in advance: a random inspection is unannounced (they see the results once
published).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from qinqing.core.notifications import notify_unit
from qinqing.inspections.models import Visit


def campaign_drawn(campaign, *, now: datetime) -> None:
    """抽取完成: one message per unit with drawn inspectors (visits they take part in)."""

    visits_per_unit: Counter[int] = Counter()
    for visit in Visit.objects.filter(campaign=campaign).prefetch_related("inspectors"):
        for unit_id in {i.unit_id for i in visit.inspectors.all() if i.unit_id}:
            visits_per_unit[unit_id] += 1
    for unit_id, count in sorted(visits_per_unit.items()):
        notify_unit(
            unit_id,
            capability="inspections.results",
            kind="inspections.drawn",
            title=f"抽查任务：{campaign}（本单位参与 {count} 户）",
            body=f"“{campaign}”已完成抽取，你单位执法检查人员参与 {count} 户的检查，"
            "请按计划实施检查并录入结果。检查前不得向被检查对象透露。",
            url=campaign.get_absolute_url(),
            key=f"inspection-campaign-drawn:{campaign.pk}",
            sms_text=f"【亲清】{str(campaign)[:30]}已抽取，你单位参与{count}户检查，请登录平台查看。",
            now=now,
        )
