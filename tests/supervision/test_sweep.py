"""The sweep: due-soon and overdue reminders, sent once through the notification centre by
e-mail (a real local SMTP server) and SMS; a run killed halfway leaves nothing and a rerun
creates no duplicates."""

from datetime import date

import pytest

from qinqing.core.accounts.models import Profile
from qinqing.core.notifications.models import Delivery, Notification, SmsOutbox
from qinqing.core.notifications.tasks import send_pending
from qinqing.supervision import service, tasks
from qinqing.supervision.models import (
    ProgressReport,
    Reminder,
    ReviewCycle,
    SweepRun,
)
from qinqing.supervision.rules import ReminderKind
from tests.supervision.factories import at, cycle_of, make_plan, make_task, monthly, slot

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive


@pytest.fixture
def ledger(world):
    plan = make_plan(world)
    soon = make_task(
        plan,
        label="1",
        title="推行企业开办一网通办",
        lead=[world.market],
        responsible=[world.tax],
        due_on=date(2025, 7, 4),
    )
    late = make_task(
        plan,
        label="2",
        title="压缩工程建设项目审批时间",
        lead=[world.tax],
        due_on=date(2025, 6, 27),
    )
    calm = make_task(
        plan, label="3", title="优化纳税服务", lead=[world.ndrc], due_on=date(2025, 12, 31)
    )
    cadence = monthly(world, plan, starts_on=date(2025, 6, 1), now=at(date(2025, 6, 2)))
    Profile.objects.filter(user=world.tax_clerk).update(phone="13800138000")
    return {"soon": soon, "late": late, "calm": calm, "cadence": cadence}


def _rows():
    return (
        ReviewCycle.objects.count(),
        ProgressReport.objects.count(),
        Reminder.objects.count(),
        SweepRun.objects.count(),
    )


def test_sweep_reminds_due_soon_and_overdue_once(
    world, ledger, smtp_server, django_capture_on_commit_callbacks
):
    now = at(date(2025, 6, 30), 9)  # Monday; 07-04 is 4 working days away; 06-27 passed
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.sweep(now, window_workdays=5)
    kinds = set(Reminder.objects.values_list("task_id", "unit_id", "kind"))
    assert (ledger["late"].pk, world.tax.pk, ReminderKind.TASK_OVERDUE) in kinds
    assert (ledger["soon"].pk, world.market.pk, ReminderKind.TASK_DUE_SOON) in kinds
    assert (ledger["soon"].pk, world.tax.pk, ReminderKind.TASK_DUE_SOON) in kinds
    calm = {kind for task, _, kind in kinds if task == ledger["calm"].pk}
    assert calm == {ReminderKind.REPORT_DUE_SOON}  # its deadline is far; its report is due
    # June reports are due 07-07 (5 working days after 06-30): due soon, not filed
    june = cycle_of(ledger["cadence"], date(2025, 6, 1))
    assert june.report_due_on == date(2025, 7, 7)
    assert (ledger["soon"].pk, world.market.pk, ReminderKind.REPORT_DUE_SOON) in kinds
    assert result.counts["overdue"] == 1
    # one e-mail per unit, to the unit's members
    to = sorted(tuple(rcpt) for rcpt, _ in smtp_server.messages)
    assert (world.market_clerk.email,) in to and (world.tax_clerk.email,) in to
    tax_mail = next(m for rcpt, m in smtp_server.messages if rcpt == [world.tax_clerk.email])
    assert (
        "任务已逾期" in tax_mail["Subject"] and "压缩工程建设项目审批时间" in tax_mail.get_content()
    )
    assert SmsOutbox.objects.filter(phone="138****8000").count() == 1
    assert not Reminder.objects.filter(dispatched_at__isnull=True).exists()
    inbox = Notification.objects.get(recipient=world.tax_clerk, kind="supervision.reminder")
    assert "任务已逾期" in inbox.title and inbox.url == "/supervision/my/"

    sent = len(smtp_server.messages)
    before = _rows()
    with django_capture_on_commit_callbacks(execute=True):
        again = tasks.sweep(at(date(2025, 6, 30), 15), window_workdays=5)
    send_pending(at(date(2025, 6, 30), 15))
    assert again.reminders_created == 0 and again.slots_opened == 0
    assert _rows() == before
    assert len(smtp_server.messages) == sent
    assert SmsOutbox.objects.count() == 1


