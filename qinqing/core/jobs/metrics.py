"""Prometheus metrics of the jobs, read from the database at scrape time.

Jobs run in the scheduler process or on Celery workers, not in the web process that
serves /metrics, so in-process counters would miss them; the run table is the truth.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

log = logging.getLogger(__name__)

_registered = False


class JobCollector:
    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        from qinqing.core.jobs.models import JobRun, JobState

        runs = CounterMetricFamily(
            "qinqing_job_runs", "Job runs recorded, by job and outcome", labels=["job", "outcome"]
        )
        last_ok = GaugeMetricFamily(
            "qinqing_job_last_success_timestamp_seconds",
            "When the job last finished successfully",
            labels=["job"],
        )
        duration = GaugeMetricFamily(
            "qinqing_job_last_duration_seconds", "How long the last run took", labels=["job"]
        )
        failing = GaugeMetricFamily(
            "qinqing_job_failing", "1 if the job's last run did not succeed", labels=["job"]
        )
        try:
            from django.db.models import Count, Max

            for row in JobRun.objects.values("job", "outcome").annotate(n=Count("pk")):
                runs.add_metric([row["job"], row["outcome"]], row["n"])
            for row in (
                JobRun.objects.filter(outcome="succeeded")
                .values("job")
                .annotate(at=Max("finished_at"))
            ):
                if row["at"] is not None:
                    last_ok.add_metric([row["job"]], row["at"].timestamp())
            for state in JobState.objects.select_related("last_run").exclude(last_run=None):
                run = state.last_run
                if run is None:
                    continue
                if run.duration_seconds is not None:
                    duration.add_metric([state.name], run.duration_seconds)
                failing.add_metric([state.name], 0 if run.outcome == "succeeded" else 1)
        except Exception:
            log.exception("job metrics could not be read")
        yield runs
        yield last_ok
        yield duration
        yield failing


def register_collector() -> None:
    global _registered
    if _registered:
        return
    from prometheus_client import REGISTRY

    REGISTRY.register(JobCollector())
    _registered = True
