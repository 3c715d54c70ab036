"""Run scheduled jobs: once per slot, one run per job at a time across processes.

Every scheduler (the embedded one in ``qinqing serve``, ``qinqing jobs run-due`` from cron,
a Celery worker) goes through :func:`run_job`, so the guarantees hold whichever runs it:

1. **Lock.** A run takes the job's lease with one conditional UPDATE on its
   :class:`JobState` row; a second scheduler finds it taken and leaves (no run row).
2. **Once per slot.** Holding the lock, the runner re-reads ``last_slot``; a slot another
   scheduler already handled is not run again.
3. **All or nothing.** The job function, the run's final row and the advance of
   ``last_slot`` commit in one transaction. A process killed mid-run leaves the slot
   unhandled and a run row stuck at "running"; the next runner that gets the lock marks
   that row abandoned and runs the slot again.
4. **Catch-up.** After downtime a ``catch_up="once"`` job runs once for all the slots it
   missed (``now`` = the real time); a ``catch_up="each"`` job runs once per missed slot,
   oldest first, with ``now`` = that slot (at most ``QINQING_JOBS_MAX_CATCH_UP`` slots; the
   older ones are recorded as one skipped run).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from qinqing.core.errors import InvalidInput
from qinqing.core.jobs.models import JobRun, JobState, Outcome, Trigger
from qinqing.core.jobs.schedule import Schedule, parse
from qinqing.core.manifest import Job, all_jobs

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 3600  # the longest a job may run before another runner may take over
FIRST_LOOK_BACK = dt.timedelta(days=1)  # a job seen for the first time catches up one day


class MissingJobFunction(LookupError):
    """The job's ``func`` cannot be imported (a module not installed yet, a typo)."""


class JobSkipped(Exception):
    """Raise from a job function to end the run as 跳过 (skipped) with a reason in Chinese."""


_override: list[Job] | None = None


@contextmanager
def override_jobs(jobs: list[Job]) -> Iterator[None]:
    """Replace the registered jobs (tests)."""
    global _override
    before, _override = _override, list(jobs)
    try:
        yield
    finally:
        _override = before


def registered_jobs() -> list[Job]:
    """The manifests' jobs, plus ``settings.QINQING_EXTRA_JOBS`` (site-specific jobs)."""
    if _override is not None:
        return list(_override)
    return [*all_jobs(), *getattr(settings, "QINQING_EXTRA_JOBS", ())]


def get_job(name: str) -> Job:
    for job in registered_jobs():
        if job.name == name:
            return job
    names = "、".join(j.name for j in registered_jobs())
    raise InvalidInput(f"没有名为“{name}”的定时任务。现有任务：{names}。")


def schedule_of(job: Job) -> Schedule:
    return parse(job.schedule)


def is_workday(day: dt.date) -> bool:
    """The working-day calendar in force; Monday to Friday if it cannot answer."""
    try:
        from qinqing.core.workdays import get_calendar

        return get_calendar().is_workday(day)
    except Exception:  # a missing year must not stop the scheduler
        log.warning("working-day calendar has no answer for %s; using Monday-Friday", day)
        return day.weekday() < 5


