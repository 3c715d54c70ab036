"""What every benchmark script needs, written once.

A benchmark under ``bench/`` builds its own throwaway PostgreSQL database (or none), loads
data with COPY, times the measured step against a baseline taken in the same run, and writes
``docs/bench/<name>.md`` with the machine, the date and the load average, which
``bench/collect.py`` assembles into ``docs/benchmarks.md``.
"""

from __future__ import annotations

import io
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
PG = os.environ.get("QINQING_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
T = TypeVar("T")


def admin_sql(sql: str) -> None:
    """Run ``sql`` on the server's ``postgres`` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(db: str | None, var: Path, *, migrate: bool = True) -> None:
    """Start Django on database ``db`` of the bench server (``None``: the embedded SQLite
    under ``var``), with uploads and keys under ``var``; migrate it."""
    var.mkdir(parents=True, exist_ok=True)
    os.environ.update(QINQING_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="qinqing.settings")
    if db is not None:
        os.environ["DATABASE_URL"] = f"{PG}/{db}"
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


@contextmanager
def throwaway_database(db: str, *, keep: bool = False) -> Iterator[None]:
    """A fresh database ``db`` for the run, dropped afterwards unless ``keep``."""
    admin_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {db}")
    try:
        yield
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if not keep:
            admin_sql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def best(fn: Callable[[], T], repeat: int = 3) -> tuple[float, T]:
    """The fastest of ``repeat`` runs of ``fn`` (seconds) and the last result."""
    times: list[float] = []
    result: T
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def copy_rows(model: Any, n: int, columns: dict[str, Any]) -> None:
    """COPY ``n`` rows into ``model``'s table: arrays or scalars for the given columns,
    NULL or the field default for the rest; then move the id sequence past them."""
    import numpy as np
    import pandas as pd
    from django.db import connection

    data = {}
    for f in model._meta.concrete_fields:
        if f.column in columns:
            value = columns[f.column]
        elif f.primary_key:
            continue
        elif f.null:
            value = None
        elif f.has_default():
            default = f.get_default()
            value = json.dumps(default) if isinstance(default, list | dict) else default
        else:
            value = ""
        if isinstance(value, np.ndarray) and value.dtype == bool:
            value = np.where(value, "t", "f")
        elif isinstance(value, bool):
            value = "t" if value else "f"
        data[f.column] = value if isinstance(value, np.ndarray | list) else [value] * n
    frame = pd.DataFrame(data)
    cols = ", ".join(f'"{c}"' for c in frame.columns)
    table = model._meta.db_table
    chunk = 200_000
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            for start in range(0, n, chunk):
                buffer = io.StringIO()
                frame.iloc[start : start + chunk].to_csv(
                    buffer, sep="\t", header=False, index=False, na_rep="\\N"
                )
                copy.write(buffer.getvalue())
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )


def bench_city(departments: int) -> tuple[Any, list[Any]]:
    """The benchmarks' city: 基准省 › 基准市 with its 营商办, ``departments`` city departments
    and three counties of four departments each. Returns the city and its handling units
    (city departments first, then the counties'), saved one by one so their paths are set."""
    from qinqing.core.orgs.models import Unit, UnitKind

    province = Unit.objects.create(name="基准省", kind=UnitKind.PROVINCE)
    city = Unit(name="基准市", kind=UnitKind.CITY, parent=province)
    city.save()
    Unit(name="基准市营商办", kind=UnitKind.PARTY_GOV, parent=city, coordinating=True).save()
    units = []
    for i in range(departments):
        unit = Unit(name=f"基准局{i:03d}", kind=UnitKind.DEPARTMENT, parent=city, sort_order=i)
        unit.save()
        units.append(unit)
    for c in range(3):
        county = Unit(name=f"基准县{c}", kind=UnitKind.COUNTY, parent=city)
        county.save()
        for d in range(4):
            unit = Unit(name=f"基准县{c}局{d}", kind=UnitKind.DEPARTMENT, parent=county)
            unit.save()
            units.append(unit)
    return city, units


def load_note() -> str:
    """The load average now, for the report (the machine may be shared)."""
    a, b, c = os.getloadavg()
    return f"load average {a:.2f} / {b:.2f} / {c:.2f}"


def machine_line() -> str:
    """Date, cores, memory, Python and PostgreSQL versions and the load, on one line."""
    mem = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
    ram = mem[1].split()[1] if len(mem) > 1 else "?"
    try:
        pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        pg = "psql not installed"
    return (
        f"Date: {date.today().isoformat()} · machine: `nproc` = {os.cpu_count()}, {ram} RAM · "
        f"Python {platform.python_version()} · {pg} · {load_note()}"
    )


def write_doc(name: str, lines: list[str]) -> Path:
    """Write ``docs/bench/<name>.md`` (assembled by ``bench/collect.py``)."""
    path = ROOT / "docs" / "bench" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    return path


def prepend_doc(name: str, heading: str, lines: list[str]) -> Path:
    """Add a run's section to ``docs/bench/<name>.md`` right under the page's ``heading``
    (newest first), keeping the earlier runs and their hand-written notes."""
    path = ROOT / "docs" / "bench" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.exists() else heading
    earlier = text.split(heading, 1)[1].strip() if heading in text else text.strip()
    section = "\n".join(lines).rstrip()
    path.write_text(f"{heading}\n\n{section}\n\n{earlier}".rstrip() + "\n", encoding="utf-8")
    return path


@contextmanager
def gunicorn(
    app: list[str], *, workers: int, env: dict[str, str], wait_s: float = 30.0
) -> Iterator[str]:
    """Serve ``app`` (gunicorn's application arguments) with ``workers`` processes on a free
    loopback port; yields its base URL once it accepts connections, and stops it afterwards
    (SIGTERM, then kill after 20 s)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), *app, "-b", f"127.0.0.1:{port}", "-w", str(workers),
         "--log-level", "warning", "--chdir", str(ROOT)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
