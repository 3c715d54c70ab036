"""``qinqing audit verify``: check the audit chain."""

from __future__ import annotations


def register(sub) -> None:
    audit = sub.add_parser("audit", help="审计日志")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="子命令")
    verify = audit_sub.add_parser("verify", help="校验审计日志链是否完整、未被改动")
    verify.set_defaults(func=_verify)


def _verify(args) -> int:
    from qinqing.cli.main import setup_django

    setup_django()
    from qinqing.core.audit.service import verify_chain

    result = verify_chain()
    if result.ok:
        print(f"审计日志完整：已校验 {result.checked} 条记录，未发现改动或缺失。")
        return 0
    print(f"审计日志校验失败：{result.problem}（此前 {result.checked} 条完好）")
    return 1
