"""Writes of the jobs app: problems reported and resolved, jobs run by hand (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from qinqing.core import audit
from qinqing.core.jobs.models import JobRun, Problem, Trigger

SYSTEM_ACTOR = "system:jobs"


@transaction.atomic
def report_problem(key: str, text: str, url: str = "", *, now: dt.datetime | None = None) -> bool:
    """Store or refresh an open problem; audited when it opens (not each time it is seen)."""
    now = now or timezone.now()
    problem = Problem.objects.select_for_update().filter(key=key).first()
    if problem is None:
        problem = Problem.objects.create(
            key=key, text=text, url=url, reported_at=now, last_seen_at=now
        )
        audit.record(SYSTEM_ACTOR, "problem.reported", problem, after={"text": text}, now=now)
        return True
    reopened = problem.resolved_at is not None
    problem.text, problem.url, problem.last_seen_at = text, url, now
    if reopened:
        problem.resolved_at, problem.resolved_by, problem.reported_at = None, "", now
        audit.record(SYSTEM_ACTOR, "problem.reported", problem, after={"text": text}, now=now)
    problem.save()
    return reopened


@transaction.atomic
def resolve_problem(key: str, *, actor: Any = None, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    problem = Problem.objects.select_for_update().filter(key=key, resolved_at=None).first()
    if problem is None:
        return False
    problem.resolved_at = now
    problem.resolved_by = getattr(actor, "username", None) or str(actor or SYSTEM_ACTOR)
    problem.save(update_fields=["resolved_at", "resolved_by"])
    audit.record(
        actor or SYSTEM_ACTOR, "problem.resolved", problem, before={"text": problem.text}, now=now
    )
    return True


def run_job_now(name: str, *, actor: Any, now: dt.datetime | None = None) -> JobRun | None:
    """立即运行: run a job by hand (not moving its schedule); the request is audited first.

    The audit row commits before the run so that a failing job still leaves the trace of
    who started it; the job itself runs in its own transaction (see runner.run_job).
    """
    from qinqing.core.jobs.runner import get_job, run_job

    job = get_job(name)
    now = now or timezone.now()
    with transaction.atomic():
        audit.record(actor, "job.run_requested", ("job", job.name, job.label), now=now)
    label = getattr(actor, "username", None) or str(actor)
    return run_job(job, now=now, trigger=Trigger.MANUAL, actor=label)
