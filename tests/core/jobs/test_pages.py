"""系统运行, the run-now button, banners for the office and the site admin, /healthz."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import timezone

from qinqing.core.audit.models import AuditEvent
from qinqing.core.jobs import report_problem, resolve_problem, runner
from qinqing.core.jobs.models import JobRun, Outcome, Problem
from tests.core.jobs.sample_jobs import JOBS

SAMPLES = [j for j in JOBS if j.name in ("sample.count", "sample.boom", "sample.missing")]


@pytest.fixture
def samples():
    with runner.override_jobs(SAMPLES):
        yield


def test_site_admin_sees_every_job_with_failures_in_red(world, client_for, samples):
    runner.run_due(dt.datetime(2025, 10, 10, 9, 1, tzinfo=dt.UTC))
    page = client_for(world.site_admin).get(reverse("jobs:status"))
    assert page.status_code == 200
    html = page.content.decode()
    for job in SAMPLES:
        assert job.label in html
    assert '<span class="error">失败</span>' in html
    assert "磁盘已满：无法写入导出文件" in html
    assert "找不到任务函数 qinqing.core.workdays.no_such_module.recompute" in html
    assert "每个工作日 09:00" in html


@pytest.mark.parametrize("persona", ["office_admin", "market_clerk", "leader", "enterprise_a"])
def test_others_cannot_see_the_page_or_run_a_job(world, client_for, samples, persona):
    client = client_for(getattr(world, persona))
    assert client.get(reverse("jobs:status")).status_code == 403
    response = client.post(reverse("jobs:run_now", args=["sample.count"]))
    assert response.status_code == 403
    assert not JobRun.objects.exists()
    assert not AuditEvent.objects.filter(verb__in=["job.run_requested", "sample.ran"]).exists()


def test_anonymous_users_are_sent_to_login(client, db, samples):
    response = client.post(reverse("jobs:run_now", args=["sample.count"]))
    assert response.status_code == 302
    assert not JobRun.objects.exists()


def test_run_now_runs_the_job_and_is_audited(world, client_for, samples):
    client = client_for(world.site_admin)
    response = client.post(reverse("jobs:run_now", args=["sample.count"]), follow=True)
    assert "“示例：计数”已运行完成" in response.content.decode()
    run = JobRun.objects.get()
    assert (run.outcome, run.trigger, run.actor) == (Outcome.SUCCEEDED, "manual", "site_admin")
    event = AuditEvent.objects.get(verb="job.run_requested")
    assert (event.actor_id, event.object_id) == (world.site_admin.pk, "sample.count")


def test_run_now_of_an_unknown_job_changes_nothing(world, client_for, samples):
    response = client_for(world.site_admin).post(reverse("jobs:run_now", args=["no.such"]))
    assert response.status_code in (400, 404)
    assert not JobRun.objects.exists()
    assert not AuditEvent.objects.filter(verb="job.run_requested").exists()


def test_a_failed_job_puts_a_banner_on_office_and_admin_pages_until_it_succeeds(
    world, client_for, client, samples
):
    runner.run_due(dt.datetime(2025, 10, 10, 9, 1, tzinfo=dt.UTC))
    home = reverse("web:home")
    admin_page = client_for(world.site_admin).get(home).content.decode()
    assert "定时任务未正常完成" in admin_page and "示例：会失败（失败）" in admin_page
    assert reverse("jobs:status") in admin_page
    client.logout()
    office_page = client_for(world.office_admin).get(home).content.decode()
    assert "示例：会失败（失败）" in office_page
    assert "请联系系统管理员处理" in office_page
    client.logout()
    assert "定时任务未正常完成" not in client_for(world.market_clerk).get(home).content.decode()
    # handled: each failed job runs again successfully (its function fixed)
    fixed = [replace(j, func="tests.core.jobs.sample_jobs.count") for j in SAMPLES]
    with runner.override_jobs(fixed):
        for job in fixed:
            runner.run_job(job, now=timezone.now())
        client.logout()
        assert "定时任务未正常完成" not in client_for(world.office_admin).get(home).content.decode()


def test_a_reported_problem_is_a_banner_until_resolved(world, client_for, client):
    now = timezone.now()
    assert report_problem(
        "test.cycle", "“月调度”2031年1月：缺少 2031 年工作日历。", "/calendar/", now=now
    )
    assert not report_problem(
        "test.cycle", "“月调度”2031年1月：缺少 2031 年工作日历。", "/calendar/"
    )
    home = reverse("web:home")
    assert "缺少 2031 年工作日历" in client_for(world.office_admin).get(home).content.decode()
    client.logout()
    admin = client_for(world.site_admin)
    problem = Problem.objects.get()
    admin.post(reverse("jobs:resolve_problem", args=[problem.pk]))
    assert "缺少 2031 年工作日历" not in admin.get(home).content.decode()
    assert AuditEvent.objects.filter(verb="problem.resolved", actor_id=world.site_admin.pk).exists()
    assert not resolve_problem("test.cycle")


def test_a_cycle_that_cannot_open_is_reported_by_the_supervision_sweep(
    world, client_for, monkeypatch
):
    from qinqing.supervision import service as supervision_service

    real = supervision_service.ensure_all_cycles

    def failing(today, *, calendar, problems):
        problems.append("“月度调度”2031年1月：2031 年的工作日历尚未导入")
        return real(today, calendar=calendar, problems=problems)

    monkeypatch.setattr(supervision_service, "ensure_all_cycles", failing)
    job = runner.get_job("supervision.sweep")
    run = runner.run_job(job, now=dt.datetime(2025, 10, 10, 1, 0, tzinfo=dt.UTC))
    assert run.outcome == Outcome.SUCCEEDED and run.counts["cycles_not_opened"] == 1
    page = client_for(world.office_admin).get(reverse("web:home")).content.decode()
    assert "调度周期未能开放" in page and "2031 年的工作日历尚未导入" in page
    monkeypatch.setattr(supervision_service, "ensure_all_cycles", real)
    runner.run_job(job, now=dt.datetime(2025, 10, 13, 1, 0, tzinfo=dt.UTC))
    assert "调度周期未能开放" not in client_for(world.office_admin).get("/").content.decode()


def test_healthz_answers_without_login_and_without_secrets(client, db, samples, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["cache"]["ok"] and body["storage"]["ok"]
    assert body["jobs"]["total"] == len(SAMPLES)
    text = response.content.decode()
    assert settings.SECRET_KEY not in text and str(settings.VAR_DIR) not in text


def test_healthz_reports_failing_and_late_jobs(client, db, samples):
    # a working day after 09:00 in Beijing (ten days before today fell on a weekend on some
    # dates, when no job was due and nothing failed); then the scheduler stopped
    runner.run_due(dt.datetime(2025, 10, 10, 9, 1, tzinfo=dt.UTC))
    response = client.get("/healthz")
    assert response.status_code == 200  # the site still serves
    body = response.json()
    assert body["status"] == "degraded"
    assert body["jobs"]["failing"] == ["sample.boom", "sample.missing"]
    assert body["jobs"]["late"] == ["sample.boom", "sample.count", "sample.missing"]


def test_healthz_is_503_when_upload_storage_fails(client, db, samples, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def broken(*args, **kwargs):
        raise OSError("/secret/path/uploads: read-only file system")

    # on the class: the test's private storage setting rebuilds the default storage object
    monkeypatch.setattr(FileSystemStorage, "save", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error" and not response.json()["storage"]["ok"]
    assert "/secret/path" not in response.content.decode()
