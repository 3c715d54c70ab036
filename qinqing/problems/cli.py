"""``qinqing problems …``: database-free commands of the problem ledger.

* ``themes --appeals A.csv [--month YYYY-MM] --format json``: recurring themes of the
  appeals (columns ``id,created_at,title,body,region_code``), hottest first.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

from qinqing.core.errors import InvalidInput


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "problems", help="问题台账：诉求热点分析等", description="问题台账相关命令。"
    )
    commands = parser.add_subparsers(dest="problems_command", metavar="子命令")
    parser.set_defaults(func=lambda args: parser.print_help() or 0)
    command = commands.add_parser(
        "themes",
        help="把诉求按主题和地点归并为热点问题（每月一题）",
        description=(
            "读取诉求 CSV（列 id,created_at,title,body,region_code；UTF-8，含表头），"
            "按主题和地点归并为热点，按热度（数量、增长、涉及企业数）排序输出。"
        ),
    )
    command.add_argument("--appeals", required=True, metavar="A.csv", help="诉求 CSV 文件")
    command.add_argument(
        "--month", metavar="YYYY-MM", help="只分析该月的诉求（此前 3 个月用于比较增长）"
    )
    command.add_argument("--format", choices=["json", "text"], default="json", help="输出格式")
    command.add_argument(
        "--min-size", type=int, default=2, metavar="N", help="热点至少包含的诉求数"
    )
    command.set_defaults(func=themes_command)


def themes_command(args: argparse.Namespace) -> int:
    # imported here: the themes engine loads scipy, which every other command would pay for
    from qinqing.problems import themes

    if args.month and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.month):
        raise InvalidInput(f"月份“{args.month}”格式不对，请写成 YYYY-MM，如 2025-03。")
    try:
        with open(args.appeals, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InvalidInput(f"无法读取文件“{args.appeals}”：{exc.strerror}。") from None
    try:
        messages = themes.read_csv(data)
    except UnicodeDecodeError:
        raise InvalidInput(f"“{args.appeals}”不是 UTF-8 编码，请另存为 UTF-8 后重试。") from None
    found = themes.mine_themes(messages, month=args.month, min_size=args.min_size)
    if args.format == "json":
        json.dump(themes.themes_json(found), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        for rank, theme in enumerate(found, start=1):
            print(f"{rank}. {theme.label}（{theme.size} 件，热度 {theme.heat:.1f}）")
            print(f"   关键词：{'、'.join(theme.top_terms)}；诉求：{', '.join(theme.ids[:10])}")
    return 0
