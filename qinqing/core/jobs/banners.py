"""Banners of the jobs app: failed or skipped jobs and open problems, for the office and
the site administrator, until handled (a later successful run; a problem resolved)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from qinqing.core.actor import AnyUser
from qinqing.core.manifest import Banner

LIMIT = 5


def concerns(user: AnyUser) -> bool:
    from qinqing.core.accounts.access import has_capability, has_role

    return has_capability(user, "system.view") or has_role(user, "office_admin")


def banners(user: AnyUser, now: dt.datetime) -> list[Banner]:
    if not concerns(user):
        return []
    from qinqing.core.accounts.access import has_capability
    from qinqing.core.jobs.models import PROBLEM_OUTCOMES, JobState, Problem
    from qinqing.core.jobs.runner import registered_jobs

    admin = has_capability(user, "system.view")
    status_url = reverse("jobs:status") if admin else ""
    labels = {j.name: j.label for j in registered_jobs()}
    out: list[Banner] = []
    failing = [
        s
        for s in JobState.objects.filter(last_run__outcome__in=PROBLEM_OUTCOMES)
        .select_related("last_run")
        .order_by("name")
        if s.name in labels
    ]
    if failing:
        names = "、".join(
            f"{labels[s.name]}（{s.last_run.get_outcome_display()}）"
            for s in failing
            if s.last_run is not None
        )
        out.append(
            Banner(
                f"定时任务未正常完成：{names}。" + ("" if admin else "请联系系统管理员处理。"),
                url=status_url,
                link_text="查看系统运行" if admin else "",
                level="error",
            )
        )
    for problem in Problem.objects.filter(resolved_at=None)[:LIMIT]:
        out.append(Banner(problem.text, url=problem.url, link_text="去处理" if problem.url else ""))
    return out
