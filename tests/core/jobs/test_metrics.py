"""QINQING_PROMETHEUS=1 adds /metrics with request and job metrics (checked in a fresh
process, since the setting changes INSTALLED_APPS and the middleware)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.core.jobs.conftest import REPO

pytestmark = pytest.mark.slow

SCRIPT = """
import django, os
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from qinqing.core.jobs import runner
from tests.core.jobs.sample_jobs import JOBS
import datetime as dt
with runner.override_jobs([j for j in JOBS if j.name == "sample.boom"]):
    runner.run_due(dt.datetime(2025, 10, 10, 9, 1, tzinfo=dt.UTC))
c = Client()
c.get("/healthz")
body = c.get("/metrics").content.decode()
print(body)
"""


def test_metrics_show_requests_and_jobs(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "QINQING_PROMETHEUS": "1",
        "QINQING_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "sqlite://:memory:",
        "DJANGO_SETTINGS_MODULE": "qinqing.settings",
        "PYTHONPATH": str(REPO),
    }
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'qinqing_job_runs_total{job="sample.boom",outcome="failed"} 1.0' in out.stdout
    assert 'qinqing_job_failing{job="sample.boom"} 1.0' in out.stdout
    assert "django_http_requests_total_by_view_transport_method_total" in out.stdout
