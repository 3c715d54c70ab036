"""三率统计 page and workbook."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from qinqing.appeals import figures, service
from qinqing.appeals.views.common import (
    parse_date,
)
from qinqing.core.accounts.access import (
    require_capability,
    scope_area,
    user_unit,
)
from qinqing.core.errors import InvalidInput, PermissionDenied
from qinqing.core.files.xlsx import write_workbook
from qinqing.core.orgs.models import Unit


def _figure_area(user) -> Unit:
    require_capability(user, "appeals.view")
    area = scope_area(user)
    if area is None:
        unit = user_unit(user)
        area = unit.area() if unit else None
    if area is None:
        raise PermissionDenied("您的账号没有所属地区，无法查看统计。")
    return area


def _figures_context(request):
    area = _figure_area(request.user)
    today = timezone.localdate()
    start = parse_date(request.GET.get("start"), today.replace(month=1, day=1))
    end = parse_date(request.GET.get("end"), today)
    if end < start:
        raise InvalidInput(f"结束日期 {end} 早于开始日期 {start}，请调整统计期间。")
    level = "county" if request.GET.get("level") == "county" else "unit"
    config = service.settings_for(area).figure_config or None
    rows = figures.ranking(start, end, area=area, level=level, config=config, as_of=timezone.now())
    return area, start, end, level, rows, config


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    area, start, end, level, rows, config = _figures_context(request)
    chart = {
        "names": [r.name for r in rows],
        "score": [r.percent("score") for r in rows],
        "response": [r.percent("response_rate") for r in rows],
        "resolution": [r.percent("resolution_rate") for r in rows],
        "satisfaction": [r.percent("satisfaction_rate") for r in rows],
    }
    monthly = figures.monthly_series(start, end, area=area, config=config, as_of=timezone.now())
    trend = {
        "months": list(monthly),
        "response": [None if v["response_rate"] is None else round(100 * v["response_rate"], 1) for v in monthly.values()],
        "resolution": [None if v["resolution_rate"] is None else round(100 * v["resolution_rate"], 1) for v in monthly.values()],
        "satisfaction": [None if v["satisfaction_rate"] is None else round(100 * v["satisfaction_rate"], 1) for v in monthly.values()],
    }  # fmt: skip
    return render(
        request,
        "appeals/figures.html",
        {
            "area": area,
            "start": start,
            "end": end,
            "level": level,
            "rows": rows,
            "chart": chart,
            "trend": trend,
            "query": request.GET.urlencode(),
        },
    )


@login_required
def figures_export(request: HttpRequest) -> HttpResponse:
    area, start, end, level, rows, _ = _figures_context(request)
    headers = ["排名", "单位" if level == "unit" else "县（市、区）", "派出工单", "响应率(%)", "解决率(%)",
               "满意率(%)", "按时办结率(%)", "平均答复用时(工作日)", "回访次数", "综合得分"]  # fmt: skip
    data = write_workbook(
        headers,
        (
            [
                r.rank,
                r.name,
                r.counts.dispatched,
                r.percent("response_rate"),
                r.percent("resolution_rate"),
                r.percent("satisfaction_rate"),
                r.percent("on_time_rate"),
                None
                if r.rates["avg_reply_workdays"] is None
                else round(r.rates["avg_reply_workdays"], 1),
                r.counts.callbacks,
                r.percent("score"),
            ]
            for r in rows
        ),
        title="三率统计",
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"三率统计_{area.name}_{start}_{end}.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
