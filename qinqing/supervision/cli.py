"""``qinqing supervision …``: the sweep and the bulletin from the command line (cron-friendly).

qinqing supervision sweep [--now 2025-07-01T09:00] [--window 5] [--no-send]
qinqing supervision bulletin --period 2025-06 --out 通报.docx [--pdf 通报.pdf] [--area 示例市]
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    sup = subparsers.add_parser(
        "supervision", help="调度督办：巡检提醒、生成通报", description="调度督办的定时任务。"
    )
    commands = sup.add_subparsers(dest="supervision_command", metavar="子命令")
    sup.set_defaults(func=lambda _args: (sup.print_help(), 0)[1])

    sweep = commands.add_parser(
        "sweep",
        help="调度巡检：生成调度周期、开放报送、发现即将到期和逾期事项并发送提醒（可重复运行，不会重复提醒）",
    )
    sweep.add_argument(
        "--now", help="按此时刻运行（ISO 格式，如 2025-07-01T09:00；不带时区按北京时间）"
    )
    sweep.add_argument("--window", type=int, help="“即将到期”的工作日数（默认取系统设置，5 个）")
    sweep.add_argument("--no-send", action="store_true", help="只记录提醒，不发送邮件和短信")
    sweep.set_defaults(func=handle_sweep)

    bulletin = commands.add_parser("bulletin", help="生成某月的工作通报（Word 和 PDF）")
    bulletin.add_argument("--period", required=True, help="通报月份，如 2025-06")
    bulletin.add_argument("--out", required=True, help="Word 文件（.docx）保存路径")
    bulletin.add_argument("--pdf", help="PDF 文件保存路径（可选）")
    bulletin.add_argument("--area", help="地区名称或编号（只有一个地区有任务时可省略）")
    bulletin.add_argument("--today", help="任务状态统计截至的日期（默认今天）")
    bulletin.set_defaults(func=handle_bulletin)


def _parse_now(text: str | None):
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from qinqing.core.errors import InvalidInput

    if not text:
        return timezone.now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"时刻“{text}”无效：请按 ISO 格式填写，如 2025-07-01T09:00 或 2025-07-01。"
        ) from None
    if len(text) == 10:
        value = datetime.combine(value.date(), time(9, 0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    return value


def handle_sweep(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.errors import InvalidInput
    from qinqing.supervision.rules import STATUS_ORDER, TaskStatus
    from qinqing.supervision.tasks import sweep

    if args.window is not None and not 0 <= args.window <= 60:
        raise InvalidInput(f"--window {args.window} 超出范围：请填写 0 到 60 之间的工作日数。")
    now = _parse_now(args.now)
    result = sweep(now, window_workdays=args.window, send=not args.no_send)
    counts = "，".join(
        f"{TaskStatus(s).label} {result.counts.get(str(s), 0)}" for s in STATUS_ORDER
    )
    print(f"调度巡检（{result.today}）：{counts}")
    print(
        f"新建周期 {result.cycles_created} 个，新开报送 {result.slots_opened} 份，"
        f"新增提醒 {result.reminders_created} 条；发送邮件 {result.emails} 封、短信 {result.sms} 条。"
    )
    for problem in result.problems:
        print(f"警告：{problem}", file=sys.stderr)
    return 0


def _resolve_area(text: str | None):
    from qinqing.core.errors import InvalidInput
    from qinqing.core.orgs.models import AREA_KINDS, Unit
    from qinqing.plans import queries as plan_queries

    if text:
        qs = Unit.objects.filter(kind__in=AREA_KINDS)
        found = list(qs.filter(pk=int(text))) if text.isdigit() else list(qs.filter(name=text))
        if len(found) == 1:
            return found[0]
        if not found:
            raise InvalidInput(f"地区“{text}”不存在：请填写机构库中的市或县（区）名称，或其编号。")
        raise InvalidInput(f"名为“{text}”的地区有 {len(found)} 个，请改用编号。")
    area_ids = list(
        plan_queries.ledger_tasks().order_by().values_list("area_id", flat=True).distinct()
    )
    if len(area_ids) == 1:
        return Unit.objects.get(pk=area_ids[0])
    names = "、".join(Unit.objects.filter(pk__in=area_ids).values_list("name", flat=True)[:10])
    raise InvalidInput(f"有多个地区有任务（{names or '无'}），请用 --area 指定地区。")


def handle_bulletin(args: argparse.Namespace) -> int:
    import getpass
    from datetime import date
    from pathlib import Path

    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from qinqing.core.errors import InvalidInput
    from qinqing.supervision import service
    from qinqing.supervision.rules import parse_month

    start, end = parse_month(args.period)
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise InvalidInput(f"--out {args.out} 应为 .docx 文件。")
    today = None
    if args.today:
        try:
            today = date.fromisoformat(args.today)
        except ValueError:
            raise InvalidInput(f"--today {args.today} 不是有效日期，示例：2025-07-03。") from None
    area = _resolve_area(args.area)
    row = service.generate_bulletin(
        actor=f"命令行（{getpass.getuser()}）",
        area=area,
        period_start=start,
        period_end=end,
        now=timezone.now(),
        today=today,
    )
    with default_storage.open(row.docx.name, "rb") as fh:
        out.write_bytes(fh.read())
    print(f"已生成《{row.title}》第{row.version}版：{out}")
    if args.pdf:
        with default_storage.open(row.pdf.name, "rb") as fh:
            Path(args.pdf).write_bytes(fh.read())
        print(f"PDF：{args.pdf}")
    return 0
