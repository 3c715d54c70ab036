"""``qinqing backup`` and ``qinqing restore``."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser(
        "backup", help="备份数据库、上传文件和审计校验点（生成一个 .tar.gz 文件）"
    )
    backup.add_argument("--dir", default="", help="备份文件存放目录（默认 var/backups）")
    backup.set_defaults(func=_backup)
    restore = sub.add_parser("restore", help="把备份恢复到空数据库，并校验审计日志链")
    restore.add_argument("archive", help="qinqing backup 生成的 .tar.gz 文件")
    restore.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from django.conf import settings
    from django.utils import timezone

    from qinqing.core.backup.service import create_backup

    directory = Path(args.dir) if args.dir else Path(settings.VAR_DIR) / "backups"
    path = create_backup(directory, now=timezone.now())
    print(f"已备份：{path}")
    print("注意：数据加密密钥和审计校验点密钥不在备份中，请另行离线保存。")
    return 0


def _restore(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.backup.service import restore_backup

    result = restore_backup(Path(args.archive))
    print(f"已恢复 {result.objects} 条数据、{result.files} 个上传文件。")
    if result.chain_ok:
        print(f"审计日志链校验通过（与 {result.checkpoints} 个校验点一致）。")
        return 0
    print(f"审计日志链校验失败：{result.chain_problem}")
    return 1
