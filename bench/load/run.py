"""Run the Locust scenario against ``qinqing serve`` on the seeded database and write the table.

Starts ``qinqing serve`` (gunicorn, gthread) on ``qqbench_load`` (``bench/load/seed.py``
must have run), then Locust headless, once per level:

* baseline, in the same run: one virtual user of each class (six people at once), so each
  page's latency without contention;
* ``--levels`` (default 50, 100, 200 users) for ``--duration`` each;
* ``--long`` users for ``--long-duration`` (the 10-minute zero-error run), last.

Users start at ``users / 60`` per second (each signs in through the login page, and the
Argon2 hash of a password costs ~0.1 s of a core); statistics are reset once all have started
(Locust's ``--reset-stats``), so the figures are those of the full level, without the
sign-in storm. Writes the per-level CSVs to ``bench/out/load/`` and adds the run's section at the top
of ``docs/bench/load.md`` (earlier runs and their notes are kept).

Usage: .venv/bin/python bench/load/run.py [--levels 50,100,200] [--duration 3m]
       [--long 100] [--long-duration 10m] [--workers 2] [--threads 8] [--no-write]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _common import ROOT, load_note, machine_line, prepend_doc  # noqa: E402
from seed import DB, server_env  # noqa: E402

HEADING = "## Load (Locust): mixed traffic against `qinqing serve` on PostgreSQL"

OUT = ROOT / "bench" / "out" / "load"
VENV_BIN = Path(sys.executable).parent


def start_server(port: int, workers: int, threads: int, keepalive: int) -> subprocess.Popen:
    env = {**os.environ, **server_env()}
    # gunicorn's own setting: keep idle client connections longer than Locust's think time
    # (1-5 s), or a request sent as the server closes the idle socket fails with a reset
    env["GUNICORN_CMD_ARGS"] = f"--keep-alive {keepalive}"
    subprocess.run(
        [VENV_BIN / "qinqing", "collectstatic", "--noinput", "-v", "0"],
        env=env, cwd=ROOT, check=False, capture_output=True,
    )  # fmt: skip
    log = open(OUT / "serve.log", "w")  # noqa: SIM115  (closed with the process)
    server = subprocess.Popen(
        [VENV_BIN / "qinqing", "serve", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads)],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    server.terminate()
    raise SystemExit("qinqing serve did not answer on /login/ within 2 minutes")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user + system) used so far by the gunicorn master and its workers."""
    import psutil  # installed with locust

    master = psutil.Process(server.pid)
    total = 0.0
    for proc in [master, *master.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run_level(label: str, users: int, duration: str, port: int, *, one_each: bool = False):
    """One Locust run; returns (rows by page, aggregated row, load before, load after)."""
    prefix = OUT / label
    env = {**os.environ}
    if one_each:
        env["QINQING_LOAD_ONE_EACH"] = "1"
    rate = max(1.0, users / 60)
    before = load_note()
    print(f"[{time.strftime('%H:%M:%S')}] {label}: {users} users, {duration}; {before}", flush=True)
    subprocess.run(
        [VENV_BIN / "locust", "-f", HERE / "locustfile.py", "--headless", "-u", str(users),
         "-r", f"{rate:.2f}", "-t", duration, "--host", f"http://127.0.0.1:{port}",
         "--csv", prefix, "--reset-stats", "--only-summary", "--stop-timeout", "10"],
        env=env, cwd=ROOT, check=False, stdout=open(f"{prefix}.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    after = load_note()
    with open(f"{prefix}_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    pages = {f"{r['Type']} {r['Name']}": r for r in rows if r["Name"] != "Aggregated"}
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(
        f"  {float(total['Requests/s']):.1f} req/s, {total['Failure Count']} failures, "
        f"p95 {total['95%']} ms; {after}",
        flush=True,
    )
    return pages, total, before, after


def _ms(value: str) -> str:
    return "—" if value in ("", "N/A") else f"{float(value):,.0f}"


def report(
    results: list, args, cpu: dict[str, float], steady: dict[str, float] | None = None
) -> list[str]:
    """The markdown section: one summary row per level, then p50/p95/p99 per page."""
    users_file = os.environ.get("QINQING_LOAD_USERS", ROOT / "bench" / "out" / "load_users.json")
    USERS = json.loads(Path(users_file).read_text(encoding="utf-8"))  # noqa: N806
    lines = [
        f"### Run ending {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        "",
        machine_line(),
        "",
        f"Command: `.venv/bin/python bench/load/run.py --levels {args.levels} --duration "
        f"{args.duration} --long {args.long} --long-duration {args.long_duration} "
        f"--workers {args.workers} --threads {args.threads}` after `bench/load/seed.py`.",
        "",
        f"Server: `qinqing serve` (gunicorn gthread, {args.workers} processes × {args.threads} "
        f"threads, keep-alive {args.keepalive} s) on the same 2 cores as PostgreSQL and Locust "
        "itself; Redis as the shared cache; embedded scheduler off (no SLA sweep during a level).",
        f"Data (`bench/load/seed.py`): {USERS['appeals']:,} appeals (a fifth received in the "
        f"last 15 working days before 2026-06-16 and open) with their tickets, events and "
        f"callbacks; {USERS['enterprises']:,} enterprises; {USERS['reports']:,} progress "
        f"reports; {len(USERS['accounts'])} accounts.",
        "Traffic (`bench/load/locustfile.py`): every virtual user signs in through the login page "
        "(staff also with a TOTP code), then waits 1–5 s between pages; weights: 营商办 3, "
        "承办单位 4, 填报人 3, 领导 1, 企业 (phone) 4, 12345 intake API 1. Statistics are reset once "
        "all users of a level have started. Baseline: one user of each class, same run.",
        "",
        "Server CPU per request: CPU seconds of the gunicorn processes during the level (from"
        " the ramp on, sign-ins included) over the requests counted after the reset; a figure"
        " less bent by the other work on the machine than the latencies. It also counts the"
        ' requests of the ramp, which the statistics leave out: "after the ramp" is the CPU'
        " from the reset on over the same requests, the figure to compare between levels of"
        " different lengths.",
        "",
        "| level | duration | requests | req/s | failures | p50 | p95 | p99 | server CPU/request"
        " | after the ramp | load before → after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    steady = steady or {}
    for label, users, duration, (_, total, before, after) in results:
        count = int(total["Request Count"])
        per = f"{1000 * cpu[label] / count:.0f} ms" if count and label in cpu else "—"
        tail = f"{1000 * steady[label] / count:.0f} ms" if count and label in steady else "—"
        lines.append(
            f"| {label} ({users} users) | {duration} | {count:,} | "
            f"{float(total['Requests/s']):.1f} | {total['Failure Count']} | {_ms(total['50%'])} | "
            f"{_ms(total['95%'])} | {_ms(total['99%'])} | {per} | {tail} | "
            f"{before.split('average ')[1]} → {after.split('average ')[1]} |"
        )
    names = sorted({n for *_, (pages, *_r) in results for n in pages})
    head = " | ".join(f"{label}" for label, *_ in results)
    lines += [
        "",
        "Per page, p50 / p95 / p99 in ms (— : the page was not requested at that level):",
        "",
        f"| page | {head} |",
        "|---|" + "---:|" * len(results),
    ]
    for name in names:
        cells = []
        for *_, (pages, *_r) in results:
            r = pages.get(name)
            cells.append(
                f"{_ms(r['50%'])} / {_ms(r['95%'])} / {_ms(r['99%'])}"
                + (f" ({r['Failure Count']} failed)" if r and r["Failure Count"] != "0" else "")
                if r
                else "—"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", default="50,100,200")
    parser.add_argument("--duration", default="3m")
    parser.add_argument("--long", type=int, default=100, help="users of the long run (0: none)")
    parser.add_argument("--long-duration", default="10m")
    parser.add_argument("--baseline-duration", default="1m")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--keepalive", type=int, default=75)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"database {DB}; {load_note()}", flush=True)
    server = start_server(args.port, args.workers, args.threads, args.keepalive)
    results = []
    cpu: dict[str, float] = {}
    steady: dict[str, float] = {}

    def level(label: str, users: int, duration: str, **kw) -> None:
        before = server_cpu_seconds(server)
        # Locust resets its statistics once every user has started (users / rate seconds,
        # as run_level spawns them): the CPU from then on is that of the counted requests
        ramp = users / max(1.0, users / 60)
        at_reset: list[float] = []
        timer = threading.Timer(ramp + 1, lambda: at_reset.append(server_cpu_seconds(server)))
        timer.start()
        result = run_level(label, users, duration, args.port, **kw)
        timer.cancel()
        end = server_cpu_seconds(server)
        cpu[label] = end - before
        if at_reset:
            steady[label] = end - at_reset[0]
        results.append((label, users, duration, result))

    try:
        level("baseline", 6, args.baseline_duration, one_each=True)
        for users in [int(u) for u in args.levels.split(",") if u]:
            level(f"u{users}", users, args.duration)
        if args.long:
            level(f"u{args.long}-long", args.long, args.long_duration)
    finally:
        stop_server(server)
    lines = report(results, args, cpu, steady)
    print("\n".join(lines))
    if not args.no_write:
        print(f"wrote {prepend_doc('load', HEADING, lines)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
