"""包联服务 (enterprise engagement): cadres, pairings, visits, issues raised, projects,
meetings and named enterprise lists.

Counting columns are denormalised on purpose (``unit``, ``area`` and ``cadre`` on visits and
issues; ``next_due_on`` and ``overdue_since`` on pairings): the overdue-visit job and the
dashboard group millions of visits by them without a join (see docs/bench/engagement.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from qinqing.core.crypto.fields import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class CadreLevel(models.TextChoices):
    CITY_LEADER = "city_leader", "市领导"
    COUNTY_LEADER = "county_leader", "县处级领导"
    DEPARTMENT = "department", "部门干部"
    TOWNSHIP = "township", "乡镇（街道）干部"
    GRID = "grid", "网格员"
    POLICE = "police", "警官"
    LAWYER = "lawyer", "律师"
    OTHER = "other", "其他"


class GridLevel(models.TextChoices):
    """三级网格化包联: 市级抓总、属地管理、行业监管."""

    CITY = "city", "市级抓总"
    TERRITORIAL = "territorial", "属地管理"
    INDUSTRY = "industry", "行业监管"


class Cadence(models.IntegerChoices):
    MONTHLY = 1, "每月"
    BIMONTHLY = 2, "每两月"
    QUARTERLY = 3, "每季度"
    HALF_YEARLY = 6, "每半年"


class VisitMode(models.TextChoices):
    ONSITE = "onsite", "实地走访"
    PHONE = "phone", "电话联系"
    ONLINE = "online", "线上沟通"


class Topic(models.TextChoices):
    POLICY = "policy", "政策宣讲"
    NEEDS = "needs", "了解需求"
    PROBLEMS = "problems", "收集问题"


class NeedType(models.TextChoices):
    LABOR = "labor", "用工"
    FINANCE = "finance", "融资"
    LAND = "land", "用地"
    APPROVAL = "approval", "审批"
    POLICY = "policy", "政策"
    OTHER = "other", "其他"


class VisitRating(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    PARTLY = "partly", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class EngagementSettings(models.Model):
    """Per-area settings; the nearest area upwards applies, else the defaults below."""

    area = models.OneToOneField(
        "orgs.Unit", on_delete=models.CASCADE, related_name="+", verbose_name="地区"
    )
    max_visits_per_month = models.PositiveSmallIntegerField(
        "每家企业每月实地走访上限",
        default=2,
        help_text="「无事不扰」：同一企业每月入企走访不超过的次数",
    )
    meetings_per_quarter = models.PositiveSmallIntegerField(
        "每季度政企沟通会最少次数", default=2, help_text="「每季度至少举办2次以上」"
    )
    due_soon_workdays = models.PositiveSmallIntegerField("走访到期前提醒（工作日）", default=3)

    class Meta:
        verbose_name = "包联服务设置"
        verbose_name_plural = "包联服务设置"

    def __str__(self) -> str:
        return f"{self.area}包联服务设置"


class Cadre(models.Model):
    """包联干部: a user in a unit with a level; a user is a cadre at most once."""

    user = models.OneToOneField(
        USER, on_delete=models.PROTECT, related_name="engagement_cadre", verbose_name="用户"
    )
    name = models.CharField("姓名", max_length=50)
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在单位"
    )
    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在地区"
    )
    level = models.CharField("层级", max_length=20, choices=CadreLevel.choices)
    title = models.CharField("职务", max_length=60, blank=True)
    phone = EncryptedTextField("联系电话", max_length=30, blank=True)  # SM4 at rest
    active = models.BooleanField("在岗", default=True)

    class Meta:
        ordering = ["area_id", "unit_id", "name"]
        verbose_name = "包联干部"
        verbose_name_plural = "包联干部"

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """重点项目: stage 签约→开工→投产, investment, the leader in charge and a task force."""

    class Stage(models.TextChoices):
        SIGNED = "signed", "签约"
        STARTED = "started", "开工"
        PRODUCING = "producing", "投产"

    name = models.CharField("项目名称", max_length=200)
    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="项目业主",
    )
    stage = models.CharField("阶段", max_length=20, choices=Stage.choices, default=Stage.SIGNED)
    investment = models.DecimalField("计划总投资（万元）", max_digits=14, decimal_places=2)
    leader = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name="包抓领导"
    )
    lead_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="牵头单位"
    )
    members: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        USER, blank=True, related_name="+", verbose_name="专班成员"
    )
    description = models.TextField("项目简介", blank=True)
    created_at = models.DateTimeField("登记时间")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "重点项目"
        verbose_name_plural = "重点项目"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("engagement:project", args=[self.pk])


class Pairing(models.Model):
    """包联关系: a cadre paired with an enterprise or a project, from a date, maybe to a date."""

    cadre = models.ForeignKey(
        Cadre, on_delete=models.PROTECT, related_name="pairings", verbose_name="包联干部"
    )
    unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="干部所在单位"
    )
    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在地区"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="包联企业",
    )
    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
        verbose_name="包联项目",
    )
    grid_level = models.CharField("网格层级", max_length=20, choices=GridLevel.choices)
    cadence_months = models.PositiveSmallIntegerField(
        "走访频次", choices=Cadence.choices, default=Cadence.MONTHLY
    )
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    last_visit_on = models.DateField("最近走访", null=True, blank=True)
    next_due_on = models.DateField("下次走访截止", null=True, blank=True)
    overdue_since = models.DateField("逾期起", null=True, blank=True)
    created_at = models.DateTimeField("建立时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = "包联关系"
        verbose_name_plural = "包联关系"
        constraints = [
            models.CheckConstraint(
                condition=(Q(enterprise__isnull=False, project__isnull=True))
                | (Q(enterprise__isnull=True, project__isnull=False)),
                name="pairing_enterprise_xor_project",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pairing_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["cadre", "starts_on"], name="pairing_cadre"),
            models.Index(fields=["enterprise", "starts_on"], name="pairing_enterprise"),
            models.Index(fields=["next_due_on"], name="pairing_next_due"),
            models.Index(fields=["unit"], name="pairing_unit"),
            models.Index(fields=["area"], name="pairing_area"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre}—{self.target_name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("engagement:pairing", args=[self.pk])

    @property
    def target_name(self) -> str:
        if self.enterprise is not None:
            return self.enterprise.name
        return self.project.name if self.project is not None else ""


class Visit(models.Model):
    """入企走访: one visit (or call) on a pairing."""

    pairing = models.ForeignKey(
        Pairing, on_delete=models.PROTECT, related_name="visits", verbose_name="包联关系"
    )
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField("走访日期")
    mode = models.CharField("方式", max_length=10, choices=VisitMode.choices)
    people_met = models.CharField("接待人员", max_length=200, blank=True)
    topics = models.JSONField("走访内容", default=list, blank=True)
    need_types = models.JSONField("企业需求类型", default=list, blank=True)
    summary = models.TextField("走访情况")
    # the cycle of the pairing's cadence this visit falls in (its working-day due date), and
    # whether it is the visit that fulfils that cycle (the first one recorded in it)
    cycle_due_on = models.DateField("所属走访周期截止")
    fulfils_cycle = models.BooleanField("完成该周期走访", default=False)
    recorded_at = models.DateTimeField("登记时间")
    recorded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.CharField("企业评价", max_length=20, choices=VisitRating.choices, blank=True)
    rating_comment = models.CharField("评价意见", max_length=500, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = "入企走访"
        verbose_name_plural = "入企走访"
        indexes = [
            models.Index(fields=["pairing", "visited_on"], name="visit_pairing_day"),
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_day"),
            # covering indexes: the dashboard counts by area, unit or cadre from the index alone
            models.Index(
                fields=["cycle_due_on"],
                include=["area", "unit", "cadre"],
                condition=Q(fulfils_cycle=True),
                name="visit_cycle_cover",
            ),
            models.Index(
                fields=["visited_on"],
                include=["area", "unit", "cadre", "rating"],
                name="visit_day_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on}·{self.cadre}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("engagement:visit", args=[self.pk])


class MissedCycle(models.Model):
    """A cadence cycle of a pairing that ended with no visit (written by the overdue job)."""

    pairing = models.ForeignKey(Pairing, on_delete=models.CASCADE, related_name="missed")
    cadre = models.ForeignKey(Cadre, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField("应走访截止")
    flagged_on = models.DateField("发现日期")

    class Meta:
        verbose_name = "逾期未走访周期"
        verbose_name_plural = "逾期未走访周期"
        constraints = [
            models.UniqueConstraint(fields=["pairing", "due_on"], name="missed_cycle_once"),
        ]
        indexes = [models.Index(fields=["due_on", "unit"], name="missed_due_unit")]

    def __str__(self) -> str:
        return f"{self.pairing_id}·{self.due_on}"


class VisitAttachment(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="engagement/visits/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "走访附件"
        verbose_name_plural = "走访附件"

    def __str__(self) -> str:
        return self.name


class MeetingKind(models.TextChoices):
    ROUNDTABLE = "roundtable", "政企圆桌会议"
    FORUM = "forum", "企业座谈会"
    RECEPTION_DAY = "reception_day", "企业接待日"
    FINANCING = "financing", "政银企对接会"
    CONSULTATION = "consultation", "涉企政策征求意见会"


class Meeting(models.Model):
    """政企沟通会 (and 征求意见: a draft document with a reply deadline)."""

    class State(models.TextChoices):
        SCHEDULED = "scheduled", "已安排"
        HELD = "held", "已召开"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("类型", max_length=20, choices=MeetingKind.choices)
    title = models.CharField("会议名称", max_length=200)
    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在地区"
    )
    host_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="主办单位"
    )
    held_on = models.DateField("会议日期")
    place = models.CharField("地点", max_length=200, blank=True)
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SCHEDULED)
    invited_enterprises = models.ManyToManyField(
        "enterprises.Enterprise", blank=True, related_name="+", verbose_name="邀请企业"
    )
    invited_units = models.ManyToManyField(
        "orgs.Unit", blank=True, related_name="+", verbose_name="邀请单位"
    )
    minutes = models.TextField("会议纪要", blank=True)
    draft_title = models.CharField("征求意见稿名称", max_length=200, blank=True)
    draft_text = models.TextField("征求意见稿正文", blank=True)
    draft_file = models.FileField(upload_to="engagement/drafts/%Y/", blank=True)
    replies_due_on = models.DateField("意见反馈截止", null=True, blank=True)
    created_at = models.DateTimeField("登记时间")
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = "政企沟通会"
        verbose_name_plural = "政企沟通会"
        indexes = [models.Index(fields=["area", "held_on"], name="meeting_area_day")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("engagement:meeting", args=[self.pk])


class ConsultationReply(models.Model):
    """An enterprise's reply to a draft put out for comment (征求意见)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="replies")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("意见建议")
    submitted_at = models.DateTimeField("提交时间")
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "征求意见反馈"
        verbose_name_plural = "征求意见反馈"
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "enterprise"], name="one_reply_per_enterprise"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}·{self.enterprise_id}"


