"""Settings for job tests run in subprocesses: the platform's plus the sample jobs."""

from qinqing.settings import *  # noqa: F403
from tests.core.jobs.sample_jobs import JOBS

QINQING_EXTRA_JOBS = [j for j in JOBS if j.name in ("sample.slow", "sample.hang", "sample.count")]
