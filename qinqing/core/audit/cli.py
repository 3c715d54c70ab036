"""``qinqing audit verify``: check the audit chain; ``qinqing audit checkpoint``: sign its
heads; ``qinqing audit archive``: detach old months of the audit table for archive."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="审计日志")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="子命令")
    verify = audit_sub.add_parser(
        "verify", help="校验审计日志链是否完整、未被改动，并与库外的签名校验点核对"
    )
    verify.set_defaults(func=_verify)
    checkpoint = audit_sub.add_parser(
        "checkpoint", help="立即写入一个审计日志链校验点（定时任务每天 00:30 自动写入）"
    )
    checkpoint.set_defaults(func=_checkpoint)
    archive = audit_sub.add_parser(
        "archive",
        help="把某月之前的审计日志分区从分区表中分离以便归档（PostgreSQL）；不加 --yes 只列出",
    )
    archive.add_argument("--before", required=True, help="归档此月份之前的审计记录，如 2026-01")
    archive.add_argument("--yes", action="store_true", help="确认分离（否则只列出）")
    archive.set_defaults(func=_archive)


def _verify(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.audit.checkpoints import checkpoint_file
    from qinqing.core.audit.service import verify_chain

    result = verify_chain()
    if not result.ok:
        print(f"审计日志校验失败：{result.problem}（此前 {result.checked} 条完好）")
        return 1
    shards = f"（{result.shards} 条分链）" if result.shards > 1 else ""
    print(f"审计日志完整：已校验 {result.checked} 条记录{shards}，未发现改动或缺失。")
    if result.archived:
        print(f"另有 {result.archived} 个校验点位于已归档的分区内，请用归档数据核对。")
    last = result.last_checkpoint
    if last is None:
        print(
            f"尚无校验点（{checkpoint_file()}）：无法发现整链被改写或清空。"
            "请运行 qinqing audit checkpoint，并启用每日定时任务。"
        )
    else:
        print(
            f"与 {result.checkpoints} 个签名校验点一致（最近一个：{last.local_time()}，第 {last.seq} 条）。"
        )
    return 0


def _checkpoint(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.utils import timezone

    from qinqing.core.audit.checkpoints import checkpoint_file, write_checkpoint

    counts = write_checkpoint(timezone.now())
    if counts["written"]:
        print(f"已写入校验点：各分链链头共 {counts['seq']} 条 → {checkpoint_file()}")
    else:
        print(f"链头（共 {counts['seq']} 条）与上一个校验点相同，未重复写入。")
    return 0


def _archive(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.utils import timezone

    from qinqing.core.audit.partitioning import archive_before
    from qinqing.core.errors import QinqingError

    try:
        result = archive_before(args.before, confirm=args.yes, now=timezone.now())
    except QinqingError as exc:
        print(f"未归档：{exc}")
        return 1
    if not result.partitions:
        print(f"{args.before} 之前没有可归档的审计日志分区。")
        return 0
    for name in result.partitions:
        print(f"  {name}")
    if not result.done:
        print(
            f"将分离以上 {len(result.partitions)} 个分区（{result.rows} 条审计记录）。确认后加 --yes 执行。"
        )
        return 0
    print(
        f"已分离 {len(result.partitions)} 个分区（{result.rows} 条审计记录），并写入签名校验点。"
        "它们仍是数据库中的普通表：用 pg_dump -t 表名 备份后可删除；qinqing audit verify "
        "从归档点之后继续校验。"
    )
    return 0
