"""导出审计日志 for the 审计员: the events the viewer may see, by date, as .xlsx or CSV.

The export itself is an audit event (``audit.exported``, allowed to read-only roles).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.audit.queries import visible_events_for_user
from qinqing.core.audit.redaction import redact
from qinqing.core.audit.restricted import REDACTED_TEXT, redacted_seqs
from qinqing.core.audit.verbs import verb_label
from qinqing.core.errors import InvalidInput

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_DAYS = 366
HEADERS = [
    "序号", "时间", "操作人", "操作人编号", "操作", "操作代码", "结果", "对象类型", "对象编号",
    "对象", "相关单位编号", "变更前", "变更后", "哈希算法", "哈希",
]  # fmt: skip
FAILURE_SUFFIXES = ("_failed", ".failed", ".locked_out", ".refused")


def event_result(verb: str) -> str:
    """成功 or 失败, read from the verb (failures are recorded under their own verbs).

    Examples:
        >>> event_result("user.login_failed"), event_result("ticket.acknowledged")
        ('失败', '成功')
    """
    return "失败" if verb.endswith(FAILURE_SUFFIXES) else "成功"


def _date(text: str, default: dt.date, label: str) -> dt.date:
    if not text:
        return default
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"“{label}”{text} 不是有效日期（示例：2026-06-15）。") from None


@login_required
def export_events(request: HttpRequest) -> HttpResponse:
    events = visible_events_for_user(request.user)  # 403 for roles without audit.view
    today = timezone.localdate()
    start = _date(request.GET.get("from", ""), today - dt.timedelta(days=30), "开始日期")
    end = _date(request.GET.get("to", ""), today, "结束日期")
    if end < start or (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"导出的日期范围须在 {MAX_DAYS} 天以内，且结束日期不早于开始日期。")
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=SHANGHAI)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
    rows = list(events.filter(created_at__gte=lo, created_at__lt=hi).order_by("seq"))
    hidden = redacted_seqs(rows, request.user)
    table = []
    for e in rows:
        redacted = e.seq in hidden
        table.append(
            [
                e.seq,
                e.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor_label,
                e.actor_id or "",
                verb_label(e.verb),
                e.verb,
                event_result(e.verb),
                e.object_type,
                e.object_id,
                REDACTED_TEXT if redacted else e.object_repr,
                e.unit_id or "",
                "" if redacted or e.before is None else str(redact(e.before)),
                "" if redacted or e.after is None else str(redact(e.after)),
                e.hash_algorithm or "sha256",
                e.hash,
            ]
        )
    fmt = "csv" if request.GET.get("format") == "csv" else "xlsx"
    audit.record(
        request.user, "audit.exported", ("audit.export", f"{start}..{end}", f"审计日志 {start} 至 {end}"),
        after={"from": str(start), "to": str(end), "rows": len(table), "format": fmt},
    )  # fmt: skip
    name = f"audit-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(HEADERS)
        for row in table:  # same formula guard as the .xlsx writer (CSV injection)
            writer.writerow(
                ["'" + v if isinstance(v, str) and v[:1] in "=+-@\t\r" else v for v in row]
            )
        response = HttpResponse("\ufeff" + buf.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        from qinqing.core.files.xlsx import write_workbook

        response = HttpResponse(
            write_workbook(HEADERS, table, title="审计日志"),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
