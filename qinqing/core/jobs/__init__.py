"""Scheduled jobs (定时任务), the 系统运行 page, banners for problems, and health checks.

Public API (see docs/dev/jobs.md):

* jobs are declared in app manifests (:class:`qinqing.core.manifest.Job`) and run by
  :mod:`qinqing.core.jobs.runner` (``qinqing jobs run-due``, the embedded scheduler of
  ``qinqing serve``, or Celery workers: :mod:`qinqing.core.jobs.celery`);
* :func:`report_problem` / :func:`resolve_problem`: an app reports something an
  administrator must handle (a review cycle that could not open); it is shown as a banner
  on the office's and the site administrator's pages until resolved;
* :class:`qinqing.core.jobs.runner.JobSkipped`: raised by a job to end its run as skipped.

Nothing is imported at package level, so apps may import this package from anywhere.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def report_problem(key: str, text: str, url: str = "", *, now: dt.datetime | None = None) -> bool:
    """Report (or report again) a problem; True when it is new or had been resolved."""
    from qinqing.core.jobs import service

    return service.report_problem(key, text, url, now=now)


def resolve_problem(key: str, *, actor: Any = None, now: dt.datetime | None = None) -> bool:
    """Mark a problem handled (the banner goes); True when there was an open one."""
    from qinqing.core.jobs import service

    return service.resolve_problem(key, actor=actor, now=now)
