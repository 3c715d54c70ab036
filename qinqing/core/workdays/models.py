"""Holiday arrangements entered by an administrator from the State Council's annual notice.

Years the chinesecalendar package covers need no rows here; a row here overrides the package
for its year. Rows are written only by :func:`qinqing.core.workdays.service.import_notice`
(validated, transactional, audited); the admin site shows them read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from qinqing.core.workdays.data import YearData


class DayKind(models.TextChoices):
    PUBLIC_HOLIDAY = "public_holiday", "法定节假日"
    MAKEUP_WORKDAY = "makeup_workday", "调休上班日"


class CalendarYear(models.Model):
    """One year's arrangement (节假日安排) and the notice it was transcribed from."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("文件名称", max_length=200)
    document_number = models.CharField("文号", max_length=100, blank=True)
    published_on = models.DateField("发布日期", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    imported_at = models.DateTimeField("导入时间")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["year"]
        verbose_name = "节假日安排"
        verbose_name_plural = "节假日安排"

    def __str__(self) -> str:
        return f"{self.year} 年节假日安排（第 {self.version} 版）"

    def to_year_data(self) -> YearData:
        days = list(self.days.all())
        return YearData(
            year=self.year,
            holidays={d.day: d.name for d in days if d.kind == DayKind.PUBLIC_HOLIDAY},
            makeup_workdays={d.day: d.name for d in days if d.kind == DayKind.MAKEUP_WORKDAY},
            source=self.source,
            document_number=self.document_number,
            version=f"数据库第 {self.version} 版",
            effective_from=self.imported_at,
            origin="database",
        )


class CalendarDay(models.Model):
    """A rest day of a holiday block, or a make-up working day (调休上班日)."""

    calendar_year = models.ForeignKey(
        CalendarYear, verbose_name="节假日安排", on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=20, choices=DayKind.choices)
    name = models.CharField("节日", max_length=100)

    class Meta:
        ordering = ["day"]
        verbose_name = "节假日安排日期"
        verbose_name_plural = "节假日安排日期"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values), name="workdays_calendarday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.get_kind_display()}（{self.name}）"


class DeadlineRecompute(models.Model):
    """One recomputation of every open deadline after the calendar in force changed."""

    signature = models.CharField("日历版本", max_length=500)
    reason = models.CharField("原因", max_length=200)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    checked = models.PositiveIntegerField("检查的期限数", default=0)
    moved = models.PositiveIntegerField("变动的期限数", default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = "期限重算"
        verbose_name_plural = "期限重算"

    def __str__(self) -> str:
        return f"{self.reason}（{self.moved} 项期限变动）"


class DeadlineChange(models.Model):
    """A deadline that moved when the calendar changed: which, from what, to what."""

    recompute = models.ForeignKey(
        DeadlineRecompute, verbose_name="重算", on_delete=models.CASCADE, related_name="changes"
    )
    app_label = models.CharField("业务", max_length=40)
    what = models.CharField("事项", max_length=300)
    field_label = models.CharField("期限", max_length=60)
    old_value = models.CharField("原期限", max_length=40, blank=True)
    new_value = models.CharField("新期限", max_length=40, blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name="承办单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uscc = models.CharField("企业统一社会信用代码", max_length=18, blank=True)

    class Meta:
        ordering = ["recompute", "app_label", "id"]
        verbose_name = "期限变动"
        verbose_name_plural = "期限变动"
        indexes = [models.Index(fields=["recompute", "unit"])]

    def __str__(self) -> str:
        return f"{self.what} {self.field_label}：{self.old_value} → {self.new_value}"
