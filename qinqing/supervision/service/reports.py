"""Progress reports: filing, accepting and returning, and the task's completion record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from django.core.files.storage import default_storage
from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.access import require_capability, scope_area, user_unit
from qinqing.core.errors import InvalidInput, NotFound
from qinqing.supervision import notify, rules
from qinqing.supervision.models import (
    ProgressReport,
    ReportAttachment,
    ReportVersion,
    TargetValue,
    TaskCompletion,
)
from qinqing.supervision.queries import task_facts
from qinqing.supervision.rules import ReportState, Stage, TaskStatus
from qinqing.supervision.service.common import local_date

# ---------------------------------------------------------------------------------------------
# Progress reports


def _refresh_standing(task_id: int, unit_id: int) -> None:
    """Mark the unit's standing report on the task: its latest submitted or accepted one."""
    best = (
        ProgressReport.objects.filter(
            task_id=task_id,
            unit_id=unit_id,
            state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED],
        )
        .order_by("-period_end", "-submitted_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    stale = ProgressReport.objects.filter(task_id=task_id, unit_id=unit_id, is_current=True)
    if best is not None:
        stale = stale.exclude(pk=best)
    stale.update(is_current=False)
    if best is not None:
        ProgressReport.objects.filter(pk=best, is_current=False).update(is_current=True)


def _refresh_completion(task, *, actor, now: datetime) -> None:
    """Keep the task's completion record in step with its derived status."""
    facts, _ = task_facts([task.pk])[task.pk]
    status = rules.derive_task_status(facts, local_date(now))
    existing = TaskCompletion.objects.filter(task=task).first()
    claimed = rules.completion_claimed_on(facts)
    if status == TaskStatus.COMPLETED and claimed is not None:  # completed: claimed by all
        if existing is None:
            TaskCompletion.objects.create(
                task=task,
                claimed_on=claimed,
                verified_at=now,
                verified_by=actor if not isinstance(actor, str) else None,
            )
            audit.record(
                actor, "task.completion_verified", task, after={"claimed_on": claimed}, now=now
            )
        elif existing.claimed_on != claimed:
            existing.claimed_on = claimed
            existing.save(update_fields=["claimed_on"])
    elif existing is not None:
        existing.delete()
        audit.record(
            actor,
            "task.completion_withdrawn",
            task,
            before={"claimed_on": existing.claimed_on},
            now=now,
        )


def _store_attachments(report: ProgressReport, files, *, actor, version: int, stored: list[str]):
    for upload in files:
        head = upload.read(16)
        upload.seek(0)
        ext = rules.check_attachment(upload.name, upload.size, head)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        attachment = ReportAttachment(
            report=report,
            version_number=version,
            original_name=rules.safe_filename(upload.name),
            extension=ext,
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=actor,
        )
        attachment.file.save(upload.name, upload, save=False)
        stored.append(attachment.file.name)
        attachment.save()


def _check_files(files) -> None:
    """Check every attachment before anything is written."""
    for upload in files:
        head = upload.read(16)
        upload.seek(0)
        rules.check_attachment(upload.name, upload.size, head)


def submit_report(
    report: ProgressReport,
    *,
    actor,
    stage: str,
    narrative: str,
    target_values: Mapping[int, Decimal] | None = None,
    attachments: Iterable = (),
    now: datetime,
) -> ProgressReport:
    """报送 (or, after a return, 修改后重新报送) a unit's progress on a task for a cycle."""
    files = list(attachments)
    stored: list[str] = []
    try:
        return _submit_report(
            report,
            actor=actor,
            stage=stage,
            narrative=narrative,
            target_values=target_values or {},
            files=files,
            stored=stored,
            now=now,
        )
    except BaseException:
        for name in stored:  # the rows rolled back; the files must go too
            default_storage.delete(name)
        raise


@transaction.atomic
def _submit_report(report, *, actor, stage, narrative, target_values, files, stored, now):
    require_capability(actor, "plans.report")
    unit = user_unit(actor)
    if unit is None or unit.pk != report.unit_id:
        raise NotFound("进度报送不存在，或不在您可查看的范围内。")
    report = (
        ProgressReport.objects.select_for_update().select_related("task", "cycle").get(pk=report.pk)
    )
    rules.check_report_transition(report.state, ReportState.SUBMITTED)
    today = local_date(now)
    if report.cycle.period_start > today:
        raise InvalidInput(
            f"调度周期{report.cycle.label}尚未开始（{report.cycle.period_start} 起），暂不能报送。"
        )
    if stage not in Stage.values:
        raise InvalidInput("请选择推进阶段：未启动、推进中或已完成。")
    if report.task.ongoing and stage == Stage.COMPLETED:
        raise InvalidInput(
            "该任务为“长期坚持”事项，没有“已完成”阶段。请选择“推进中”，并在工作进展中说明本期完成情况。"
        )
    narrative = (narrative or "").strip()
    if not narrative:
        raise InvalidInput("请填写工作进展：本期做了什么、取得什么成效、存在什么问题。")
    targets = {t.pk: t for t in report.task.targets.all()}
    for target_id in target_values:
        if target_id not in targets:
            raise InvalidInput("所填量化指标不属于该任务，请刷新页面后重新填写。")
    _check_files(files)
    before = {"state": report.state, "version": report.version}
    resubmission = report.state == ReportState.RETURNED
    report.version += 1
    version = ReportVersion.objects.create(
        report=report,
        number=report.version,
        stage=stage,
        narrative=narrative,
        submitted_at=now,
        submitted_by=actor,
    )
    TargetValue.objects.bulk_create(
        TargetValue(version=version, target_id=target_id, value=value)
        for target_id, value in target_values.items()
        if value is not None
    )
    report.state = ReportState.SUBMITTED
    report.stage = stage
    report.narrative = narrative
    report.submitted_at = now
    report.submitted_by = actor
    if report.first_submitted_at is None:
        report.first_submitted_at = now
        report.first_submitted_on = today
    report.save()
    _store_attachments(report, files, actor=actor, version=report.version, stored=stored)
    _refresh_standing(report.task_id, report.unit_id)
    _refresh_completion(report.task, actor=actor, now=now)
    audit.record(
        actor,
        "progress_report.resubmitted" if resubmission else "progress_report.submitted",
        report,
        before=before,
        after={
            "state": report.state,
            "version": report.version,
            "stage": stage,
            "on_time": rules.is_on_time(report.first_submitted_on, report.report_due_on),
            "attachments": len(files),
        },
        now=now,
    )
    return report


def _check_reviewer(actor, report: ProgressReport) -> None:
    require_capability(actor, "plans.review")
    area = scope_area(actor)
    if area is None or not report.task.area.path.startswith(area.path):
        raise NotFound("进度报送不存在，或不在您可查看的范围内。")


@transaction.atomic
def accept_report(report: ProgressReport, *, actor, now: datetime) -> ProgressReport:
    """采纳: the office accepts a submitted report."""
    report = (
        ProgressReport.objects.select_for_update().select_related("task__area").get(pk=report.pk)
    )
    _check_reviewer(actor, report)
    rules.check_report_transition(report.state, ReportState.ACCEPTED)
    report.state = ReportState.ACCEPTED
    report.reviewed_at, report.reviewed_by = now, actor
    report.return_reason = ""
    report.save(update_fields=["state", "reviewed_at", "reviewed_by", "return_reason"])
    report.versions.filter(number=report.version).update(
        decision=ReportVersion.Decision.ACCEPTED, decided_at=now, decided_by=actor
    )
    _refresh_standing(report.task_id, report.unit_id)
    _refresh_completion(report.task, actor=actor, now=now)
    audit.record(
        actor,
        "progress_report.accepted",
        report,
        before={"state": ReportState.SUBMITTED},
        after={"state": report.state, "version": report.version},
        now=now,
    )
    return report


@transaction.atomic
def return_report(report: ProgressReport, *, actor, reason: str, now: datetime) -> ProgressReport:
    """退回: the office returns a report with the reason; the unit revises and resubmits."""
    report = (
        ProgressReport.objects.select_for_update()
        .select_related("task__area", "unit")
        .get(pk=report.pk)
    )
    _check_reviewer(actor, report)
    rules.check_report_transition(report.state, ReportState.RETURNED)
    reason = rules.check_return_reason(reason)
    report.state = ReportState.RETURNED
    report.reviewed_at, report.reviewed_by = now, actor
    report.return_reason = reason
    report.return_count += 1
    report.save(
        update_fields=["state", "reviewed_at", "reviewed_by", "return_reason", "return_count"]
    )
    report.versions.filter(number=report.version).update(
        decision=ReportVersion.Decision.RETURNED, decided_at=now, decided_by=actor, reason=reason
    )
    _refresh_standing(report.task_id, report.unit_id)
    _refresh_completion(report.task, actor=actor, now=now)
    audit.record(
        actor,
        "progress_report.returned",
        report,
        before={"state": ReportState.SUBMITTED},
        after={"state": report.state, "reason": reason, "version": report.version},
        now=now,
    )
    notify.report_returned(report, now=now)
    return report
