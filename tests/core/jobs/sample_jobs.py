"""Job functions for the tests: each writes one audit event, so a test can count the runs
whose work committed (a run rolled back leaves none)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from qinqing.core import audit
from qinqing.core.manifest import Job

ACTOR = "system:test-jobs"


def _write(name: str, now) -> None:
    audit.record(ACTOR, "sample.ran", ("sample", name, now.isoformat()), now=now)


def count(now):
    _write("count", now)
    return {"written": 1}


def slow(now):
    _write("slow", now)
    time.sleep(float(os.environ.get("QINQING_SAMPLE_SLEEP", "1.5")))
    return {"written": 1}


def boom(now):
    _write("boom", now)
    raise RuntimeError("磁盘已满：无法写入导出文件")


def hang(now):
    """Write, say so through a flag file, then wait to be killed."""
    _write("hang", now)
    flag = os.environ.get("QINQING_SAMPLE_FLAG")
    if flag:
        Path(flag).write_text("started")
        time.sleep(120)
    return {"written": 1}


JOBS = [
    Job("sample.count", "示例：计数", "workdays 09:00", "tests.core.jobs.sample_jobs.count"),
    Job(
        "sample.daily",
        "示例：每日汇总",
        "daily 01:00",
        "tests.core.jobs.sample_jobs.count",
        catch_up="each",
    ),
    Job("sample.slow", "示例：慢任务", "workdays 09:00", "tests.core.jobs.sample_jobs.slow"),
    Job("sample.boom", "示例：会失败", "workdays 09:00", "tests.core.jobs.sample_jobs.boom"),
    Job("sample.hang", "示例：会被终止", "workdays 09:00", "tests.core.jobs.sample_jobs.hang"),
    Job(
        "sample.missing",
        "示例：函数不存在",
        "workdays 09:00",
        "qinqing.core.workdays.no_such_module.recompute",
    ),
]
