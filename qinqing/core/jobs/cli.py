"""``qinqing jobs …``: list, run and schedule the platform's jobs.

qinqing jobs list [--format json]        every job: schedule, last run, next run, status
qinqing jobs run NAME [--now TIME]       run one job now (does not move its schedule)
qinqing jobs run-due [--now TIME]        run every job the schedule owes (cron-friendly)
qinqing jobs scheduler                   run-due every minute until stopped (``serve`` starts it)
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qinqing.core.jobs.models import JobRun


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    jobs = subparsers.add_parser(
        "jobs", help="定时任务：查看、立即运行、运行到期任务", description="定时任务。"
    )
    jobs.set_defaults(func=lambda _args: (jobs.print_help(), 0)[1])
    sub = jobs.add_subparsers(dest="jobs_command", metavar="子命令")

    listing = sub.add_parser("list", help="列出全部定时任务：计划、上次运行、下次运行、状态")
    listing.add_argument("--format", choices=["text", "json"], default="text", help="输出格式")
    listing.set_defaults(func=handle_list)

    run = sub.add_parser("run", help="立即运行一个任务（不改变其计划）")
    run.add_argument("name", help="任务名，如 supervision.sweep（见 qinqing jobs list）")
    run.add_argument("--now", help=NOW_HELP)
    run.set_defaults(func=handle_run)

    due = sub.add_parser("run-due", help="运行所有已到期的任务（停机后补跑错过的）")
    due.add_argument("--now", help=NOW_HELP)
    due.set_defaults(func=handle_run_due)

    loop = sub.add_parser("scheduler", help="内置调度器：每分钟运行到期任务，直到停止")
    loop.add_argument("--interval", type=int, default=60, help="检查间隔秒数（默认 60）")
    loop.set_defaults(func=handle_scheduler)


NOW_HELP = "按此时刻运行（ISO 格式，如 2025-07-01T09:00；不带时区按北京时间）"


def parse_now(text: str | None) -> datetime:
    from django.utils import timezone

    from qinqing.core.errors import InvalidInput
    from qinqing.core.jobs.schedule import TZ

    if not text:
        return timezone.now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"时刻“{text}”无效：请按 ISO 格式填写，如 2025-07-01T09:00。") from None
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def _local(value: datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _counts(counts: dict[str, int]) -> str:
    return "，".join(f"{k} {v}" for k, v in counts.items())


def describe_run(run: JobRun, label: str) -> str:
    """One line about a finished run (what ``run`` and ``run-due`` print)."""
    head = f"{label}（{run.job}）：{run.get_outcome_display()}"
    if run.missed > 1:
        head += f"（补跑，合并错过的 {run.missed} 次）"
    elif run.trigger == "catch_up":
        head += f"（补跑 {_local(run.slot)} 的计划运行）"
    if run.duration_seconds is not None:
        head += f"，用时 {run.duration_seconds} 秒"
    if run.counts:
        head += f"；{_counts(run.counts)}"
    if run.error:
        head += f"\n  {run.error.strip().splitlines()[-1]}"
    return head


STATUS_LABELS = {
    "ok": "成功",
    "failed": "失败",
    "skipped": "跳过",
    "abandoned": "中断",
    "running": "运行中",
    "never": "从未运行",
    "invalid": "计划写法有误",
}


def handle_list(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.jobs.runner import statuses

    rows = statuses()
    if args.format == "json":
        out = [
            {
                "name": r.job.name,
                "label": r.job.label,
                "schedule": r.job.schedule,
                "schedule_text": r.schedule,
                "catch_up": r.job.catch_up,
                "status": r.status,
                "last_run": (
                    {
                        "started_at": r.last_run.started_at.isoformat(),
                        "finished_at": r.last_run.finished_at.isoformat()
                        if r.last_run.finished_at
                        else None,
                        "outcome": r.last_run.outcome,
                        "trigger": r.last_run.trigger,
                        "counts": r.last_run.counts,
                        "error": r.last_run.error,
                    }
                    if r.last_run
                    else None
                ),
                "next_run": r.next_run.isoformat() if r.next_run else None,
            }
            for r in rows
        ]
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not rows:
        print("没有定时任务。")
        return 0
    for r in rows:
        last = _local(r.last_run.started_at) if r.last_run else "—"
        print(
            f"{r.job.name}  {r.job.label}\n"
            f"    计划 {r.schedule}；上次 {last}（{STATUS_LABELS.get(r.status, r.status)}）；"
            f"下次 {_local(r.next_run)}"
        )
        if r.status in ("failed", "skipped", "abandoned", "invalid") and r.error:
            print(f"    错误：{r.error.strip().splitlines()[-1]}")
    return 0


def handle_run(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.jobs.models import Outcome, Trigger
    from qinqing.core.jobs.runner import get_job, run_job

    job = get_job(args.name)
    run = run_job(job, now=parse_now(args.now), trigger=Trigger.MANUAL, actor="命令行")
    if run is None:
        print(f"{job.label}（{job.name}）正在其他进程中运行，本次未运行。", file=sys.stderr)
        return 3
    print(describe_run(run, job.label))
    return 0 if run.outcome == Outcome.SUCCEEDED else 1


def handle_run_due(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.jobs.models import Outcome
    from qinqing.core.jobs.runner import registered_jobs, run_due

    labels = {j.name: j.label for j in registered_jobs()}
    runs = run_due(parse_now(args.now))
    if not runs:
        print("没有到期的任务。")
    for run in runs:
        print(describe_run(run, labels.get(run.job, run.job)))
    return 1 if any(r.outcome == Outcome.FAILED for r in runs) else 0


def handle_scheduler(args: argparse.Namespace) -> int:
    from qinqing.core.django_setup import setup_django

    setup_django()
    from qinqing.core.jobs.scheduler import run_forever

    print(
        f"内置调度器已启动：每 {args.interval} 秒运行一次到期任务（按 Ctrl+C 停止）。", flush=True
    )
    run_forever(interval=args.interval)
    return 0
