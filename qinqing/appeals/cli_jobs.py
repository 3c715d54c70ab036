"""``qinqing appeals …`` commands that use the database (jobs and administration).

* ``sweep [--now …]``: 催办 and 督办 over every open ticket (idempotent; nothing on rest days);
* ``roll-up [--now …]``: nightly roll-up of final months' 三率 counts;
* ``rebuild-clocks``: recompute every open ticket's clock from its event log (after a
  calendar correction);
* ``api-client NAME --code CODE --locality 示例市``: register a calling system (12345)
  and print its token once;
* ``retrain-router --locality 示例市 --out MODEL``: retrain the router from the locality's
  own closed appeals (their final categories).

Heavy modules and Django are imported inside the handlers.
"""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="时限巡检：按已用时限比例催办，超时自动督办（休息日不执行）",
        description="对所有在办工单按已用时限比例催办、超时自动转为督办。可重复执行，同一时刻再次执行不会重复催办。",
    )
    sweep.add_argument(
        "--now", metavar="时间", help="以该时刻执行（默认当前时间），如 2026-06-16T10:00"
    )
    sweep.set_defaults(func=sweep_command)

    rollup = commands.add_parser(
        "roll-up",
        help="三率月度汇总（每晚执行）",
        description="把已定型月份（两个月前及更早）的三率统计数据汇总保存，供统计页和考评快速读取。",
    )
    rollup.add_argument("--now", metavar="时间", help="以该时刻执行（默认当前时间）")
    rollup.set_defaults(func=roll_up_command)

    rebuild = commands.add_parser(
        "rebuild-clocks",
        help="按办理记录重算所有在办工单的时限（修正节假日数据后执行）",
        description="节假日数据更正后，按每件工单的办理记录和现行日历重算签收、答复时限。",
    )
    rebuild.set_defaults(func=rebuild_command)

    client = commands.add_parser(
        "api-client",
        help="登记调用诉求接口的系统（如 12345 平台），生成接口令牌",
        description="登记一个调用方系统并打印其接口令牌。令牌只显示这一次，系统只保存其摘要。",
    )
    client.add_argument("name", metavar="名称", help="系统名称，如“示例市12345热线平台”")
    client.add_argument("--code", required=True, help="系统代码（英文字母、数字、连字符）")
    client.add_argument("--locality", required=True, metavar="地区", help="受理地区名称，如 示例市")
    client.set_defaults(func=api_client_command)

    retrain = commands.add_parser(
        "retrain-router",
        help="用本地区已办结诉求重新训练诉求分类模型",
        description="读取本地区已办结、已确定类别的诉求，重新训练诉求分类模型并保存。",
    )
    retrain.add_argument("--locality", required=True, metavar="地区", help="地区名称，如 示例市")
    retrain.add_argument("--out", required=True, metavar="MODEL", help="模型文件的保存路径")
    retrain.set_defaults(func=retrain_command)


def _now(text: str | None):
    from django.utils import timezone

    if not text:
        return timezone.now()
    import datetime as dt

    from qinqing.core.errors import InvalidInput
    from qinqing.core.workdays import DEFAULT_OFFICE_HOURS

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"时间“{text}”格式不对，请按 2026-06-16T10:00 的格式填写。") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=DEFAULT_OFFICE_HOURS.tz)


def _locality(name: str):
    from qinqing.core.errors import InvalidInput
    from qinqing.core.orgs.models import Unit

    found = list(Unit.objects.filter(name=name, kind__in=["city", "county", "province"])[:2])
    if len(found) != 1:
        raise InvalidInput(f"找不到名为“{name}”的地区（市、县），请核对机构库中的名称。")
    return found[0]


def sweep_command(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.appeals.tasks import sweep_tickets

    result = sweep_tickets(_now(args.now))
    print(result.summary())
    return 0


def roll_up_command(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.appeals.tasks import roll_up_figures

    months = roll_up_figures(_now(args.now))
    print(f"已汇总 {months} 个月的三率统计数据。")
    return 0


def rebuild_command(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.appeals.tasks import rebuild_clocks

    count = rebuild_clocks(_now(None))
    print(f"已按办理记录重算 {count} 件在办工单的时限。")
    return 0


def api_client_command(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    import getpass

    from qinqing.appeals.service import create_api_client

    client, token = create_api_client(
        actor=f"命令行（{getpass.getuser()}）",
        name=args.name,
        code=args.code,
        locality=_locality(args.locality),
        now=_now(None),
    )
    print(f"已登记“{client.name}”（{client.code}）。接口令牌（只显示这一次，请妥善保存）：")
    print(token)
    return 0


def retrain_command(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    import getpass
    from pathlib import Path

    from qinqing.appeals.suggest import retrain_router

    router = retrain_router(
        _locality(args.locality),
        Path(args.out),
        actor=f"命令行（{getpass.getuser()}）",
        now=_now(None),
    )
    meta = router.metadata
    print(
        f"已用 {meta['messages']} 件已办结诉求重新训练分类模型（{len(router.labels)} 个类别），"
        f"已保存到 {args.out}。"
    )
    return 0
