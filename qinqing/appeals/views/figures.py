"""三率统计 page and workbook."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

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


def _one_decimal(value: float | None) -> str | None:
    """A percentage already rounded to one decimal (``FigureRow.percent``) as the template's
    ``floatformat:1`` shows it (tests/appeals/test_page_cpu.py compares the two)."""
    return None if value is None else f"{value:.1f}"


def _table_rows(rows, start, end, level: str) -> list[dict]:
    """The ranking table's cells, formatted once here: the template resolved and formatted
    some forty values and five links per unit, most of the page's time (issue 20)."""
    base = reverse("appeals:list")
    # dates and the level code only (digits, dashes, "unit"/"county"): nothing to escape
    period = f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&level={level}"
    out = []
    for r in rows:
        avg = r.rates["avg_reply_workdays"]
        out.append(
            {
                "rank": r.rank,
                "name": r.name,
                "href": mark_safe(f"{base}?unit={int(r.key)}&{period}"),  # noqa: S308
                "dispatched": r.counts.dispatched,
                "callbacks": r.counts.callbacks,
                "response": _one_decimal(r.percent("response_rate")),
                "resolution": _one_decimal(r.percent("resolution_rate")),
                "satisfaction": _one_decimal(r.percent("satisfaction_rate")),
                "on_time": _one_decimal(r.percent("on_time_rate")),
                "avg_days": None if avg is None else floatformat(avg, 1),
                "score": _one_decimal(r.percent("score")),
            }
        )
    return out


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
            "rows": _table_rows(rows, start, end, level),
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
