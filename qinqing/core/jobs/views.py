"""系统运行 (system status) for the site administrator, and /healthz for monitoring."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from qinqing.core.accounts.access import require_capability
from qinqing.core.jobs import health, runner, service
from qinqing.core.jobs.models import JobRun, Outcome, Problem

CAPABILITY = "system.view"


@login_required
def status(request: HttpRequest) -> HttpResponse:
    require_capability(request.user, CAPABILITY)
    now = timezone.now()
    rows = runner.statuses(now)
    recent = JobRun.objects.all()[:30]
    labels = {j.name: j.label for j in runner.registered_jobs()}
    return render(
        request,
        "jobs/status.html",
        {
            "rows": rows,
            "recent": [(r, labels.get(r.job, r.job)) for r in recent],
            "problems": Problem.objects.filter(resolved_at=None),
            "failed": Outcome.FAILED,
        },
    )


@login_required
@require_POST
def run_now(request: HttpRequest, name: str) -> HttpResponse:
    require_capability(request.user, CAPABILITY)
    job = runner.get_job(name)
    run = service.run_job_now(job.name, actor=request.user, now=timezone.now())
    if run is None:
        messages.error(request, f"“{job.label}”正在其他进程中运行，请稍后刷新查看结果。")
    elif run.outcome == Outcome.SUCCEEDED:
        messages.success(request, f"“{job.label}”已运行完成。")
    else:
        messages.error(request, f"“{job.label}”运行{run.get_outcome_display()}：{run.error[:200]}")
    return redirect("jobs:status")


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    require_capability(request.user, CAPABILITY)
    problem = get_object_or_404(Problem, pk=pk, resolved_at=None)
    service.resolve_problem(problem.key, actor=request.user, now=timezone.now())
    messages.success(request, "已标记为已处理。")
    return redirect("jobs:status")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.check(timezone.now())
    # a failing job degrades the site but it still serves: only "error" takes it out
    return JsonResponse(report, status=503 if report["status"] == "error" else 200)
