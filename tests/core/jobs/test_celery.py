"""Production mode: real Celery workers on Redis run the jobs, each once, from the tick
that beat sends every minute (two ticks here, as if two beats ran by mistake)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from tests.core.jobs.conftest import REPO

pytestmark = pytest.mark.slow

BROKER = os.environ.get("QINQING_CELERY_BROKER", "redis://127.0.0.1:6379/0")
NOW = "2025-10-10T09:01:00+08:00"


@pytest.fixture
def redis_broker():
    import redis

    client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        message = f"Redis does not answer at {BROKER}: run scripts/ensure-redis.sh"
        if os.environ.get("CI") == "true":
            pytest.fail(message)  # CI must prove the production path, never skip it
        pytest.skip(message)
    return client


@pytest.fixture
def workers(process_db, redis_broker):
    queue = f"qinqing-test-{uuid.uuid4().hex[:12]}"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "qinqing.core.jobs.celery",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "-n",
                f"{queue}-{i}@%h",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=REPO,
            env={**process_db.env, "QINQING_CELERY_BROKER": BROKER, "QINQING_SAMPLE_SLEEP": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    yield queue
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    logs = []
    for proc in procs:
        try:
            logs.append(proc.communicate(timeout=30)[0])
        except subprocess.TimeoutExpired:
            proc.kill()
            logs.append(proc.communicate()[0])
    redis_broker.delete(queue)
    print("\n".join(logs))  # shown when the test fails


def _wait_for(process_db, sql, params, expected, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        got = process_db.rows(sql, params)
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def test_celery_workers_run_each_due_job_once(process_db, workers):
    from qinqing.core.jobs.celery import run_task, tick

    tick.apply_async(kwargs={"now": NOW, "queue": workers}, queue=workers)
    tick.apply_async(kwargs={"now": NOW, "queue": workers}, queue=workers)
    sample_runs = "SELECT job, outcome FROM jobs_jobrun WHERE job LIKE %s ORDER BY job"
    expected = [
        ("sample.count", "succeeded"),
        ("sample.hang", "succeeded"),
        ("sample.slow", "succeeded"),
    ]
    assert _wait_for(process_db, sample_runs, ("sample.%",), expected) == expected
    per_job = _wait_for(
        process_db,
        "SELECT COUNT(*) FROM jobs_jobrun WHERE outcome = %s",
        ("running",),
        [(0,)],
    )
    assert per_job == [(0,)]
    counts = dict(process_db.rows("SELECT job, COUNT(*) FROM jobs_jobrun GROUP BY job"))
    assert set(counts.values()) == {1}, counts
    assert "supervision.sweep" in counts

    # 立即运行 through the queue: a manual run, recorded like any other
    run_task.apply_async(args=["sample.count", NOW], queue=workers)
    manual = _wait_for(
        process_db,
        "SELECT trigger, outcome FROM jobs_jobrun WHERE job = %s ORDER BY id",
        ("sample.count",),
        [("schedule", "succeeded"), ("manual", "succeeded")],
    )
    assert manual == [("schedule", "succeeded"), ("manual", "succeeded")]


def test_beat_keeps_one_tick_a_minute_in_the_database(db):
    from django_celery_beat.models import PeriodicTask

    from qinqing.core.jobs.celery import TICK, sync_beat_schedule

    sync_beat_schedule()
    sync_beat_schedule()  # every beat start: idempotent
    task = PeriodicTask.objects.get(task=TICK)
    assert task.enabled
    assert (task.interval.every, task.interval.period) == (60, "seconds")
