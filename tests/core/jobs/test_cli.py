"""``qinqing jobs list | run | run-due``: what an operator reads."""

from __future__ import annotations

import json

import pytest

from qinqing.cli.main import main
from qinqing.core.jobs import runner
from qinqing.core.jobs.models import JobRun
from tests.core.jobs.sample_jobs import JOBS

SAMPLES = [j for j in JOBS if j.name in ("sample.count", "sample.boom", "sample.daily")]


@pytest.fixture
def samples(db):
    with runner.override_jobs(SAMPLES):
        yield


def test_run_due_prints_each_run_and_fails_when_a_job_failed(samples, capsys):
    assert main(["jobs", "run-due", "--now", "2025-10-10T09:01"]) == 1
    out = capsys.readouterr().out
    assert "示例：计数（sample.count）：成功" in out and "written 1" in out
    assert "示例：会失败（sample.boom）：失败" in out and "磁盘已满" in out
    assert main(["jobs", "run-due", "--now", "2025-10-10T09:02"]) == 0
    assert "没有到期的任务。" in capsys.readouterr().out


def test_run_due_after_downtime_says_what_it_caught_up(samples, capsys):
    main(["jobs", "run-due", "--now", "2025-10-10T09:05"])
    capsys.readouterr()
    main(["jobs", "run-due", "--now", "2025-10-14T10:00"])
    out = capsys.readouterr().out
    assert "示例：计数（sample.count）：成功（补跑，合并错过的 3 次）" in out
    # one run per missed night (11 to 14 Oct), oldest first
    assert out.count("示例：每日汇总（sample.daily）：成功（补跑") == 4
    assert out.index("补跑 2025-10-11 01:00") < out.index("补跑 2025-10-14 01:00")


def test_run_runs_one_job_by_hand(samples, capsys):
    assert main(["jobs", "run", "sample.count", "--now", "2025-10-11T15:00"]) == 0
    assert "示例：计数（sample.count）：成功" in capsys.readouterr().out
    assert JobRun.objects.get().actor == "命令行"


def test_run_of_an_unknown_job_names_the_existing_ones(samples, capsys):
    assert main(["jobs", "run", "sample.nope"]) == 2
    err = capsys.readouterr().err
    assert "没有名为“sample.nope”的定时任务" in err and "sample.count" in err
    assert not JobRun.objects.exists()


def test_list_as_json(samples, capsys):
    main(["jobs", "run-due", "--now", "2025-10-10T09:01"])
    capsys.readouterr()
    assert main(["jobs", "list", "--format", "json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {"sample.count", "sample.boom", "sample.daily"}
    assert rows["sample.count"]["status"] == "ok"
    assert rows["sample.count"]["last_run"]["counts"] == {"written": 1}
    assert rows["sample.boom"]["status"] == "failed"
    assert "磁盘已满" in rows["sample.boom"]["last_run"]["error"]
    # first sight of a nightly job: it runs its latest slot of the last day (01:00), once
    assert rows["sample.daily"]["last_run"]["trigger"] == "catch_up"
    assert rows["sample.count"]["next_run"].endswith("09:00:00+08:00")
    assert rows["sample.daily"]["catch_up"] == "each"


def test_list_as_text(samples, capsys):
    main(["jobs", "run-due", "--now", "2025-10-10T09:01"])
    capsys.readouterr()
    main(["jobs", "list"])
    out = capsys.readouterr().out
    assert "sample.boom  示例：会失败" in out
    assert "计划 每个工作日 09:00；上次" in out and "（失败）" in out
    assert "错误：RuntimeError: 磁盘已满：无法写入导出文件" in out