class RaisedIssue(models.Model):
    """A problem found on a visit or raised at a meeting, opened as an appeal (linked both ways:
    the appeal carries ``source="engagement"`` and ``external_id`` naming this row)."""

    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="issues"
    )
    appeal = models.OneToOneField(
        "appeals.Appeal", on_delete=models.PROTECT, related_name="engagement_issue"
    )
    need_type = models.CharField("需求类型", max_length=20, choices=NeedType.choices)
    cadre = models.ForeignKey(
        Cadre, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey("orgs.Unit", on_delete=models.PROTECT, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    raised_on = models.DateField("提出日期")

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = "走访和沟通会收集的诉求"
        verbose_name_plural = "走访和沟通会收集的诉求"
        constraints = [
            models.CheckConstraint(
                condition=Q(visit__isnull=False) | Q(meeting__isnull=False),
                name="issue_from_visit_or_meeting",
            ),
        ]
        indexes = [models.Index(fields=["raised_on", "unit"], name="issue_day_unit")]

    def __str__(self) -> str:
        return f"{self.get_need_type_display()}·{self.appeal_id}"


class ApprovalItem(models.Model):
    """One approval on a project's checklist, with its 代办 (handled on the owner's behalf) status."""

    class Status(models.TextChoices):
        PENDING = "pending", "未启动"
        PROXY = "proxy", "代办中"
        DONE = "done", "已办结"
        NOT_NEEDED = "not_needed", "无需办理"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="approvals")
    name = models.CharField("审批事项", max_length=200)
    unit = models.ForeignKey(
        "orgs.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name="审批部门",
    )  # fmt: skip
    status = models.CharField(
        "办理状态", max_length=20, choices=Status.choices, default=Status.PENDING
    )
    proxy_agent = models.CharField("代办员", max_length=50, blank=True)
    done_on = models.DateField("办结日期", null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "项目审批事项"
        verbose_name_plural = "项目审批事项"

    def __str__(self) -> str:
        return self.name


class Blocker(models.Model):
    """A blocker of a project (堵点), with an owner unit and a working-day deadline."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="blockers")
    description = models.TextField("问题描述")
    owner_unit = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="责任单位"
    )
    owner_name = models.CharField("责任人", max_length=50, blank=True)
    raised_on = models.DateField("提出日期")
    limit_workdays = models.PositiveSmallIntegerField("办理时限（工作日）")
    due_on = models.DateField("办结时限")
    resolved_on = models.DateField("解决日期", null=True, blank=True)
    resolution = models.TextField("解决情况", blank=True)

    class Meta:
        ordering = ["resolved_on", "due_on", "pk"]
        verbose_name = "项目堵点"
        verbose_name_plural = "项目堵点"

    def __str__(self) -> str:
        return self.description[:40]


class ProjectTask(models.Model):
    """A project linked to a plan task (方案任务)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="task_links")
    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "task"], name="project_task_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}→{self.task_id}"


