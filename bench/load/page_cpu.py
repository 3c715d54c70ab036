"""Server CPU and queries of each page of the load test, one request at a time.

Runs the pages the locustfile asks for (GETs; the POSTs write) through Django's full
middleware stack in this process (``django.test.Client``, no test instrumentation), with the
settings ``qinqing serve`` runs the load test with (``bench/load/seed.py``'s ``server_env``:
DEBUG off, Redis cache, the seeded ``qqbench_load`` database), signed in as one account of
each kind (staff with their second factor passed). For each page: the median CPU time of
this process over ``--repeat`` requests after one warm-up (the web process's share; the
database's own CPU is not counted), the wall time and the number of SQL queries; then the
average CPU per request over the locustfile's mix of GET pages (user and task weights).

``--profile NAME`` prints a cProfile of that page (a substring of its name), sorted by
cumulative time. ``--login`` also times the sign-in POST (the password hash).

Usage: .venv/bin/python bench/load/page_cpu.py [--repeat 5] [--only SUBSTRING]
       [--profile SUBSTRING] [--login] [--json OUT]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _common import load_note  # noqa: E402
from seed import DB, USERS_FILE, VAR, server_env  # noqa: E402

# (role, page name as in the locustfile, URL or a callable of the previous pages' ids,
#  weight in the mix = user-class weight × task weight / the class's task weights)
ROLE_WEIGHT = {"office_admin": 3, "unit_staff": 4, "report_clerk": 3, "leader": 1, "enterprise": 4}


def pages(users: dict, rng: random.Random) -> list[tuple[str, str, str, float]]:
    n = users["appeals"]
    return [
        ("office_admin", "工作台 /", "/", 2),
        ("office_admin", "诉求总览 /appeals/", "/appeals/", 4),
        ("office_admin", "诉求总览 筛选", "/appeals/?state=replied&page=3", 1),
        ("office_admin", "诉求详情 /appeals/<id>/", f"/appeals/{rng.randint(1, n)}/", 5),
        ("office_admin", "派单队列 /appeals/queue/", "/appeals/queue/", 2),
        ("office_admin", "三率统计 /appeals/figures/", "/appeals/figures/", 1),
        ("office_admin", "回访 /appeals/callbacks/", "/appeals/callbacks/", 1),
        ("unit_staff", "工作台 /", "/", 2),
        ("unit_staff", "本单位工单 /appeals/tickets/", "/appeals/tickets/", 3),
        ("unit_staff", "本单位工单 筛选", "/appeals/tickets/?state=sign", 4),
        ("unit_staff", "诉求详情 /appeals/<id>/", "@ticket", 4),
        ("report_clerk", "工作台 /", "/", 2),
        ("report_clerk", "我的任务 /supervision/my/", "/supervision/my/", 3),
        ("report_clerk", "填报页 /supervision/reports/<id>/", "@report", 3),
        ("leader", "领导驾驶舱 /", "/", 3),
        ("leader", "三率统计 /appeals/figures/", "/appeals/figures/", 1),
        ("leader", "督查总览 /supervision/", "/supervision/", 1),
        ("enterprise", "企业首页 /", "/", 2),
        ("enterprise", "我的诉求 /appeals/ (企业)", "/appeals/", 3),
        ("enterprise", "诉求进度 /appeals/<id>/ (企业)", "@mine", 3),
        ("enterprise", "提交诉求页 /appeals/new/", "/appeals/new/", 1),
        ("anonymous", "登录页", "/login/", 0),
    ]


def signed_in_client(account: dict | None):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (profile.py)")
    if account is None:
        return client
    user = get_user_model().objects.get(username=account["username"])
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def measure(client, url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (template loading, caches)
    cpu, wall, queries = [], [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append(time.process_time() - c0)
            wall.append(time.perf_counter() - w0)
        queries = len(captured)
    return {
        "status": response.status_code,
        "cpu_ms": statistics.median(cpu) * 1000,
        "wall_ms": statistics.median(wall) * 1000,
        "queries": queries,
        "bytes": len(response.content),
        "text": response.content.decode("utf-8", "replace"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--profile", default="")
    parser.add_argument("--login", action="store_true")
    parser.add_argument("--json", default="")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()

    os.environ.update(server_env())
    os.environ.setdefault("QINQING_VAR_DIR", str(VAR))
    import django

    django.setup()
    import re

    users = json.loads(Path(os.environ.get("QINQING_LOAD_USERS", USERS_FILE)).read_text())
    rng = random.Random(args.seed)
    accounts = {
        role: next(a for a in users["accounts"] if a["role"] == role)
        for role in ROLE_WEIGHT  # the first account of each kind
    }
    clients: dict[str, object] = {"anonymous": signed_in_client(None)}
    found: dict[str, list[int]] = {}
    print(f"{load_note()}; database {DB}", flush=True)
    results = []
    for role, name, url, weight in pages(users, rng):
        if role not in clients:
            clients[role] = signed_in_client(accounts[role])
        client = clients[role]
        if url.startswith("@"):
            ids = found.get(url[1:]) or []
            if not ids:
                print(f"  {role:12s} {name}: no id found, skipped")
                continue
            url = (
                f"/supervision/reports/{rng.choice(ids)}/"
                if url == "@report"
                else f"/appeals/{rng.choice(ids)}/"
            )
        if args.only and args.only not in name:
            continue
        m = measure(client, url, args.repeat)
        text = m.pop("text")
        if name.startswith("本单位工单 筛选"):
            found["ticket"] = [int(x) for x in re.findall(r'href="/appeals/(\d+)/"', text)]
        elif name.startswith("我的任务"):
            found["report"] = [
                int(x) for x in re.findall(r'href="/supervision/reports/(\d+)/"', text)
            ]
        elif name.startswith("我的诉求"):
            found["mine"] = [int(x) for x in re.findall(r'href="/appeals/(\d+)/"', text)]
        results.append({"role": role, "name": name, "url": url, "weight": weight, **m})
        print(
            f"  {role:12s} {name:34s} {m['status']} cpu {m['cpu_ms']:7.1f} ms  "
            f"wall {m['wall_ms']:7.1f} ms  {m['queries']:3d} queries  {m['bytes']:7,d} B",
            flush=True,
        )
        if args.profile and args.profile in name:
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(url)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(45)
            stats.sort_stats("tottime").print_stats(25)
    # the locustfile's mix of GETs: each class's share of users × its tasks' shares
    by_role: dict[str, float] = {}
    for r in results:
        by_role[r["role"]] = by_role.get(r["role"], 0.0) + r["weight"]
    total_role = sum(ROLE_WEIGHT[r] for r in by_role if r in ROLE_WEIGHT)
    mix = sum(
        r["cpu_ms"] * ROLE_WEIGHT[r["role"]] / total_role * r["weight"] / by_role[r["role"]]
        for r in results
        if r["role"] in ROLE_WEIGHT and r["weight"]
    )
    if total_role and not args.only:
        print(f"weighted GET mix: {mix:.1f} ms CPU per request")
    if args.login:
        client = signed_in_client(None)
        account = accounts["enterprise"]
        cpu = []
        for _ in range(3):
            client.cookies.clear()
            c0 = time.process_time()
            response = client.post(
                "/login/", {"username": account["username"], "password": users["password"]}
            )
            cpu.append(time.process_time() - c0)
        print(f"  login POST {response.status_code}: cpu {statistics.median(cpu) * 1000:.1f} ms")
    print(load_note(), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
