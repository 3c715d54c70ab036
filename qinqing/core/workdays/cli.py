"""``qinqing calendar …``: working-day arithmetic and importing a year's holiday notice.

Stable contract (scripts depend on it):

* ``qinqing calendar add DATE N`` prints the date N working days after DATE (ISO);
* ``qinqing calendar between DATE1 DATE2`` prints the number of working days after DATE1 up to
  and including DATE2;
* ``qinqing calendar import-notice FILE`` loads a year's holidays and make-up days (CSV, YAML
  or the notice text as published, ``.txt``);
* ``qinqing calendar parse-notice FILE [--format json]`` parses the notice text as published
  and prints ``{"year": …, "holidays": [ISO dates], "workdays": [ISO dates]}`` (no database,
  never imports Django);
* a year with no official notice yet is computed provisionally from the law (exit 0) and a
  line containing 暂定 goes to stderr; a date outside the calendar's range (before 2004):
  exit status 2 and a clear Chinese message on stderr.

``add`` and ``between`` answer from the chinesecalendar package without touching Django when
the package covers the years involved; only when the answer touches a provisional year do
they set Django up and look for an imported notice in the database (``--db`` forces that,
e.g. after an administrator corrected a package year with ``import-notice --replace``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from qinqing.core.workdays.calendar import WorkdayCalendar

T = TypeVar("T")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cal = sub.add_parser(
        "calendar",
        help="工作日历：按工作日计算期限、导入节假日安排",
        description="工作日历：按国务院办公厅公布的节假日安排（含调休上班日）计算工作日。",
    )
    cal_sub = cal.add_subparsers(dest="calendar_command", metavar="子命令")

    add = cal_sub.add_parser("add", help="输出 DATE 之后第 N 个工作日（DATE 当天不计）")
    add.add_argument("date", metavar="DATE", help="起算日期，如 2025-09-30")
    add.add_argument("n", metavar="N", type=_int_arg, help="工作日数（可为负数，表示之前）")
    add.add_argument("--db", action="store_true", help="始终查询数据库中录入的年份")
    add.set_defaults(func=_add)

    between = cal_sub.add_parser(
        "between", help="输出 DATE1 之后（不含）至 DATE2（含）之间的工作日数"
    )
    between.add_argument("date1", metavar="DATE1")
    between.add_argument("date2", metavar="DATE2")
    between.add_argument("--db", action="store_true", help="始终查询数据库中录入的年份")
    between.set_defaults(func=_between)

    due = cal_sub.add_parser(
        "due",
        help="按时限计算截止时间，如：due '2025-09-30 18:00' 3个工作日",
        description=(
            "按时限计算截止时间。非工作日或下班后收到的，视为下一个工作日收到；收到当天不计；"
            "截止时间为到期日的下班时间；小时按自然小时连续计算。"
        ),
    )
    due.add_argument("received_at", metavar="收到时间", help="如 2025-09-30 18:00（北京时间）")
    due.add_argument("limit", metavar="时限", help="如 3个工作日、15日、24小时")
    due.add_argument("--closes-at", default="17:30", help="下班时间，默认 17:30")
    due.add_argument("--db", action="store_true", help="始终查询数据库中录入的年份")
    due.set_defaults(func=_due)

    years = cal_sub.add_parser("years", help="列出已有节假日数据的年份及来源")
    years.set_defaults(func=_years)

    parse = cal_sub.add_parser(
        "parse-notice",
        help="解析国务院办公厅节假日安排通知原文，列出放假日和调休上班日（不写入数据库）",
        description=(
            "解析《国务院办公厅关于××年部分节假日安排的通知》原文（粘贴保存的 .txt 文件），"
            "列出每个放假日和调休上班日。不需要数据库。"
        ),
    )
    parse.add_argument("file", metavar="FILE", help="通知原文文件（UTF-8 文本）")
    parse.add_argument(
        "--format", choices=("text", "json"), default="text", help="输出格式，默认 text"
    )
    parse.add_argument("--year", type=_int_arg, help="通知所属年份（原文没有标题时必填）")
    parse.set_defaults(func=_parse_notice)

    imp = cal_sub.add_parser(
        "import-notice",
        help="导入一年的节假日安排（CSV 或 YAML，格式见 docs/calendar-notice-format.md）",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--replace", action="store_true", help="覆盖已有的同年数据（更正或替换内置数据）"
    )
    imp.add_argument("--check", action="store_true", help="只检查文件，不写入数据库")
    imp.add_argument("--user", help="记为导入人的用户名（默认记为命令行）")
    imp.set_defaults(func=_import_notice)
    cal.set_defaults(func=lambda args: _print_help(cal))


def _int_arg(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数") from None


def _date(text: str, what: str) -> dt.date:
    from qinqing.core.errors import InvalidInput
    from qinqing.core.workdays.notice import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise InvalidInput(f"{what}{exc}。") from None


def _database_calendar() -> WorkdayCalendar | None:
    """The merged calendar, or ``None`` if Django or its database cannot be used."""
    try:
        from qinqing.core.django_setup import setup_django

        setup_django()
    except Exception:  # noqa: BLE001 - no settings, bad configuration: stay on package data
        return None
    from qinqing.core.workdays.loader import get_calendar

    return get_calendar()


def _compute(
    args: argparse.Namespace,
    fn: Callable[[WorkdayCalendar], T],
    span: Callable[[T], tuple[dt.date, dt.date]],
) -> T:
    """Run ``fn(calendar)``; ``span(result)`` gives the first and last day it involved.

    Package data answers without Django. When the answer touches a provisional year (no
    official notice in the package), the database is consulted for an imported notice; if
    the year is still provisional, a line saying so goes to stderr (the answer stands).
    """
    from qinqing.core.workdays.loader import package_calendar

    calendar = package_calendar()
    if getattr(args, "db", False):
        calendar = _database_calendar() or calendar
    result = fn(calendar)
    lo, hi = span(result)
    if calendar.provisional_between(lo, hi) and not getattr(args, "db", False):
        database = _database_calendar()
        if database is not None:
            calendar, result = database, fn(database)
            lo, hi = span(result)
    if calendar.provisional_between(lo, hi):
        years = [y for y in calendar.provisional_years if lo.year <= y <= hi.year]
        names = "、".join(f"{y} 年" for y in years)
        print(
            f"注意：{names}的节假日安排尚未导入国务院办公厅通知，本结果按法定节假日暂定计算"
            f"（不含调休），导入通知后可能变化。",
            file=sys.stderr,
        )
    return result


def _add(args: argparse.Namespace) -> int:
    day = _date(args.date, "DATE ")
    result = _compute(
        args, lambda cal: cal.add_workdays(day, args.n), lambda r: (min(day, r), max(day, r))
    )
    print(result.isoformat())
    return 0


def _between(args: argparse.Namespace) -> int:
    d1, d2 = _date(args.date1, "DATE1 "), _date(args.date2, "DATE2 ")
    result = _compute(
        args, lambda cal: cal.workdays_between(d1, d2), lambda r: (min(d1, d2), max(d1, d2))
    )
    print(result)
    return 0


def _due(args: argparse.Namespace) -> int:
    from qinqing.core.errors import InvalidInput
    from qinqing.core.workdays.rules import SHANGHAI, OfficeHours, due_at, parse_time_limit

    text = args.received_at.strip().replace("T", " ")
    try:
        received = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"收到时间“{args.received_at}”无法识别，请写成 2025-09-30 18:00 的形式。"
        ) from None
    if received.tzinfo is None:
        received = received.replace(tzinfo=SHANGHAI)
    try:
        closes_at = dt.time.fromisoformat(args.closes_at)
    except ValueError:
        raise InvalidInput(f"下班时间“{args.closes_at}”无法识别，请写成 17:30 的形式。") from None
    limit = parse_time_limit(args.limit)
    hours = OfficeHours(closes_at=closes_at)
    deadline = _compute(
        args,
        lambda cal: due_at(received, limit, calendar=cal, office_hours=hours),
        lambda r: (received.date(), r.date()),
    )
    print(deadline.strftime("%Y-%m-%d %H:%M"))
    return 0


def _years(args: argparse.Namespace) -> int:
    from qinqing.core.workdays.loader import package_calendar

    calendar = _database_calendar() or package_calendar()
    for year in calendar.years:
        data = calendar.year_data(year)
        where = "数据库" if data.origin == "database" else "内置"
        number = f" {data.document_number}" if data.document_number else ""
        print(f"{year}\t{where}\t{data.version}\t{data.source}{number}")
    return 0


def _import_notice(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qinqing.core.errors import InvalidInput
    from qinqing.core.workdays.notice import parse_notice

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件“{path}”（{exc.strerror}）。请检查路径后重试。") from None
    notice = parse_notice(content, filename=path.name)  # validate before touching Django
    holidays = sum(1 for d in notice.days if d.kind == "public_holiday")
    makeups = len(notice.days) - holidays
    summary = f"放假 {holidays} 天、调休上班 {makeups} 天。来源：{notice.source}"
    if args.check:
        print(f"文件检查通过：{notice.year} 年，{summary}（未写入数据库）")
        return 0

    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.db import DatabaseError

    from qinqing.core.workdays.service import import_notice

    actor = _actor(args.user)
    try:
        year = import_notice(path, actor=actor, replace=args.replace)
    except DatabaseError as exc:
        print(f"database error: {exc}", file=sys.stderr)
        raise InvalidInput(
            "无法写入数据库（数据库不可用或尚未初始化）。请先运行 qinqing migrate，"
            "或检查 DATABASE_URL 设置后重试；整个文件未导入。"
        ) from None
    print(f"已导入 {year.year} 年节假日安排（第 {year.version} 版）：{summary}")
    return 0


def _parse_notice(args: argparse.Namespace) -> int:
    """Print a notice's rest days and make-up days; never touches Django."""
    import json
    from pathlib import Path

    from qinqing.core.errors import InvalidInput
    from qinqing.core.workdays.notice import decode_notice
    from qinqing.core.workdays.notice_text import parse_notice_text

    path = Path(args.file)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件“{path}”（{exc.strerror}）。请检查路径后重试。") from None
    notice = parse_notice_text(decode_notice(content), expected_year=args.year)
    holidays = [d for d in notice.days if d.kind == "public_holiday"]
    workdays = [d for d in notice.days if d.kind == "makeup_workday"]
    if args.format == "json":
        print(
            json.dumps(
                {
                    "year": notice.year,
                    "holidays": sorted(d.day.isoformat() for d in holidays),
                    "workdays": sorted(d.day.isoformat() for d in workdays),
                },
                ensure_ascii=False,
            )
        )
        return 0
    weekdays = "一二三四五六日"
    number = f"（{notice.document_number}）" if notice.document_number else ""
    print(f"{notice.source}{number}")
    print(f"{notice.year} 年：放假 {len(holidays)} 天，调休上班 {len(workdays)} 天。")
    names = list(dict.fromkeys(d.name for d in notice.days))
    for name in names:
        rest = [d.day for d in holidays if d.name == name]
        work = [d.day for d in workdays if d.name == name]
        line = f"{name}：{_span(rest)} 放假，共 {len(rest)} 天"
        if work:
            listed = "、".join(
                f"{'' if d.year == notice.year else f'{d.year}年'}{d.month}月{d.day}日"
                f"（星期{weekdays[d.weekday()]}）"
                for d in work
            )
            line += f"；{listed}上班"
        print(line + "。")
    return 0


def _span(days: list[dt.date]) -> str:
    if not days:
        return "无"
    first, last = min(days), max(days)
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()} 至 {last.isoformat()}"


def _print_help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 0


def _actor(username: str | None) -> User | str:
    import getpass

    from qinqing.core.errors import NotFound

    if not username:
        return f"命令行（{getpass.getuser()}）"
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(f"用户“{username}”不存在。请检查 --user 后重试；整个文件未导入。")
    return user