def runner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease() -> dt.timedelta:
    return dt.timedelta(
        seconds=int(getattr(settings, "QINQING_JOBS_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    )


def _holder_is_dead(locked_by: str) -> bool:
    """Whether the lock holder is a process of this machine that no longer exists."""
    host, _, pid = locked_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _state(job: Job) -> JobState:
    state, _ = JobState.objects.get_or_create(name=job.name)
    return state


def lock_is_held(state: JobState, clock: dt.datetime) -> bool:
    return bool(
        state.lock_token
        and state.locked_until is not None
        and state.locked_until >= clock
        and not _holder_is_dead(state.locked_by)
    )


def acquire(name: str) -> str | None:
    """Take the job's lock; the token to release it, or None if another runner holds it."""
    clock = timezone.now()
    token = uuid.uuid4().hex
    JobState.objects.get_or_create(name=name)
    free = Q(lock_token="") | Q(locked_until__lt=clock)
    holder = JobState.objects.filter(name=name).values_list("locked_by", flat=True).first()
    if holder and _holder_is_dead(holder):
        free |= Q(locked_by=holder)
    taken = (
        JobState.objects.filter(name=name)
        .filter(free)
        .update(lock_token=token, locked_by=runner_id(), locked_until=clock + _lease())
    )
    return token if taken else None


def release(name: str, token: str) -> None:
    JobState.objects.filter(name=name, lock_token=token).update(
        lock_token="", locked_by="", locked_until=None
    )


def _resolve(job: Job) -> Callable[[dt.datetime], object]:
    module_name, _, attr = job.func.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        func = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise MissingJobFunction(
            f"找不到任务函数 {job.func}（{type(exc).__name__}: {exc}）。"
            "请检查该模块是否已安装、函数名是否写对。"
        ) from exc
    return cast("Callable[[dt.datetime], object]", func)


def _counts(result: object) -> dict[str, int]:
    """A job's result as ``{name: int}`` (dicts as they are; dataclasses by their int fields)."""
    if result is None:
        return {}
    items: Iterable[tuple[object, object]]
    if isinstance(result, dict):
        items = result.items()
    elif dataclasses.is_dataclass(result):
        items = ((f.name, getattr(result, f.name)) for f in dataclasses.fields(result))
    else:
        return {}
    return {str(k): int(v) for k, v in items if isinstance(v, int | bool)}


def _abandon_stale_runs(name: str, clock: dt.datetime) -> int:
    """Runs left "running" by a dead runner (we hold the lock, so none is alive)."""
    return JobRun.objects.filter(job=name, outcome=Outcome.RUNNING).update(
        outcome=Outcome.ABANDONED,
        finished_at=clock,
        error="运行中断：运行该任务的进程已退出（被终止或机器重启），所做修改已全部撤销，将重新运行。",
    )


def _finish(
    run: JobRun, outcome: str, *, counts: dict[str, int] | None = None, error: str = ""
) -> None:
    run.outcome = outcome
    run.finished_at = timezone.now()
    run.counts = counts or {}
    run.error = error
    run.save(update_fields=["outcome", "finished_at", "counts", "error"])


def run_job(
    job: Job,
    *,
    now: dt.datetime,
    slot: dt.datetime | None = None,
    missed: int = 1,
    trigger: str = Trigger.MANUAL,
    actor: str = "",
) -> JobRun | None:
    """Run ``job`` once as of ``now``; None when another runner holds it or did this slot.

    ``slot`` (scheduled runs): the latest schedule slot this run handles; the run is skipped
    if ``last_slot`` already reached it. Manual runs pass no slot and do not move it.
    """
    token = acquire(job.name)
    if token is None:
        log.info("job %s is running elsewhere; not started", job.name)
        return None
    try:
        state = JobState.objects.get(name=job.name)
        if slot is not None and state.last_slot is not None and state.last_slot >= slot:
            return None  # another scheduler handled this slot while we waited
        clock = timezone.now()
        _abandon_stale_runs(job.name, clock)
        run = JobRun.objects.create(
            job=job.name,
            trigger=trigger,
            slot=slot,
            now=now,
            missed=missed,
            started_at=clock,
            outcome=Outcome.RUNNING,
            runner=runner_id(),
            actor=actor,
        )
        try:
            func = _resolve(job)
            with transaction.atomic():
                result = func(now)
                _finish(run, Outcome.SUCCEEDED, counts=_counts(result))
                _advance(job.name, slot, run)
        except JobSkipped as exc:
            _finish(run, Outcome.SKIPPED, error=str(exc))
            _advance(job.name, slot, run)
        except Exception as exc:
            log.exception("job %s failed", job.name)
            text = str(exc) if isinstance(exc, MissingJobFunction) else _error_text(exc)
            _finish(run, Outcome.FAILED, error=text)
            _advance(job.name, slot, run)
        return run
    finally:
        release(job.name, token)


def _error_text(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    text = "".join(lines)
    return text[-4000:]


def _advance(name: str, slot: dt.datetime | None, run: JobRun) -> None:
    fields: dict[str, object] = {"last_run": run}
    if slot is not None:
        JobState.objects.filter(name=name).filter(
            Q(last_slot__isnull=True) | Q(last_slot__lt=slot)
        ).update(last_slot=slot)
    JobState.objects.filter(name=name).update(**fields)


@dataclass(frozen=True)
class DueWork:
    """One run owed by the schedule: ``job`` as of ``now``, handling slots up to ``slot``."""

    job: Job
    now: dt.datetime
    slot: dt.datetime
    missed: int
    trigger: str


def max_catch_up() -> int:
    return int(getattr(settings, "QINQING_JOBS_MAX_CATCH_UP", 31))


def due_work(now: dt.datetime, jobs: list[Job] | None = None) -> list[DueWork]:
    """What the schedule owes at ``now``, for every job (reads only the state rows)."""
    owed: list[DueWork] = []
    for job in registered_jobs() if jobs is None else jobs:
        state = _state(job)
        try:
            schedule = schedule_of(job)
        except InvalidInput:
            log.error("job %s has an invalid schedule %r", job.name, job.schedule)
            continue
        if state.last_slot is None:
            # a job seen for the first time runs its latest slot of the last day, not a
            # catch-up of every slot before it was installed
            latest = schedule.latest_at_or_before(now, is_workday, horizon_days=2)
            slots = [latest] if latest is not None and now - latest <= FIRST_LOOK_BACK else []
        else:
            slots = list(schedule.slots(state.last_slot, now, is_workday))
        if not slots:
            continue
        late = now - slots[-1] > dt.timedelta(minutes=10) or len(slots) > 1
        trigger = Trigger.CATCH_UP if late else Trigger.SCHEDULE
        if job.catch_up == "each":
            limit = max_catch_up()
            if len(slots) > limit:
                owed.append(
                    DueWork(job, slots[-limit - 1], slots[-limit - 1], len(slots) - limit, "drop")
                )
                slots = slots[-limit:]
            owed.extend(
                DueWork(job, s, s, 1, trigger if s != slots[-1] or late else Trigger.SCHEDULE)
                for s in slots
            )
        else:
            owed.append(DueWork(job, now, slots[-1], len(slots), trigger))
    return owed


def _record_dropped(work: DueWork) -> JobRun | None:
    token = acquire(work.job.name)
    if token is None:
        return None
    try:
        state = JobState.objects.get(name=work.job.name)
        if state.last_slot is not None and state.last_slot >= work.slot:
            return None
        clock = timezone.now()
        run = JobRun.objects.create(
            job=work.job.name,
            trigger=Trigger.CATCH_UP,
            slot=work.slot,
            now=work.now,
            missed=work.missed,
            started_at=clock,
            finished_at=clock,
            outcome=Outcome.SKIPPED,
            runner=runner_id(),
            error=(
                f"停机期间错过 {work.missed} 次计划运行，超过补跑上限"
                f"（{max_catch_up()} 次），较早的 {work.missed} 次未补跑。"
            ),
        )
        _advance(work.job.name, work.slot, run)
        return run
    finally:
        release(work.job.name, token)


def execute(work: DueWork) -> JobRun | None:
    if work.trigger == "drop":
        return _record_dropped(work)
    return run_job(work.job, now=work.now, slot=work.slot, missed=work.missed, trigger=work.trigger)


def run_due(
    now: dt.datetime | None = None,
    *,
    dispatch: Callable[[DueWork], object] | None = None,
) -> list[JobRun]:
    """Run (or, with ``dispatch``, hand to a task queue) every run the schedule owes."""
    now = now or timezone.now()
    runs: list[JobRun] = []
    for work in due_work(now):
        if dispatch is not None:
            dispatch(work)
            continue
        run = execute(work)
        if run is not None:
            runs.append(run)
    return runs


@dataclass(frozen=True)
class JobStatus:
    job: Job
    schedule: str
    last_run: JobRun | None
    next_run: dt.datetime | None
    status: str  # ok | failed | skipped | abandoned | running | never | invalid
    error: str = ""


def statuses(now: dt.datetime | None = None) -> list[JobStatus]:
    """Every job with its last run, next slot and status (for the CLI and 系统运行)."""
    now = now or timezone.now()
    clock = timezone.now()
    states = {s.name: s for s in JobState.objects.select_related("last_run")}
    running = set(
        JobRun.objects.filter(outcome=Outcome.RUNNING).values_list("job", flat=True).distinct()
    )
    out = []
    for job in registered_jobs():
        state = states.get(job.name)
        last = state.last_run if state else None
        try:
            sched = schedule_of(job)
        except InvalidInput as exc:
            out.append(JobStatus(job, job.schedule, last, None, "invalid", exc.message))
            continue
        after = max(now, state.last_slot) if state and state.last_slot else now
        next_run = sched.next_after(after, is_workday)
        if job.name in running and state is not None and lock_is_held(state, clock):
            status = "running"
        elif job.name in running:
            status = "abandoned"
        elif last is None:
            status = "never"
        elif last.outcome == Outcome.SUCCEEDED:
            status = "ok"
        else:
            status = str(last.outcome)
        out.append(
            JobStatus(job, sched.describe(), last, next_run, status, last.error if last else "")
        )
    return out
