"""Fill the load-test database: 1,000,000 appeals, 1,000,000 enterprises, 500,000 reports.

Builds (or rebuilds) ``qqbench_load`` on the bench PostgreSQL server, migrates it and reuses
the COPY loaders of the other benchmarks, with their fixed seeds:

* appeals: ``bench/appeals.py``'s ``build`` (one city 基准市 with 72 handling units,
  1,000,000 appeals over the year before 2026-06-16, 200,000 still open, a ticket per
  dispatched appeal, a callback per closed one) and the nightly roll-up of final months;
* supervision: ``bench/supervision.py``'s ``build`` (a second city, also called 基准市, under
  its own province: 200 departments, 27 plans × 40 tasks, 36 monthly cycles, about 510,000
  progress reports);
* enterprises: ``bench/policies.py``'s generated registry, loaded by ``bench/policies_db.py``.

Then creates the accounts the locustfile signs in with (one password for all, set through
Django's hasher once; a confirmed TOTP device with a known key for every staff account,
since staff must pass the second factor): 营商办 staff and leaders in the appeals city,
three clerks per handling unit there, the supervision city's 200 department clerks, and
enterprise accounts whose credit codes are those of the loaded appeals. Writes them, with
the intake API token, to ``bench/out/load_users.json``.

Usage: .venv/bin/python bench/load/seed.py [--appeals 1000000] [--open 200000]
       [--enterprises 1000000] [--office 50] [--leaders 50] [--enterprise-users 300]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from pathlib import Path
from types import SimpleNamespace

BENCH = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BENCH))
from _common import PG, ROOT, admin_sql, load_note, setup_django  # noqa: E402

DB = os.environ.get("QINQING_LOAD_DB", "qqbench_load")
VAR = Path(os.environ.get("QINQING_LOAD_VAR", "/tmp/qqbench_load_var"))
OUT = ROOT / "bench" / "out"
USERS_FILE = OUT / "load_users.json"
PASSWORD = "Load-test-2026!"  # noqa: S105  (a throwaway bench database)


def server_env() -> dict[str, str]:
    """The environment ``qinqing serve`` and the seed share (same database, keys, no router
    model as in bench/appeals.py, no embedded scheduler so the SLA sweep does not run in the
    middle of a measurement)."""
    return {
        "DATABASE_URL": f"{PG}/{DB}",
        "QINQING_VAR_DIR": str(VAR),
        "DJANGO_SETTINGS_MODULE": "qinqing.settings",
        "QINQING_APPEALS_ROUTER_MODEL": str(VAR / "no-router.npz"),
        "QINQING_SCHEDULER": "off",
        "QINQING_CONN_MAX_AGE": "600",
        "QINQING_SECRET_KEY": "load-test-secret-key-not-for-production-0123456789",
        "QINQING_LOG_LEVEL": "ERROR",
        # production keeps the shared cache in Redis; database 7 is this test's own
        "QINQING_REDIS_URL": os.environ.get("QINQING_LOAD_REDIS", "redis://127.0.0.1:6379/7"),
    }


def _totp_device(user, devices: list) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = secrets.token_hex(20)
    devices.append(TOTPDevice(user=user, name="压测验证器", key=key, confirmed=True))
    return key


def add_ticket_events() -> int:
    """The log the SLA clock reads (bench/appeals.py loads tickets without it): 派单 for every
    ticket, 签收 and 答复 where the ticket has those times, 同意挂起 for suspended ones. Without
    it signing or replying a loaded ticket is refused (工单没有派单记录)."""
    from django.db import connection

    steps = [
        ("dispatched", "dispatched_at", "true"),
        ("acknowledged", "acknowledged_at", "acknowledged_at IS NOT NULL"),
        ("suspended", "paused_since", "paused_since IS NOT NULL"),
        ("replied", "replied_at", "replied_at IS NOT NULL"),
    ]
    total = 0
    with connection.cursor() as cursor:
        for kind, column, where in steps:
            cursor.execute(
                "INSERT INTO appeals_appealevent (appeal_id, ticket_id, kind, at, actor_label, "
                f"note, amount, data) SELECT appeal_id, id, '{kind}', {column}, '基准数据', '', 0, "
                f"'{{}}' FROM appeals_ticket WHERE {where}"
            )
            total += cursor.rowcount
        cursor.execute("ANALYZE appeals_appealevent")
    return total


def make_accounts(appeals_city, supervision_city, *, office: int, leaders: int, ent: int) -> list:
    from appeals_load import uscc
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qinqing.core.accounts.models import Profile, Role
    from qinqing.core.orgs.models import Unit, UnitKind

    user_model = get_user_model()
    digest = make_password(PASSWORD)
    roles = {r.code: r for r in Role.objects.all()}
    office_unit = Unit.objects.get(name="基准市营商办", parent=appeals_city)
    gov = Unit(name="基准市人民政府办公室", kind=UnitKind.PARTY_GOV, parent=appeals_city)
    gov.save()
    handling = list(
        Unit.objects.filter(path__startswith=appeals_city.path, kind=UnitKind.DEPARTMENT)
    )
    plan: list[tuple[str, str, Unit | None, str]] = []  # username, role, unit, uscc
    plan += [(f"office{i:03d}", "office_admin", office_unit, "") for i in range(office)]
    plan += [(f"leader{i:03d}", "leader", gov, "") for i in range(leaders)]
    plan += [(f"clerk{u.pk}_{k}", "unit_staff", u, "") for u in handling for k in range(3)]
    # bench/appeals.py draws credit codes from a pool without a valid check character;
    # the enterprise accounts' codes get one, on their appeals too (~20 each), so their
    # own submissions pass the GB 32100 check
    codes = [uscc(i) for i in range(ent)]
    pairs = ", ".join(["(%s, %s)"] * len(codes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE appeals_appeal a SET enterprise_uscc = v.new FROM (VALUES {pairs}) "
            "AS v(old, new) WHERE a.enterprise_uscc = v.old",
            [x for i, code in enumerate(codes) for x in (f"91110000{i:09d}X", code)],
        )
    plan += [(f"ent{i:03d}", "enterprise", None, code) for i, code in enumerate(codes)]
    users = user_model.objects.bulk_create(
        user_model(username=name, email=f"{name}@example.invalid", password=digest)
        for name, *_ in plan
    )
    Profile.objects.bulk_create(
        Profile(
            user=user,
            role=roles[role],
            unit=unit,
            uscc=uscc,
            enterprise_name="基准企业" if uscc else "",
        )  # fmt: skip
        for user, (_, role, unit, uscc) in zip(users, plan, strict=True)
    )
    devices: list = []
    accounts = []
    for user, (name, role, _unit, _uscc) in zip(users, plan, strict=True):
        key = _totp_device(user, devices) if role != "enterprise" else ""
        accounts.append({"username": name, "role": role, "totp_key": key})
    # the supervision benchmark's clerks (staff000 …), created there without a password
    for user in user_model.objects.filter(
        profile__unit__path__startswith=supervision_city.path, profile__role__code="unit_staff"
    ).order_by("username"):
        user.password = digest
        user.save(update_fields=["password"])
        key = _totp_device(user, devices)
        accounts.append({"username": user.username, "role": "report_clerk", "totp_key": key})
    TOTPDevice.objects.bulk_create(devices)
    return accounts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appeals", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=200_000)
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--office", type=int, default=50)
    parser.add_argument("--leaders", type=int, default=50)
    parser.add_argument("--enterprise-users", type=int, default=300)
    parser.add_argument("--plans", type=int, default=27, help="supervision plans (×19,000 reports)")
    args = parser.parse_args()

    started = time.perf_counter()
    print(f"{load_note()}; building {DB} …", flush=True)
    admin_sql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DB}")
    os.environ.update(server_env())
    setup_django(DB, VAR)
    from django.core.management import call_command
    from django.db import connection

    call_command("createcachetable", verbosity=0)
    import appeals as appeals_bench
    import policies as policies_bench
    import policies_db
    import supervision as supervision_bench

    print("appeals (bench/appeals.py build) …", flush=True)
    data = appeals_bench.build(SimpleNamespace(appeals=args.appeals, open=args.open, units=60))
    print(f"  nightly roll-up {appeals_bench.roll_up():.1f} s", flush=True)
    # and as of today, as the nightly job would have left it (final months stored)
    from django.utils import timezone

    from qinqing.appeals.tasks import roll_up_figures

    roll_up_figures(timezone.now())
    print(f"  {add_ticket_events():,} ticket events", flush=True)
    print("progress reports (bench/supervision.py build) …", flush=True)
    # The partitioned reports table keeps its unique slot with a trigger that searches every
    # partition per row (qinqing.core.db.partitions); for a single COPY of ~500,000 rows
    # that is minutes. The builder's rows are unique by construction, so its COPY runs with
    # triggers off (superuser). (Before the trigger's locks were bounded to slots, it also
    # filled the server's lock table: "out of shared memory".)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        sup = supervision_bench.build(
            SimpleNamespace(units=200, plans=args.plans, tasks=40, months=36, responsible=17)
        )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET session_replication_role")
    print(f"  {sup['reports']:,} reports in {sup['build_seconds']:.1f} s", flush=True)
    print("enterprises (bench/policies.py registry) …", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"enterprises_{args.enterprises}.csv"
    if not csv_path.exists():
        policies_bench.generate_registry(args.enterprises, csv_path)
    n_ent = policies_db.load_enterprises(csv_path)
    print(f"  {n_ent:,} enterprises", flush=True)
    accounts = make_accounts(
        data["city"], sup["city"],
        office=args.office, leaders=args.leaders, ent=args.enterprise_users,
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    USERS_FILE.write_text(
        json.dumps(
            {"password": PASSWORD, "api_token": data["token"], "accounts": accounts,
             "appeals": args.appeals, "reports": sup["reports"], "enterprises": n_ent},
            ensure_ascii=False, indent=1,
        ),
        encoding="utf-8",
    )  # fmt: skip
    print(
        f"{len(accounts)} accounts → {USERS_FILE}; built in {time.perf_counter() - started:.0f} s; "
        f"{load_note()}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