class ListKind(models.TextChoices):
    KEY = "key", "重点企业"
    LISTING_RESERVE = "listing_reserve", "上市后备企业"
    SPECIALIZED = "specialized", "专精特新企业"
    FOREIGN = "foreign", "重点外资企业"
    OTHER = "other", "其他名录"


class EnterpriseList(models.Model):
    """名录: a named list of enterprises whose membership has a history."""

    name = models.CharField("名录名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=ListKind.choices)
    area = models.ForeignKey(
        "orgs.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="所在地区"
    )
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        ordering = ["area_id", "name"]
        verbose_name = "企业名录"
        verbose_name_plural = "企业名录"
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="list_name_per_area"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("engagement:enterprise_list", args=[self.pk])


class ListMembership(models.Model):
    enterprise_list = models.ForeignKey(
        EnterpriseList, on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", on_delete=models.PROTECT, related_name="+"
    )
    joined_on = models.DateField("列入日期")
    left_on = models.DateField("移出日期", null=True, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        ordering = ["-joined_on", "-pk"]
        verbose_name = "名录成员"
        verbose_name_plural = "名录成员"
        indexes = [models.Index(fields=["enterprise_list", "left_on"], name="membership_current")]

    def __str__(self) -> str:
        return f"{self.enterprise_list_id}·{self.enterprise_id}"
