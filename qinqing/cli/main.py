"""The ``qinqing`` console command.

Each domain contributes its own sub-commands from ``<domain>/cli.py`` through a
``register(subparsers)`` function; a handler takes the parsed ``args`` and returns an
exit code. Handlers import heavy modules lazily so that database-free commands
(``plan parse``, ``policies evaluate``, ``inspections draw`` …) start fast. A handler
that needs the database calls :func:`setup_django` first. Anything that is not a
registered sub-command is passed to Django's management commands, so
``qinqing migrate`` or ``qinqing createsuperuser`` work as ``manage.py`` would.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from qinqing.core.django_setup import mark_standalone, setup_django

__all__ = ["build_parser", "entry", "main", "setup_django"]

COMMAND_MODULES = (
    "qinqing.core.orgs.cli",
    "qinqing.core.audit.cli",
    "qinqing.core.crypto.cli",
    "qinqing.core.backup.cli",
    "qinqing.core.workdays.cli",
    "qinqing.core.enterprises.cli",
    "qinqing.core.jobs.cli",
    "qinqing.core.db.cli",
    "qinqing.plans.cli",
    "qinqing.supervision.cli",
    "qinqing.appeals.cli",
    "qinqing.policies.cli",
    "qinqing.inspections.cli",
    "qinqing.problems.cli",
    "qinqing.web.cli",
)


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    parser = argparse.ArgumentParser(
        prog="qinqing",
        description="亲清 Qinqing 优化营商环境工作平台命令行。未列出的命令按 Django 管理命令执行。",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # the domain has no CLI yet
            raise
        module.register(sub)
    return parser, set(sub.choices)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser, commands = build_parser()
    if argv and argv[0] not in commands and argv[0] not in ("-h", "--help"):
        setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["qinqing", *argv])
        return 0
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from qinqing.core.errors import QinqingError

    try:
        return int(args.func(args) or 0)
    except QinqingError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2


def entry() -> None:
    mark_standalone()
    sys.exit(main())


if __name__ == "__main__":
    entry()
