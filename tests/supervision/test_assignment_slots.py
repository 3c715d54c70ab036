"""Defect 2: a new 交办 opens its report slot for the unit at once (not after a sweep), and a
unit can file many reports at once instead of one by one."""

from __future__ import annotations

from datetime import date

from qinqing.supervision import service
from qinqing.supervision.models import ProgressReport, ReportState
from tests.supervision.factories import at, monthly


def _assign(world, now, title="落实调度会议定事项"):
    return service.assign_item(
        actor=world.office_admin, origin="meeting", title=title, basis="第3次调度会纪要",
        lead_units=[world.market], due_on=date(2025, 9, 30), now=now,
    )  # fmt: skip


def test_assignment_opens_a_slot_without_waiting_for_a_sweep(world):
    # the cadence exists since January; no sweep has created June's cycle yet
    monthly(world, None, starts_on=date(2025, 1, 1), now=at(date(2025, 1, 2)))
    task = _assign(world, at(date(2025, 6, 16)))
    slots = ProgressReport.objects.filter(task=task, unit=world.market)
    assert slots.count() == 1
    assert slots.get().state == ReportState.PENDING


def test_first_assignment_of_an_area_opens_a_slot(world):
    task = _assign(world, at(date(2025, 6, 16)))
    assert ProgressReport.objects.filter(task=task, unit=world.market).count() == 1


def test_unit_files_many_reports_at_once(world, client_for, monkeypatch):
    from qinqing.supervision import views

    now = at(date(2025, 6, 16))
    monkeypatch.setattr(views, "_now", lambda: now)
    tasks = [_assign(world, now, title=f"交办事项{i}") for i in range(3)]
    slots = list(ProgressReport.objects.filter(task__in=tasks, unit=world.market).order_by("pk"))
    assert len(slots) == 3
    client = client_for(world.market_clerk)
    page = client.get("/supervision/my/").content.decode()
    assert "报送所选" in page and page.count('name="reports"') == 3
    r = client.post(
        "/supervision/my/file/",
        {"reports": [s.pk for s in slots[:2]], "stage": "in_progress",
         "narrative": "已召开专题会部署，正在推进。"},
    )  # fmt: skip
    assert r.status_code == 302
    states = [ProgressReport.objects.get(pk=s.pk).state for s in slots]
    assert states == [ReportState.SUBMITTED, ReportState.SUBMITTED, ReportState.PENDING]
    # nothing selected: the page again with the reason, what was typed kept
    again = client.post(
        "/supervision/my/file/", {"stage": "in_progress", "narrative": "保留的文字"}
    )
    body = again.content.decode()
    assert again.status_code == 200 and "请先勾选" in body and "保留的文字" in body


def test_unit_cannot_bulk_file_another_units_slot(world, client_for):
    task = _assign(world, at(date(2025, 6, 16)))
    slot = ProgressReport.objects.get(task=task, unit=world.market)
    r = client_for(world.tax_clerk).post(
        "/supervision/my/file/",
        {"reports": [slot.pk], "stage": "in_progress", "narrative": "越权报送"},
    )
    assert r.status_code == 404
    slot.refresh_from_db()
    assert slot.state == ReportState.PENDING
