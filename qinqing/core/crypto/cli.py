"""``qinqing keys``: the SM4 data key (status, rotation, re-encryption)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="个人信息加密密钥（SM4）")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="子命令")
    status = keys_sub.add_parser("status", help="显示当前密钥编号，以及各加密字段使用各密钥的行数")
    status.set_defaults(func=_status)
    rotate = keys_sub.add_parser(
        "rotate", help="生成新密钥并用它重新加密全部个人信息（旧密钥保留，用于解密旧备份）"
    )
    rotate.add_argument(
        "--drop-old", action="store_true", help="重新加密完成后从密钥文件删除旧密钥"
    )
    rotate.set_defaults(func=_rotate)
    reencrypt = keys_sub.add_parser(
        "reencrypt", help="用当前密钥重新加密仍使用旧密钥或尚未加密的数据"
    )
    reencrypt.set_defaults(func=_reencrypt)


def _status(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.crypto import sm4
    from qinqing.core.crypto.rotation import key_usage

    print(f"当前密钥：{sm4.key_ring().current_id}")
    for column, counts in key_usage().items():
        parts = "，".join(f"{kid} {n} 行" for kid, n in sorted(counts.items())) or "无数据"
        print(f"  {column}：{parts}")
    return 0


def _audit_rotation(key_id: str, changed: int) -> None:
    from qinqing.core import audit

    audit.record("系统（qinqing keys）", "keys.rotated", ("key", key_id, f"数据密钥 {key_id}"),
                 after={"rows": changed})  # fmt: skip


def _rotate(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.crypto.rotation import rotate

    key_id, changed = rotate(drop_old=args.drop_old)
    _audit_rotation(key_id, changed)
    print(f"已启用新密钥 {key_id}，重新加密 {changed} 项数据。")
    return 0


def _reencrypt(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.crypto import sm4
    from qinqing.core.crypto.rotation import reencrypt_all

    changed = reencrypt_all()
    _audit_rotation(sm4.key_ring().current_id, changed)
    print(f"已用当前密钥重新加密 {changed} 项数据。")
    return 0
