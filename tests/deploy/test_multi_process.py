"""What one machine allows of the several-machine deployment (docs/deploy.md): two web
processes on different ports and two Celery workers against one database and Redis. A
session made on one web process is valid on the other; due jobs sent twice (as if two
beats ran) run once each."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

from tests.core.jobs.conftest import _migrated_sqlite, process_db  # noqa: F401
from tests.core.jobs.test_celery import NOW, _wait_for, redis_broker, workers  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="several machines share PostgreSQL; run with DATABASE_URL=postgres://…",
    ),
]

PASSWORD = "Qinqing-test-2026"  # tests/world.py


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_web_processes(process_db, world):  # noqa: F811
    """``qinqing serve`` twice, each on its own port, sharing one secret key and database."""
    from django.contrib.auth.hashers import Argon2PasswordHasher

    # the tests hash with MD5 for speed; the served processes use the production hashers
    user = world.users["enterprise_a"]
    user.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    user.save(update_fields=["password"])
    ports = [_free_port(), _free_port()]
    procs = [
        process_db.start(
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "2",
            QINQING_SCHEDULER="off",
            QINQING_SECRET_KEY="multi-process-test-key-" + "x" * 40,
        )  # fmt: skip
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    deadline = time.monotonic() + 90
    for proc, url in zip(procs, urls, strict=True):
        while True:
            assert proc.poll() is None, proc.communicate()
            try:
                if requests.get(f"{url}/login/", timeout=20).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, f"{url} never answered"
            time.sleep(0.5)
    yield urls
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def _log_in(url: str, username: str) -> requests.Session:
    browser = requests.Session()
    form = browser.get(f"{url}/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    done = browser.post(
        f"{url}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/login/"},
        timeout=30,
    )
    assert done.status_code == 200 and "/login/" not in done.url, done.text[:500]
    return browser


def test_a_session_is_valid_on_both_web_processes_and_jobs_run_once(
    process_db,  # noqa: F811
    two_web_processes,
    workers,  # noqa: F811
):
    from qinqing.core.jobs.celery import tick

    a, b = two_web_processes
    browser = _log_in(a, "enterprise_a")
    session = browser.cookies.get("sessionid")
    assert session

    on_b = requests.get(f"{b}/", cookies={"sessionid": session}, timeout=30)
    assert on_b.status_code == 200 and "/login/" not in on_b.url  # signed in on B too
    stranger = requests.get(f"{b}/", timeout=30)
    assert "/login/" in stranger.url  # without the cookie B asks for a login

    # due jobs, sent twice (two beats by mistake), picked up by two workers
    tick.apply_async(kwargs={"now": NOW, "queue": workers}, queue=workers)
    tick.apply_async(kwargs={"now": NOW, "queue": workers}, queue=workers)
    expected = [
        ("sample.count", "succeeded"),
        ("sample.hang", "succeeded"),
        ("sample.slow", "succeeded"),
    ]
    sample_runs = "SELECT job, outcome FROM jobs_jobrun WHERE job LIKE %s ORDER BY job"
    assert _wait_for(process_db, sample_runs, ("sample.%",), expected) == expected
    running = "SELECT COUNT(*) FROM jobs_jobrun WHERE outcome = %s"
    assert _wait_for(process_db, running, ("running",), [(0,)]) == [(0,)]
    counts = dict(process_db.rows("SELECT job, COUNT(*) FROM jobs_jobrun GROUP BY job"))
    assert set(counts.values()) == {1}, counts
    # the work itself happened once: one audit event per sample job
    assert process_db.rows(
        "SELECT object_id, COUNT(*) FROM audit_auditevent WHERE verb = %s GROUP BY object_id "
        "ORDER BY object_id",
        ("sample.ran",),
    ) == [("count", 1), ("hang", 1), ("slow", 1)]

    # and the session still works on A after the jobs ran
    assert "/login/" not in browser.get(f"{a}/", timeout=30).url


def test_an_idle_connection_from_nginx_stays_usable(two_web_processes):
    """nginx reuses idle upstream connections for up to 60 s (deploy/nginx/qinqing.conf); if
    the application closed them sooner, a POST sent on one would fail with 502. A connection
    left idle for longer than gunicorn's default of 2 s still answers on the same socket."""
    import http.client
    from urllib.parse import urlparse

    where = urlparse(two_web_processes[0])
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    conn.request("GET", "/login/")
    first = conn.getresponse()
    first.read()
    assert first.status == 200 and first.getheader("Connection", "").lower() != "close"
    sock = conn.sock
    time.sleep(4)
    conn.request("GET", "/login/")  # raises RemoteDisconnected if the server closed it
    again = conn.getresponse()
    again.read()
    assert again.status == 200
    assert conn.sock is sock  # the same connection, not a new one
    conn.close()
