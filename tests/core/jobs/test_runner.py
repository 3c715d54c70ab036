"""The runner: once per slot, catch-up after downtime, all-or-nothing runs, the lock."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.utils import timezone

from qinqing.core.audit.models import AuditEvent
from qinqing.core.jobs import runner
from qinqing.core.jobs.models import JobRun, JobState, Outcome, Trigger
from qinqing.core.jobs.schedule import TZ
from tests.core.jobs.sample_jobs import JOBS

BY_NAME = {j.name: j for j in JOBS}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def written(name: str) -> int:
    return AuditEvent.objects.filter(verb="sample.ran", object_id=name).count()


@pytest.fixture
def jobs(db):
    def use(*names):
        return runner.override_jobs([BY_NAME[n] for n in names])

    return use


def test_a_due_job_runs_once_and_records_counts(jobs):
    with jobs("sample.count"):
        runs = runner.run_due(at(2025, 10, 10, 9, 0, 30))  # Friday, a working day
        again = runner.run_due(at(2025, 10, 10, 9, 0, 50))  # same minute: nothing new
    assert [(r.job, r.outcome, r.counts, r.trigger) for r in runs] == [
        ("sample.count", Outcome.SUCCEEDED, {"written": 1}, Trigger.SCHEDULE)
    ]
    assert again == []
    assert written("count") == 1
    run = JobRun.objects.get()
    assert run.started_at <= run.finished_at
    assert JobState.objects.get(name="sample.count").last_run == run


def test_a_working_day_job_does_not_run_on_a_holiday(jobs):
    with jobs("sample.count"):
        runner.run_due(at(2025, 9, 30, 9, 1))  # Tuesday, working day: runs
        assert runner.run_due(at(2025, 10, 3, 9, 1)) == []  # 国庆 holiday
    assert written("count") == 1


def test_catch_up_after_three_days_down(jobs):
    """Down from Friday 10 Oct 2025 09:05 to Tuesday 14 Oct 10:00 (Saturday 11th is a 调休
    working day): the working-day job runs once for its three missed slots; the nightly
    roll-up-style job (catch_up="each") runs once per missed night, each as of its night."""
    with jobs("sample.count", "sample.daily"):
        runner.run_due(at(2025, 10, 10, 9, 5))
        JobRun.objects.all().delete()
        runs = runner.run_due(at(2025, 10, 14, 10, 0))
        assert runner.run_due(at(2025, 10, 14, 10, 1)) == []
    once = [r for r in runs if r.job == "sample.count"]
    each = [r for r in runs if r.job == "sample.daily"]
    assert [(r.missed, r.now, r.trigger) for r in once] == [
        (3, at(2025, 10, 14, 10, 0), Trigger.CATCH_UP)
    ]
    assert [r.now for r in each] == [at(2025, 10, d, 1, 0) for d in (11, 12, 13, 14)]
    assert all(r.outcome == Outcome.SUCCEEDED for r in runs)


def test_catch_up_each_is_capped(jobs, settings):
    settings.QINQING_JOBS_MAX_CATCH_UP = 2
    with jobs("sample.daily"):
        runner.run_due(at(2025, 10, 1, 2, 0))
        runs = runner.run_due(at(2025, 10, 6, 2, 0))  # five nights missed
    assert [(r.outcome, r.missed) for r in runs] == [
        (Outcome.SKIPPED, 3),
        (Outcome.SUCCEEDED, 1),
        (Outcome.SUCCEEDED, 1),
    ]
    assert "超过补跑上限" in runs[0].error


def test_a_failing_job_leaves_nothing_written_and_is_recorded(jobs):
    with jobs("sample.boom", "sample.count"):
        runs = runner.run_due(at(2025, 10, 10, 9, 1))
    boom = next(r for r in runs if r.job == "sample.boom")
    assert boom.outcome == Outcome.FAILED
    assert "磁盘已满" in boom.error
    assert written("boom") == 0  # its audit event was rolled back with the run
    assert written("count") == 1  # the other job still ran


def test_a_missing_function_is_a_failed_run_not_a_crash(jobs):
    with jobs("sample.missing", "sample.count"):
        runs = runner.run_due(at(2025, 10, 10, 9, 1))
    missing = next(r for r in runs if r.job == "sample.missing")
    assert missing.outcome == Outcome.FAILED
    assert "找不到任务函数 qinqing.core.workdays.no_such_module.recompute" in missing.error
    assert written("count") == 1


def test_a_job_locked_by_another_runner_is_left_alone(jobs):
    JobState.objects.create(
        name="sample.count",
        lock_token="other",
        locked_by="other-machine:1",
        locked_until=timezone.now() + dt.timedelta(minutes=5),
    )
    with jobs("sample.count"):
        assert runner.run_due(at(2025, 10, 10, 9, 1)) == []
    assert not JobRun.objects.exists()
    assert written("count") == 0


@pytest.mark.parametrize(
    "locked_by, until",
    [
        (f"{socket.gethostname()}:999999999", dt.timedelta(minutes=30)),  # dead process here
        ("other-machine:1", -dt.timedelta(seconds=1)),  # lease expired elsewhere
    ],
)
def test_a_run_stuck_running_is_abandoned_and_rerun(jobs, locked_by, until):
    now = timezone.now()
    stuck = JobRun.objects.create(
        job="sample.count",
        trigger=Trigger.SCHEDULE,
        now=at(2025, 10, 10, 9, 0),
        slot=at(2025, 10, 10, 9, 0),
        started_at=now - dt.timedelta(minutes=1),
        outcome=Outcome.RUNNING,
        runner=locked_by,
    )
    JobState.objects.create(
        name="sample.count",
        last_slot=at(2025, 10, 9, 9, 0),
        lock_token="dead",
        locked_by=locked_by,
        locked_until=now + until,
    )
    with jobs("sample.count"):
        runs = runner.run_due(at(2025, 10, 10, 9, 2))
    stuck.refresh_from_db()
    assert stuck.outcome == Outcome.ABANDONED
    assert "运行中断" in stuck.error
    assert [r.outcome for r in runs] == [Outcome.SUCCEEDED]
    assert written("count") == 1


def test_manual_runs_do_not_move_the_schedule(jobs):
    with jobs("sample.count"):
        run = runner.run_job(BY_NAME["sample.count"], now=at(2025, 10, 10, 8, 0))
        assert run.trigger == Trigger.MANUAL
        assert [r.job for r in runner.run_due(at(2025, 10, 10, 9, 1))] == ["sample.count"]
    assert written("count") == 2


def test_every_declared_job_has_a_valid_schedule_and_unique_name(db):
    jobs = runner.registered_jobs()
    names = [j.name for j in jobs]
    assert len(names) == len(set(names))
    for job in jobs:
        runner.schedule_of(job)  # raises InvalidInput with a Chinese message if not
