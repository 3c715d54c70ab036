"""/healthz: what a monitor needs to know, nothing it must not (no paths, hosts or errors).

``status`` is ``ok``; ``degraded`` when a job failed or is late (the site still serves:
HTTP 200); ``error`` when the database, the cache or upload storage does not work (503).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

log = logging.getLogger(__name__)

LATE_AFTER = dt.timedelta(minutes=15)  # the scheduler ticks every minute; allow a long job


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        log.exception("health: database check failed")
        return {"ok": False}
    return {"ok": True, "vendor": connection.vendor}


def _cache() -> dict[str, Any]:
    key = f"qinqing:healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", 10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:
        log.exception("health: cache check failed")
        ok = False
    return {"ok": ok}


def _storage() -> dict[str, Any]:
    name = f"healthz/{uuid.uuid4().hex}.txt"
    try:
        saved = default_storage.save(name, ContentFile(b"ok"))
        default_storage.delete(saved)
    except Exception:
        log.exception("health: upload storage check failed")
        return {"ok": False}
    return {"ok": True}


def _jobs(now: dt.datetime) -> dict[str, Any]:
    from qinqing.core.jobs.models import PROBLEM_OUTCOMES, JobRun, JobState
    from qinqing.core.jobs.runner import is_workday, registered_jobs, schedule_of

    states = {s.name: s for s in JobState.objects.all()}
    outcome_of = dict(
        JobRun.objects.filter(
            pk__in=[s.last_run_id for s in states.values() if s.last_run_id]
        ).values_list("job", "outcome")
    )
    late, failing = [], []
    last_finished = None
    for job in registered_jobs():
        state = states.get(job.name)
        if outcome_of.get(job.name) in PROBLEM_OUTCOMES:
            failing.append(job.name)
        if state is None or state.last_slot is None:
            continue  # not scheduled yet: the scheduler has not seen this job
        try:
            owed = next(schedule_of(job).slots(state.last_slot, now - LATE_AFTER, is_workday), None)
        except Exception:
            owed = None
        if owed is not None:
            late.append(job.name)
    finished = JobRun.objects.exclude(finished_at=None).order_by("-finished_at").first()
    if finished is not None and finished.finished_at is not None:
        last_finished = finished.finished_at.isoformat()
    return {
        "ok": not late and not failing,
        "total": len(registered_jobs()),
        "late": sorted(late),
        "failing": sorted(failing),
        "last_finished_at": last_finished,
    }


def check(now: dt.datetime) -> dict[str, Any]:
    database = _database()
    checks = {"database": database, "cache": _cache(), "storage": _storage()}
    try:
        jobs = _jobs(now) if database["ok"] else {"ok": False}
    except Exception:
        log.exception("health: job check failed")
        jobs = {"ok": False}
    essential = all(c["ok"] for c in checks.values())
    status = "error" if not essential else ("ok" if jobs["ok"] else "degraded")
    return {"status": status, "time": now.isoformat(), **checks, "jobs": jobs}
