"""Progress reports: cycles open slots, units file, the office returns and accepts, history is kept."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from qinqing.supervision import service
from qinqing.supervision.models import (
    ProgressReport,
    ReportAttachment,
    ReportVersion,
    TaskCompletion,
)
from qinqing.supervision.queries import task_status
from qinqing.supervision.rules import ReportState, TaskStatus
from tests.supervision.factories import at, cycle_of, make_plan, make_task, monthly, slot

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def ledger(world):
    plan = make_plan(world)
    task = make_task(
        plan,
        lead=[world.market],
        responsible=[world.tax],
        supporting=[world.ndrc],
        due_on=date(2025, 6, 30),
        targets=[("企业开办时间压缩至1个工作日以内", "1", "个工作日")],
    )
    cadence = monthly(world, plan, starts_on=date(2025, 5, 1), now=at(date(2025, 5, 6)))
    return plan, task, cadence


def test_cycle_opens_one_slot_per_lead_and_responsible_unit(world, ledger):
    plan, task, cadence = ledger
    may = cycle_of(cadence, date(2025, 5, 1))
    assert may.period_end == date(2025, 5, 31)
    # 2025-05-31 is a Saturday; 5 working days later (06-02 is the 端午 holiday) is 06-09
    assert may.report_due_on == date(2025, 6, 9)
    units = set(ProgressReport.objects.filter(cycle=may).values_list("unit_id", flat=True))
    assert units == {world.market.pk, world.tax.pk}  # 配合单位 does not file
    # opening again creates nothing new
    assert service.open_cycle(may, now=at(date(2025, 5, 7))) == 0


def test_file_return_resubmit_accept_keeps_every_version(world, ledger):
    plan, task, cadence = ledger
    may = cycle_of(cadence, date(2025, 5, 1))
    report = slot(task, world.market, may)
    target = task.targets.get()
    upload = SimpleUploadedFile("五月进展.pdf", PDF, content_type="application/pdf")
    service.submit_report(
        report,
        actor=world.market_clerk,
        stage="in_progress",
        narrative="已上线一网通办平台",
        target_values={target.pk: Decimal("2")},
        attachments=[upload],
        now=at(date(2025, 6, 3)),
    )
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED and report.version == 1
    assert report.first_submitted_on == date(2025, 6, 3)
    assert task_status(task, date(2025, 6, 4)) == TaskStatus.IN_PROGRESS

    service.return_report(
        report, actor=world.office_admin, reason="请补充开办时间实测数据", now=at(date(2025, 6, 4))
    )
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED and report.return_count == 1
    # a returned report does not stand: nothing else was reported
    assert task_status(task, date(2025, 6, 4)) == TaskStatus.NOT_STARTED

    with pytest.raises(IllegalTransition):
        service.accept_report(report, actor=world.office_admin, now=at(date(2025, 6, 4)))

    service.submit_report(
        report,
        actor=world.market_clerk,
        stage="completed",
        narrative="实测平均0.8个工作日办结",
        target_values={target.pk: Decimal("0.8")},
        now=at(date(2025, 6, 12)),
    )
    report.refresh_from_db()
    assert report.version == 2
    assert report.first_submitted_on == date(2025, 6, 3)  # timeliness counts the first filing
    assert task_status(task, date(2025, 6, 12)) == TaskStatus.PENDING_VERIFICATION

    service.accept_report(report, actor=world.office_admin, now=at(date(2025, 6, 13)))
    assert task_status(task, date(2025, 7, 1)) == TaskStatus.COMPLETED
    completion = TaskCompletion.objects.get(task=task)
    assert completion.claimed_on == date(2025, 6, 12)

    versions = list(ReportVersion.objects.filter(report=report).order_by("number"))
    assert [(v.number, v.decision, v.reason) for v in versions] == [
        (1, "returned", "请补充开办时间实测数据"),
        (2, "accepted", ""),
    ]
    assert [str(v.target_values.get().value) for v in versions] == ["2.0000", "0.8000"]
    assert ReportAttachment.objects.filter(report=report).count() == 1
    verbs = list(
        AuditEvent.objects.filter(object_type="supervision.progressreport")
        .order_by("seq")
        .values_list("verb", flat=True)
    )
    assert verbs == [
        "progress_report.submitted",
        "progress_report.returned",
        "progress_report.resubmitted",
        "progress_report.accepted",
    ]


def test_unit_cannot_file_another_units_slot_and_nothing_changes(world, ledger):
    plan, task, cadence = ledger
    report = slot(task, world.market, cycle_of(cadence, date(2025, 5, 1)))
    events = AuditEvent.objects.count()
    with pytest.raises(NotFound):
        service.submit_report(
            report,
            actor=world.tax_clerk,
            stage="in_progress",
            narrative="x",
            now=at(date(2025, 6, 3)),
        )
    with pytest.raises(PermissionDenied):
        service.submit_report(
            report, actor=world.leader, stage="in_progress", narrative="x", now=at(date(2025, 6, 3))
        )
    report.refresh_from_db()
    assert report.state == ReportState.PENDING and report.version == 0
    assert AuditEvent.objects.count() == events


def test_bad_attachment_refused_and_nothing_written(world, ledger, _private_storage):
    plan, task, cadence = ledger
    report = slot(task, world.market, cycle_of(cadence, date(2025, 5, 1)))
    fake = SimpleUploadedFile("进展.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput, match="不是 PDF 文档"):
        service.submit_report(
            report,
            actor=world.market_clerk,
            stage="in_progress",
            narrative="进展",
            attachments=[fake],
            now=at(date(2025, 6, 3)),
        )
    report.refresh_from_db()
    assert report.version == 0 and not ReportVersion.objects.exists()
    assert (
        not any(p.is_file() for p in _private_storage.rglob("*"))
        if _private_storage.exists()
        else True
    )


def test_failure_after_files_stored_removes_them(world, ledger, _private_storage, monkeypatch):
    plan, task, cadence = ledger
    report = slot(task, world.market, cycle_of(cadence, date(2025, 5, 1)))

    def boom(*args, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(service.reports, "_refresh_completion", boom)
    upload = SimpleUploadedFile("进展.pdf", PDF, content_type="application/pdf")
    with pytest.raises(RuntimeError):
        service.submit_report(
            report,
            actor=world.market_clerk,
            stage="in_progress",
            narrative="进展",
            attachments=[upload],
            now=at(date(2025, 6, 3)),
        )
    assert not ReportAttachment.objects.exists()
    assert not any(p.is_file() for p in _private_storage.rglob("*"))


def test_completion_needs_every_lead_unit(world):
    plan = make_plan(world)
    task = make_task(plan, lead=[world.market, world.tax], due_on=date(2025, 6, 30))
    cadence = monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    june = cycle_of(cadence, date(2025, 6, 1))
    for clerk, unit in ((world.market_clerk, world.market),):
        service.submit_report(
            slot(task, unit, june),
            actor=clerk,
            stage="completed",
            narrative="完成",
            now=at(date(2025, 6, 20)),
        )
        service.accept_report(
            slot(task, unit, june), actor=world.office_admin, now=at(date(2025, 6, 21))
        )
    assert task_status(task, date(2025, 6, 25)) == TaskStatus.IN_PROGRESS
    assert task_status(task, date(2025, 7, 1)) == TaskStatus.OVERDUE
    service.submit_report(
        slot(task, world.tax, june),
        actor=world.tax_clerk,
        stage="completed",
        narrative="完成",
        now=at(date(2025, 7, 2)),
    )
    assert task_status(task, date(2025, 7, 3)) == TaskStatus.PENDING_VERIFICATION
    service.accept_report(
        slot(task, world.tax, june), actor=world.office_admin, now=at(date(2025, 7, 3))
    )
    assert task_status(task, date(2025, 7, 3)) == TaskStatus.COMPLETED
    assert TaskCompletion.objects.get(task=task).claimed_on == date(2025, 7, 2)  # late


def test_ongoing_task_cannot_be_reported_completed(world):
    plan = make_plan(world)
    task = make_task(plan, lead=[world.market], ongoing=True)
    cadence = monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    report = slot(task, world.market, cycle_of(cadence, date(2025, 6, 1)))
    with pytest.raises(InvalidInput, match="长期坚持"):
        service.submit_report(
            report,
            actor=world.market_clerk,
            stage="completed",
            narrative="完成",
            now=at(date(2025, 6, 20)),
        )
    assert task_status(task, date(2030, 1, 1)) == TaskStatus.ONGOING
