"""``qinqing audit verify``: check the audit chain; ``qinqing audit checkpoint``: sign its head."""

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


def _verify(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.audit.checkpoints import checkpoint_file
    from qinqing.core.audit.service import verify_chain

    result = verify_chain()
    if not result.ok:
        print(f"审计日志校验失败：{result.problem}（此前 {result.checked} 条完好）")
        return 1
    print(f"审计日志完整：已校验 {result.checked} 条记录，未发现改动或缺失。")
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
        print(f"已写入校验点：链头第 {counts['seq']} 条 → {checkpoint_file()}")
    else:
        print(f"链头（第 {counts['seq']} 条）与上一个校验点相同，未重复写入。")
    return 0
