"""gunicorn hooks for ``qinqing serve``: start the embedded scheduler once, in the master.

Used as ``gunicorn -c python:qinqing.core.jobs.gunicorn_conf``; QINQING_SCHEDULER=off (or
anything but ``embedded``) leaves scheduling to Celery or cron.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

_child: subprocess.Popen[bytes] | None = None


def when_ready(server: Any) -> None:  # gunicorn.arbiter.Arbiter
    global _child
    if os.environ.get("QINQING_SCHEDULER", "embedded") != "embedded":
        server.log.info(
            "embedded scheduler off (QINQING_SCHEDULER=%s)", os.environ["QINQING_SCHEDULER"]
        )
        return
    _child = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "qinqing.cli.main", "jobs", "scheduler"],
    )
    server.log.info("embedded scheduler started (pid %s)", _child.pid)


def on_exit(server: Any) -> None:
    if _child is not None and _child.poll() is None:
        _child.terminate()
        try:
            _child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _child.kill()