def test_report_overdue_after_due_day_and_filing_stops_reminders(world, ledger, smtp_server):
    june = cycle_of(ledger["cadence"], date(2025, 6, 1))
    service.submit_report(
        slot(ledger["soon"], world.market, june),
        actor=world.market_clerk,
        stage="in_progress",
        narrative="进展",
        now=at(date(2025, 7, 1)),
    )
    tasks.sweep(at(date(2025, 7, 8), 9), window_workdays=0)
    overdue = set(
        Reminder.objects.filter(kind=ReminderKind.REPORT_OVERDUE).values_list("task_id", "unit_id")
    )
    assert (ledger["soon"].pk, world.tax.pk) in overdue
    assert (ledger["soon"].pk, world.market.pk) not in overdue  # filed


@pytest.mark.parametrize("stage", ["cycles", "slots", "reminders", "stored"])
def test_sweep_killed_halfway_leaves_nothing_and_rerun_creates_no_duplicates(
    world, ledger, monkeypatch, smtp_server, stage, django_capture_on_commit_callbacks
):
    now = at(date(2025, 7, 1), 9)  # a new cycle (July) opens today
    before = _rows()

    def kill(at_stage):
        if at_stage == stage:
            raise RuntimeError("killed")

    monkeypatch.setattr(tasks, "_checkpoint", kill)
    with pytest.raises(RuntimeError):
        tasks.sweep(now, window_workdays=5)
    assert _rows() == before
    assert smtp_server.messages == []

    monkeypatch.setattr(tasks, "_checkpoint", lambda _stage: None)
    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.sweep(now, window_workdays=5)
    after_first = _rows()
    assert first.reminders_created > 0 and first.cycles_created == 1
    with django_capture_on_commit_callbacks(execute=True):
        second = tasks.sweep(now, window_workdays=5)
    assert second.reminders_created == 0 and _rows() == after_first
    keys = list(Reminder.objects.values_list("task_id", "unit_id", "kind", "key"))
    assert len(keys) == len(set(keys))
    # one message per unit with members (市发改委 has none in the test world), never two
    reminded = {u for _, u, _, _ in keys}
    assert sorted(r[0] for r, _ in smtp_server.messages) == sorted(
        w.email for w in (world.market_clerk, world.tax_clerk) if w.profile.unit_id in reminded
    )


def test_smtp_down_is_recorded_and_the_job_sends_later(
    world, ledger, settings, smtp_server, django_capture_on_commit_callbacks
):
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep(at(date(2025, 6, 30), 9), window_workdays=5)
    assert not Reminder.objects.filter(dispatched_at__isnull=True).exists()
    assert smtp_server.messages == []
    mails = Delivery.objects.filter(channel="email", notification__kind="supervision.reminder")
    assert mails.filter(status="failed").exclude(last_error="").count() == 2  # one per unit
    settings.EMAIL_PORT = real_port
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep(at(date(2025, 6, 30), 10), window_workdays=5)  # finds nothing new
    assert smtp_server.messages == []
    send_pending(at(date(2025, 6, 30), 10))
    assert sorted(r[0] for r, _ in smtp_server.messages) == sorted(
        [world.market_clerk.email, world.tax_clerk.email]
    )
    send_pending(at(date(2025, 6, 30), 11))
    assert len(smtp_server.messages) == 2


def test_sweep_creates_default_cadence_for_assigned_items(world, smtp_server):
    task = service.assign_item(
        actor=world.office_admin,
        origin="meeting",
        title="协调解决企业用地问题",
        basis="2025年第6次市长调度会议纪要",
        lead_units=[world.ndrc],
        due_on=date(2025, 7, 31),
        now=at(date(2025, 6, 16)),
    )
    tasks.sweep(at(date(2025, 7, 1), 9), window_workdays=5)
    months = set(
        ProgressReport.objects.filter(task=task).values_list("cycle__period_start", flat=True)
    )
    assert months == {date(2025, 6, 1), date(2025, 7, 1)}
