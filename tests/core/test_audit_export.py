"""安全审计: the 审计员's export (dates, scope, itself audited) and the retention floor."""

import csv
import datetime as dt
import io
import os
import subprocess
import sys

from openpyxl import load_workbook

from qinqing.core import audit
from qinqing.core.audit.models import AuditEvent


def test_export_xlsx_has_time_type_subject_object_and_result(world, client_for):
    audit.record(
        world.office_admin, "unit.updated", world.market, unit=world.market, after={"n": 1}
    )
    response = client_for(world.office_admin).get("/audit/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    for column in ("时间", "操作人", "操作", "结果", "对象", "哈希算法"):
        assert column in header
    rows = [
        dict(zip(header, [c.value for c in r], strict=True)) for r in sheet.iter_rows(min_row=2)
    ]
    updated = next(r for r in rows if r["操作代码"] == "unit.updated")
    assert updated["结果"] == "成功" and updated["操作人"].startswith("office_admin")
    assert updated["哈希算法"] == "sm3"


def test_export_is_scoped_to_the_viewer_and_itself_audited(world, client_for):
    audit.record(
        world.other_officer,
        "unit.updated",
        world.other_office,
        unit=world.other_office,
        after={"n": 2},
    )
    response = client_for(world.county_officer).get("/audit/export/?format=csv")
    body = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows and all(r["对象"] != "邻市营商办" for r in rows)
    event = AuditEvent.objects.filter(verb="audit.exported").latest("seq")
    assert event.actor_id == world.county_officer.pk and event.after["rows"] == len(rows)


def test_export_by_date_range_and_denied_to_unit_staff(world, client_for):
    today = dt.date.today()
    empty = client_for(world.leader).get(
        f"/audit/export/?format=csv&from={today - dt.timedelta(days=9)}&to={today - dt.timedelta(days=8)}"
    )
    assert list(csv.reader(io.StringIO(empty.content.decode("utf-8-sig"))))[1:] == []
    # the leader is read-only, and exporting is a read: allowed and audited
    assert AuditEvent.objects.filter(verb="audit.exported", actor_id=world.leader.pk).exists()
    denied = client_for(world.market_clerk).get("/audit/export/")
    assert denied.status_code == 403
    too_long = client_for(world.leader).get("/audit/export/?from=2024-01-01&to=2026-01-01")
    assert too_long.status_code == 400


def test_retention_below_six_months_refuses_to_start():
    env = {
        **os.environ,
        "QINQING_AUDIT_RETENTION_DAYS": "90",
        "DJANGO_SETTINGS_MODULE": "qinqing.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0 and "at least 180" in done.stderr
