"""Every sweep, roll-up and refresh of the platform is a job that runs, and reruns, cleanly."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.cli.main import main
from qinqing.core.jobs import runner
from qinqing.core.jobs.models import Outcome
from qinqing.core.jobs.schedule import TZ

PLATFORM_JOBS = [
    "appeals.sweep",
    "appeals.roll_up",
    "supervision.sweep",
    "policies.sweep",
    "policies.refresh_matching",
    "inspections.flag_overdue",
    "workdays.recompute_deadlines",
]


def test_the_platform_declares_its_jobs(db):
    names = {j.name for j in runner.registered_jobs()}
    assert set(PLATFORM_JOBS) <= names


@pytest.mark.parametrize("name", PLATFORM_JOBS[:-1])
def test_each_platform_job_runs_twice_on_the_demo_world(world, name):
    job = runner.get_job(name)
    now = dt.datetime(2025, 10, 10, 9, 0, tzinfo=TZ)  # Friday, a working day
    first = runner.run_job(job, now=now)
    second = runner.run_job(job, now=now)
    assert (first.outcome, second.outcome) == (Outcome.SUCCEEDED, Outcome.SUCCEEDED), (
        first.error or second.error
    )
    assert all(isinstance(v, int) for v in first.counts.values())


def test_policies_sweep_is_a_qinqing_command(db, capsys):
    assert main(["policies", "sweep", "--now", "2025-10-10T09:30"]) == 0
    assert "上级资金新标记逾期 0 笔" in capsys.readouterr().out
