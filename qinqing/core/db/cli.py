"""``qinqing partitions …``: the monthly partitions of PostgreSQL (docs/deploy.md, 归档).

qinqing partitions list [--table T]                   every partitioned table and its months
qinqing partitions maintain [--now TIME]              create the coming months now (the job)
qinqing partitions detach --before 2021-01 [--yes]    detach the months before one, for archive
qinqing partitions archive --before 2021-01 --table appeals_appeal [--to DIR] [--yes]
                                                      export, delete and drop old months with
                                                      every row depending on them
qinqing partitions restore DIR [--yes]                load such an archive back
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parts = subparsers.add_parser(
        "partitions",
        help="按月分区（PostgreSQL）：查看、预建、归档旧月份",
        description="按月分区（PostgreSQL）。",
    )
    parts.set_defaults(func=lambda _args: (parts.print_help(), 0)[1])
    sub = parts.add_subparsers(dest="partitions_command", metavar="子命令")

    listing = sub.add_parser("list", help="列出分区表及其各月分区")
    listing.add_argument("--table", action="append", help="只看这张表（可重复）")
    listing.set_defaults(func=handle_list)

    maintain = sub.add_parser("maintain", help="立即预建后续月份的分区并推进本月编号")
    maintain.add_argument("--now", help="按此时刻运行（ISO 格式，如 2025-07-01T09:00）")
    maintain.set_defaults(func=handle_maintain)

    detach = sub.add_parser(
        "detach",
        help="把某月之前的分区从分区表中分离（归档）；不加 --yes 只列出将分离的分区",
    )
    detach.add_argument("--before", required=True, help="分离此月份之前的分区，如 2021-01")
    detach.add_argument("--table", action="append", help="只处理这张表（可重复）")
    detach.add_argument("--yes", action="store_true", help="确认分离（否则只列出）")
    detach.set_defaults(func=handle_detach)

    archive = sub.add_parser(
        "archive",
        help="归档某月之前的数据（连同引用它们的工单、回访等记录）：导出为文件后从数据库删除；"
        "不加 --yes 只列出将归档的内容",
    )
    archive.add_argument("--before", required=True, help="归档此月份之前的数据，如 2021-01")
    archive.add_argument(
        "--table", required=True, help="按月分区的表，如 appeals_appeal、supervision_progressreport"
    )
    archive.add_argument("--to", help="归档目录（默认在数据目录 var/archive/ 下新建）")
    archive.add_argument("--now", help="按此时刻运行（ISO 格式，测试用）")
    archive.add_argument("--yes", action="store_true", help="确认归档（否则只列出）")
    archive.set_defaults(func=handle_archive)

    restore = sub.add_parser(
        "restore", help="把 archive 导出的归档目录恢复回数据库；不加 --yes 只核对并列出"
    )
    restore.add_argument("directory", help="归档目录（含 manifest.json）")
    restore.add_argument("--yes", action="store_true", help="确认恢复（否则只核对并列出）")
    restore.set_defaults(func=handle_restore)


def _rows(count: int) -> str:
    return "未统计" if count < 0 else f"约 {count} 行"


def handle_list(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.db import connection

    from qinqing.core.db import partitions as p

    if not p.is_postgres(connection):
        print("当前数据库不是 PostgreSQL，没有按月分区。")
        return 0
    tables = p.partitioned_tables(connection)
    if not tables:
        print("没有按月分区的表。")
    for table, column in tables.items():
        if args.table and table not in args.table:
            continue
        print(f"{table}（按 {column} 分区）")
        for part in p.partitions(connection, table):
            label = "默认分区" if part.default else str(part.month or "—")
            print(f"  {label:10} {part.name}  {_rows(part.rows)}")
    return 0


def handle_maintain(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.db import connection, transaction

    from qinqing.core.db import partitions as p
    from qinqing.core.jobs.cli import parse_now

    with transaction.atomic():
        result = p.maintain(connection, parse_now(args.now))
    print(f"新建分区 {result['created']} 个，推进编号 {result['sequences_advanced']} 张表。")
    return 0


def handle_detach(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.db import connection, transaction

    from qinqing.core import audit
    from qinqing.core.db import partitions as p

    before = p.Month.parse(args.before)
    with transaction.atomic():
        found = p.detach_before(connection, before, args.table, dry_run=not args.yes)
        if args.yes:
            for item in found:
                audit.record(
                    "qinqing partitions detach",
                    "partitions.detached",
                    ("partition", item.partition, f"{item.table} {item.month}"),
                    after={
                        "table": item.table,
                        "partition": item.partition,
                        "month": str(item.month),
                    },
                )
    if not found:
        print(f"{before} 之前没有可分离的分区。")
        return 0
    for item in found:
        print(f"  {item.table}  {item.month}  {item.partition}")
    if args.yes:
        print(
            f"已分离 {len(found)} 个分区。它们仍是数据库中的普通表：用 pg_dump -t 表名 备份后"
            "可删除（见 docs/deploy.md“归档旧月份”）。"
        )
    else:
        print(f"将分离以上 {len(found)} 个分区。确认无误后加 --yes 执行。")
    return 0


def _print_tables(tables: list[tuple[str, int, dict[str, int]]]) -> None:
    for table, rows, months in tables:
        print(f"  {table}：{rows} 行")
        for month, count in months.items():
            print(f"      {month}：{count} 行")


def handle_archive(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.db import connection, transaction

    from qinqing.core.db import archive as a
    from qinqing.core.db import partitions as p
    from qinqing.core.jobs.cli import parse_now

    before = p.Month.parse(args.before)
    now = parse_now(args.now)
    # plan() and archive() refuse SQLite first, with the Chinese message
    if not args.yes:
        with transaction.atomic():
            found = a.plan(connection, args.table, before, now=now)
            transaction.set_rollback(True)
        print(f"将归档 {args.table} 中 {before} 之前的数据（月份：{'、'.join(found.months)}）：")
        _print_tables([(t.table, t.rows, t.months) for t in found.tables])
        print(
            f"共 {found.total} 行，将导出到归档目录后从数据库删除，并删除 "
            f"{len(found.partitions)} 个已清空的月份分区。确认无误后加 --yes 执行。"
        )
        return 0
    result = a.archive(connection, args.table, before, Path(args.to) if args.to else None, now=now)
    _print_tables([(t.table, t.rows, t.months) for t in result.plan.tables])
    print(
        f"已归档 {result.plan.total} 行（月份：{'、'.join(result.plan.months)}），"
        f"删除 {len(result.plan.partitions)} 个月份分区。归档目录：{result.directory}"
        f"（清单 sha256 {result.manifest_sha256}）。请把该目录复制到异地备份；"
        f"恢复：qinqing partitions restore {result.directory} --yes"
    )
    return 0


def handle_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.db import connection

    from qinqing.core.db import archive as a

    manifest = a.restore(connection, Path(args.directory), dry_run=not args.yes)
    tables = [(e["table"], e["rows"], e.get("months", {})) for e in manifest["tables"]]
    state = a.migration_drift(connection, manifest)
    if not args.yes:
        print(
            f"归档 {args.directory}：{manifest['parent']} 中 {manifest['before']} 之前的数据"
            f"（月份：{'、'.join(manifest['months'])}），文件校验无误："
        )
        _print_tables(tables)
        if state:
            print(f"注意：归档后数据库结构已升级（{state}）；恢复时按文件表头的列载入。")
        print("确认无误后加 --yes 恢复。")
        return 0
    _print_tables(tables)
    print(f"已恢复 {sum(t[1] for t in tables)} 行。")
    return 0
