"""Production scheduling on Celery with Redis; beat's schedule lives in the database.

    celery -A qinqing.core.jobs.celery worker --concurrency 2      # on every machine, N times
    celery -A qinqing.core.jobs.celery beat                         # once (a second is harmless)

Beat (django-celery-beat's DatabaseScheduler) sends ``qinqing.jobs.tick`` every minute. The
tick works out what the working-day schedules owe (:func:`runner.due_work`) and sends one
``qinqing.jobs.run`` message per run; any worker on any machine takes it and runs it through
:func:`runner.execute`, which holds the job's database lock, so a run never happens twice
even with two beats, a redelivered message or the embedded scheduler still switched on.
"""

from __future__ import annotations

import datetime as dt
import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinqing.settings")

app = Celery("qinqing")
app.config_from_object("django.conf:settings", namespace="CELERY")

TICK = "qinqing.jobs.tick"
RUN = "qinqing.jobs.run"
BEAT_TASK_NAME = "亲清定时任务：每分钟检查到期任务"


@app.task(name=TICK, ignore_result=True)
def tick(now: str | None = None, queue: str | None = None) -> int:
    """Send one ``run`` message per run the schedule owes at ``now`` (default: the clock),
    to ``queue`` (default: the default queue)."""
    from django.utils import timezone

    from qinqing.core.jobs import runner

    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    sent = 0

    def dispatch(work: runner.DueWork) -> None:
        nonlocal sent
        run_task.apply_async(
            args=[
                work.job.name,
                work.now.isoformat(),
                work.slot.isoformat(),
                work.missed,
                work.trigger,
            ],
            **({"queue": queue} if queue else {}),
        )
        sent += 1

    runner.run_due(moment, dispatch=dispatch)
    return sent


@app.task(name=RUN, ignore_result=True)
def run_task(
    name: str, now: str, slot: str | None = None, missed: int = 1, trigger: str = "manual"
) -> str:
    """Run one job (scheduled slot or by hand); returns the run's outcome ("" if not run)."""
    from qinqing.core.jobs import runner

    job, moment = runner.get_job(name), dt.datetime.fromisoformat(now)
    if not slot:  # by hand, outside the schedule
        run = runner.run_job(job, now=moment, trigger=trigger)
    else:
        work = runner.DueWork(job, moment, dt.datetime.fromisoformat(slot), missed, trigger)
        run = runner.execute(work)
    return run.outcome if run is not None else ""


def sync_beat_schedule() -> None:
    """Store the one-minute tick in django-celery-beat's tables (idempotent)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(every=60, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.update_or_create(
        name=BEAT_TASK_NAME, defaults={"task": TICK, "interval": every, "enabled": True}
    )


@beat_init.connect
def _on_beat_init(sender: object = None, **kwargs: object) -> None:
    import django

    django.setup()
    sync_beat_schedule()
