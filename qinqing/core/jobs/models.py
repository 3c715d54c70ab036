"""Scheduled-job bookkeeping: one state row (and lock) per job, one row per run, and the
problems other apps report until someone handles them."""

from __future__ import annotations

from django.db import models


class Outcome(models.TextChoices):
    RUNNING = "running", "运行中"
    SUCCEEDED = "succeeded", "成功"
    FAILED = "failed", "失败"
    SKIPPED = "skipped", "跳过"
    ABANDONED = "abandoned", "中断"


PROBLEM_OUTCOMES = (Outcome.FAILED, Outcome.SKIPPED, Outcome.ABANDONED)


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "按计划"
    CATCH_UP = "catch_up", "停机补跑"
    MANUAL = "manual", "手动运行"


class JobState(models.Model):
    """Per job: the last schedule slot handled and the lock that lets one run at a time.

    The lock is a lease taken with one conditional UPDATE (works the same on SQLite and
    PostgreSQL, across processes and machines): free when ``lock_token`` is empty, when the
    lease has expired, or when the holder is a dead process on this machine.
    """

    name = models.CharField("任务", max_length=100, primary_key=True)
    last_slot = models.DateTimeField("已处理到的计划时刻", null=True, blank=True)
    lock_token = models.CharField(max_length=40, blank=True, default="")
    locked_by = models.CharField("运行者", max_length=200, blank=True, default="")
    locked_until = models.DateTimeField(null=True, blank=True)
    last_run = models.ForeignKey(
        "JobRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "定时任务状态"
        verbose_name_plural = "定时任务状态"

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of a job: when, why, how it ended, what it counted, and the error if any."""

    job = models.CharField("任务", max_length=100, db_index=True)
    trigger = models.CharField("触发方式", max_length=20, choices=Trigger.choices)
    slot = models.DateTimeField("计划时刻", null=True, blank=True)
    now = models.DateTimeField("运行时刻（业务时间）")
    missed = models.PositiveIntegerField("合并的计划次数", default=1)
    started_at = models.DateTimeField("开始")
    finished_at = models.DateTimeField("结束", null=True, blank=True)
    outcome = models.CharField("结果", max_length=20, choices=Outcome.choices)
    counts = models.JSONField("计数", default=dict, blank=True)
    error = models.TextField("错误", blank=True, default="")
    runner = models.CharField("运行者", max_length=200, blank=True, default="")
    actor = models.CharField("操作人", max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobs_run_job_started")]
        verbose_name = "运行记录"
        verbose_name_plural = "运行记录"

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)


class Problem(models.Model):
    """A problem an app reported (``report_problem``), shown as a banner until resolved."""

    key = models.CharField("标识", max_length=200, unique=True)
    text = models.TextField("内容")
    url = models.CharField("链接", max_length=500, blank=True, default="")
    reported_at = models.DateTimeField("首次报告")
    last_seen_at = models.DateTimeField("最近报告")
    resolved_at = models.DateTimeField("已处理", null=True, blank=True)
    resolved_by = models.CharField("处理人", max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-last_seen_at"]
        verbose_name = "待处理问题"
        verbose_name_plural = "待处理问题"

    def __str__(self) -> str:
        return self.key
