"""Retention (网络安全法第二十一条, 个人信息最小化): the daily purge deletes what must not be
kept for ever, never a log younger than the retention period and never an audit event."""

import datetime as dt

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session

from qinqing.core import audit
from qinqing.core.audit import retention
from qinqing.core.audit.models import AuditEvent
from qinqing.core.audit.service import verify_chain
from qinqing.core.errors import QinqingError
from qinqing.core.jobs.models import JobRun
from qinqing.core.manifest import all_jobs
from qinqing.core.notifications.models import Delivery, Notification, SmsOutbox

NOW = dt.datetime(2026, 6, 15, 2, 0, tzinfo=dt.UTC)
OLD = NOW - dt.timedelta(days=400)  # past the default 365 days
YOUNG = NOW - dt.timedelta(days=200)  # past the legal 180, inside the configured 365


@pytest.fixture
def records(world):
    """Two of everything: one past its retention, one not."""
    for when, key in ((OLD, "old"), (YOUNG, "young")):
        attempt = AccessAttempt.objects.create(
            username=key, ip_address="10.0.0.1", user_agent="t", failures_since_start=1
        )
        log = AccessLog.objects.create(username=key, ip_address="10.0.0.1", user_agent="t")
        # attempt_time is auto_now_add: backdate through the queryset
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=when)
        AccessLog.objects.filter(pk=log.pk).update(attempt_time=when)
        SmsOutbox.objects.create(phone="138****0000", text=key, created_at=when)
        JobRun.objects.create(job=key, trigger="schedule", now=when, started_at=when,
                              outcome="succeeded")  # fmt: skip
        note = Notification.objects.create(recipient=world.office_admin, kind="t", title=key,
                                           created_at=when)  # fmt: skip
        Delivery.objects.create(notification=note, channel="sms", status="sent", queued_at=when)
        Delivery.objects.create(notification=note, channel="email", status="queued", queued_at=when)
    Session.objects.create(
        session_key="expired", session_data="", expire_date=NOW - dt.timedelta(hours=1)
    )
    Session.objects.create(
        session_key="current", session_data="", expire_date=NOW + dt.timedelta(hours=1)
    )
    audit.record("test-setup", "unit.updated", world.market, after={"n": 1}, now=OLD)
    return world


def _usernames(model):
    return sorted(model.objects.values_list("username", flat=True))


def test_the_purge_deletes_old_logs_and_expired_sessions_and_keeps_the_rest(records):
    events_before = AuditEvent.objects.count()
    counts = retention.purge(NOW)

    assert _usernames(AccessAttempt) == ["young"] and _usernames(AccessLog) == ["young"]
    assert list(SmsOutbox.objects.values_list("text", flat=True)) == ["young"]
    assert list(JobRun.objects.values_list("job", flat=True)) == ["young"]
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current"]
    # a finished delivery goes after the period; one still waiting to be sent never does
    remaining = sorted(Delivery.objects.values_list("notification__title", "status"))
    assert remaining == [("old", "queued"), ("young", "queued"), ("young", "sent")]
    assert counts["login_attempts"] == 1 and counts["sessions"] == 1 and counts["deliveries"] == 1

    # the audit trail is never purged, however old, and the purge itself is in it
    assert AuditEvent.objects.filter(created_at=OLD).exists()
    purged = AuditEvent.objects.get(verb="retention.purged")
    assert purged.after["deleted"]["登录尝试记录"] == 1
    assert AuditEvent.objects.count() == events_before + 1
    assert verify_chain().ok


def test_a_second_run_deletes_nothing_and_records_nothing(records):
    retention.purge(NOW)
    events = AuditEvent.objects.count()
    assert not any(retention.purge(NOW).values())
    assert AuditEvent.objects.count() == events


def test_a_retention_below_the_legal_minimum_deletes_nothing(records, settings):
    settings.QINQING_RETENTION_DAYS = {"job_runs": 30}
    with pytest.raises(QinqingError, match="日志至少保存 365 天"):
        retention.purge(NOW)
    assert AccessAttempt.objects.count() == 2 and JobRun.objects.count() == 2
    assert Session.objects.filter(session_key="expired").exists()  # checked before any delete
    assert not AuditEvent.objects.filter(verb="retention.purged").exists()


def test_a_longer_retention_for_one_log_keeps_it_longer(records, settings):
    settings.QINQING_RETENTION_DAYS = {"login_attempts": 500}
    retention.purge(NOW)
    assert _usernames(AccessAttempt) == ["old", "young"]
    assert _usernames(AccessLog) == ["young"]


def test_the_purge_is_a_daily_job():
    job = next(j for j in all_jobs() if j.name == "audit.retention_purge")
    assert job.schedule == "daily 02:00" and job.func == "qinqing.core.audit.retention.purge"
