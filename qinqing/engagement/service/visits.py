"""Visits (入企走访)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction

from qinqing.core import audit
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications import notify
from qinqing.core.workdays import get_calendar
from qinqing.engagement import rules
from qinqing.engagement.models import (
    MissedCycle,
    NeedType,
    Pairing,
    Topic,
    Visit,
    VisitAttachment,
    VisitMode,
    VisitRating,
)
from qinqing.engagement.service.common import check_attachment, local_today, settings_for


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, rules.add_months(first, 1) - dt.timedelta(days=1)


@transaction.atomic
def record_visit(
    pairing: Pairing,
    *,
    actor,
    now: dt.datetime,
    visited_on: dt.date,
    mode: str,
    summary: str,
    people_met: str = "",
    topics: Sequence[str] = (),
    need_types: Sequence[str] = (),
    files: Sequence = (),
) -> Visit:
    """登记入企走访 on one of the cadre's pairings; keeps the cadence cycle and overdue flag."""
    today = local_today(now)
    rules.check_visit_date(visited_on, today=today, starts_on=pairing.starts_on,
                           ends_on=pairing.ends_on)  # fmt: skip
    if mode not in VisitMode.values:
        raise InvalidInput(f"走访方式应为 {'、'.join(VisitMode.labels)} 之一。")
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput("请填写“走访情况”（了解到的情况、宣讲的政策、企业提出的问题）。")
    if mode == VisitMode.ONSITE and pairing.enterprise_id:
        first, last = _month_bounds(visited_on)
        count = Visit.objects.filter(
            enterprise_id=pairing.enterprise_id, mode=VisitMode.ONSITE,
            visited_on__gte=first, visited_on__lte=last,
        ).count()  # fmt: skip
        rules.check_monthly_cap(count, settings_for(pairing.area).max_visits_per_month,
                                enterprise=pairing.target_name, month=first)  # fmt: skip
    for upload in files:
        check_attachment(upload)
    calendar = get_calendar()
    cycle = rules.cycle_containing(pairing.starts_on, pairing.cadence_months, visited_on, calendar)
    fulfils = not Visit.objects.filter(pairing=pairing, cycle_due_on=cycle.due_on).exists()
    visit = Visit.objects.create(
        pairing=pairing, cadre_id=pairing.cadre_id, unit_id=pairing.unit_id,
        area_id=pairing.area_id, enterprise_id=pairing.enterprise_id, visited_on=visited_on,
        mode=mode, people_met=people_met.strip()[:200],
        topics=rules.split_choices(topics, Topic.values),
        need_types=rules.split_choices(need_types, NeedType.values),
        summary=summary, cycle_due_on=cycle.due_on, fulfils_cycle=fulfils, recorded_at=now,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    # cycles that ended unvisited before the job saw them are missed all the same
    due = pairing.next_due_on
    while due is not None and due < cycle.due_on and due < today:
        MissedCycle.objects.get_or_create(
            pairing=pairing, due_on=due,
            defaults={"cadre_id": pairing.cadre_id, "unit_id": pairing.unit_id,
                      "area_id": pairing.area_id, "flagged_on": today},
        )  # fmt: skip
        pairing.overdue_since = pairing.overdue_since or today
        due = rules.next_cycle(pairing.starts_on, pairing.cadence_months, due, calendar).due_on
    # a visit entered late fills a cycle the overdue job had counted as missed
    MissedCycle.objects.filter(pairing=pairing, due_on=cycle.due_on).delete()
    for upload in files:
        VisitAttachment.objects.create(visit=visit, file=upload, name=upload.name[:200],
                                       size=upload.size, uploaded_at=now)  # fmt: skip
    before = {"next_due_on": pairing.next_due_on, "overdue_since": pairing.overdue_since}
    following = rules.cycle_due_on(pairing.starts_on, pairing.cadence_months, cycle.index + 1,
                                   calendar)  # fmt: skip
    if pairing.next_due_on is None or following > pairing.next_due_on:
        pairing.next_due_on = following
    if pairing.last_visit_on is None or visited_on > pairing.last_visit_on:
        pairing.last_visit_on = visited_on
    # overdue until a visit comes after every missed cycle
    if (
        pairing.overdue_since is not None
        and not MissedCycle.objects.filter(
            pairing=pairing, due_on__gt=pairing.last_visit_on
        ).exists()
    ):
        pairing.overdue_since = None
    pairing.save(update_fields=["next_due_on", "last_visit_on", "overdue_since"])
    audit.record(actor, "visit.recorded", visit, unit=visit.unit_id, before=before,
                 after={"visited_on": visited_on, "mode": mode, "pairing": pairing.pk,
                        "next_due_on": pairing.next_due_on}, now=now)  # fmt: skip
    return visit


@transaction.atomic
def rate_visit(visit: Visit, *, actor, now: dt.datetime, rating: str, comment: str = "") -> Visit:
    """企业评价走访 (once per visit)."""
    if rating not in VisitRating.values:
        raise InvalidInput(f"请选择评价：{'、'.join(VisitRating.labels)}。")
    if visit.rating:
        raise IllegalTransition(
            f"这次走访已于 {visit.rated_at:%Y-%m-%d} 评价为“{visit.get_rating_display()}”，不能重复评价。"
        )
    visit.rating, visit.rating_comment, visit.rated_at = rating, comment.strip()[:500], now
    visit.save(update_fields=["rating", "rating_comment", "rated_at"])
    audit.record(actor, "visit.rated", visit, unit=visit.unit_id, after={"rating": rating}, now=now)
    if rating == VisitRating.UNSATISFIED:
        notify(visit.cadre.user, kind="engagement.visit_rated", now=now,
               title=f"企业对 {visit.visited_on} 的走访评价为“不满意”",
               body=visit.rating_comment, url=visit.get_absolute_url(),
               key=f"engagement.visit_rated:{visit.pk}")  # fmt: skip
    return visit
