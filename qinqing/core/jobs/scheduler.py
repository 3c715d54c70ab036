"""The embedded scheduler: ``run_due`` every minute, in its own process.

``qinqing serve`` starts it as a child of the gunicorn master (gunicorn_conf.py), so there
is exactly one per ``serve`` however many web workers there are; the database lock makes a
second one (another machine, a stray cron line) harmless anyway. It is a process rather
than a thread of the master because the master forks web workers, and forking a process
that runs threads can deadlock the children.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.db import close_old_connections

log = logging.getLogger(__name__)


def tick() -> int:
    """One pass: run what is due; never raises (the loop must survive a bad job)."""
    from qinqing.core.jobs.runner import run_due

    close_old_connections()
    try:
        return len(run_due())
    except Exception:
        log.exception("scheduler pass failed")
        return 0
    finally:
        close_old_connections()


def run_forever(*, interval: int = 60, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        tick()
        # wake at the start of the next interval, so "09:00" runs at 09:00:0x
        stop.wait(interval - (time.time() % interval) + 0.5)
