"""Real processes against one database: two schedulers at once run each job once; a job
killed mid-run leaves nothing half-written and runs again cleanly."""

from __future__ import annotations

import signal
import time

import pytest

pytestmark = pytest.mark.slow

NOW = "2025-10-10T09:01"  # Friday, a working day: every working-day job is due


def _wait(proc, timeout=120):
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode in (0, 1), err  # 1: some job failed (reported, not a crash)
    return out


def test_two_schedulers_started_at_once_run_each_job_once(process_db):
    first = process_db.start("jobs", "run-due", "--now", NOW, QINQING_SAMPLE_SLEEP="2")
    second = process_db.start("jobs", "run-due", "--now", NOW, QINQING_SAMPLE_SLEEP="2")
    out = _wait(first) + _wait(second)

    per_job = dict(process_db.rows("SELECT job, COUNT(*) FROM jobs_jobrun GROUP BY job"))
    assert per_job, out
    assert set(per_job.values()) == {1}, per_job
    assert {"sample.slow", "sample.count", "supervision.sweep", "appeals.sweep"} <= set(per_job)
    # the work itself happened once: one audit event per sample job
    assert process_db.rows(
        "SELECT object_id, COUNT(*) FROM audit_auditevent WHERE verb = %s GROUP BY object_id "
        "ORDER BY object_id",
        ("sample.ran",),
    ) == [("count", 1), ("hang", 1), ("slow", 1)]
    # and each job is reported by exactly one of the two processes
    assert out.count("（sample.slow）") == 1


def test_a_job_killed_mid_run_leaves_nothing_and_is_rerun(process_db, tmp_path):
    flag = tmp_path / "hang-started"
    proc = process_db.start("jobs", "run-due", "--now", NOW, QINQING_SAMPLE_FLAG=str(flag))
    deadline = time.monotonic() + 120
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the hanging job never started"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    hang = "SELECT outcome FROM jobs_jobrun WHERE job = %s ORDER BY id"
    events = "SELECT COUNT(*) FROM audit_auditevent WHERE verb = %s AND object_id = %s"
    assert process_db.rows(hang, ("sample.hang",)) == [("running",)]
    assert process_db.rows(events, ("sample.ran", "hang")) == [(0,)]  # its write was undone

    out = _wait(process_db.start("jobs", "run-due", "--now", NOW))
    assert "示例：会被终止（sample.hang）：成功" in out
    assert process_db.rows(hang, ("sample.hang",)) == [("abandoned",), ("succeeded",)]
    assert process_db.rows(events, ("sample.ran", "hang")) == [(1,)]
    # jobs that had finished before the kill are not run again
    assert process_db.rows(
        "SELECT COUNT(*) FROM jobs_jobrun WHERE job = %s", ("supervision.sweep",)
    ) == [(1,)]
