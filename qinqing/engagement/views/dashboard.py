"""Dashboard (领导驾驶舱) with drill-down: counties → units → cadres."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from qinqing.core.accounts.access import require_capability
from qinqing.core.errors import InvalidInput, NotFound
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.orgs.models import Unit
from qinqing.engagement import figures, indicators, queries
from qinqing.engagement.models import (
    Cadre,
    Pairing,
)
from qinqing.engagement.views._common import _parse_date, _today, _xlsx


def _dashboard_rows(request: HttpRequest):
    require_capability(request.user, "engagement.view")
    scope = queries.oversight_filter(request.user)
    if scope is None:  # no area of one's own: only a platform-wide manager, who sees all
        require_capability(request.user, "engagement.manage")
        scope = Q()
    today = _today()
    start = _parse_date(request.GET.get("start"), today.replace(month=1, day=1))
    end = _parse_date(request.GET.get("end"), today)
    if start > end:
        raise InvalidInput("开始日期晚于结束日期，请检查。")
    trail = []
    group, where = "area", scope
    if request.GET.get("unit"):
        unit = Unit.objects.filter(pk=request.GET["unit"]).first()
        if unit is None:
            raise NotFound("单位不存在。")
        if unit.is_area:
            group, where = "unit", scope & Q(area_id=unit.pk)
        else:
            group, where = "cadre", scope & Q(unit_id=unit.pk)
        trail.append(unit)
    rows = figures.grouped_counts(where, group, start, min(end, today), today)
    labels = _labels(group, rows.keys())
    for key, c in rows.items():
        c.label = labels.get(key, "—")
    ordered = sorted(rows.values(), key=lambda c: c.label)
    total = figures.total(rows)
    total.enterprises = (
        Pairing.objects.filter(where, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .values("enterprise_id").distinct().count()
    )  # fmt: skip
    return {"rows": ordered, "total": total, "group": group, "start": start, "end": end,
            "trail": trail}  # fmt: skip


def _labels(group: str, keys) -> dict:
    if group == "cadre":
        return dict(Cadre.objects.filter(pk__in=keys).values_list("pk", "name"))
    return dict(Unit.objects.filter(pk__in=keys).values_list("pk", "name"))


GROUP_LABELS = {"area": "地区", "unit": "单位", "cadre": "包联干部"}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = _dashboard_rows(request)
    context["group_label"] = GROUP_LABELS[context["group"]]
    from qinqing.core.accounts.access import scope_area

    area = scope_area(request.user)
    if area is not None:
        covered, members = indicators.list_coverage(area.path, _today())
        context["coverage"] = (covered, members, figures.rules.rate(covered, members))
    return render(request, "engagement/dashboard.html", context)


@login_required
def dashboard_export(request: HttpRequest) -> HttpResponse:
    context = _dashboard_rows(request)
    headers = [GROUP_LABELS[context["group"]], "包联关系", "包联企业", "逾期未走访", "走访次数",
               "走访完成率(%)", "收集诉求", "已办结", "正在推进", "按时办结率(%)", "走访满意率(%)"]  # fmt: skip
    rows = [[c.label, c.pairings, c.enterprises, c.overdue, c.visits, c.completion_rate,
             c.issues, c.issues_closed, c.issues_open, c.on_time_rate, c.satisfaction_rate]
            for c in [*context["rows"], context["total"]]]  # fmt: skip
    name = f"包联走访统计（{context['start']}至{context['end']}）.xlsx"
    return _xlsx(write_workbook(headers, rows, title="包联走访统计"), name)
