"""Writes of 包联服务: one function per change, atomic, audited, notifications after commit.

Callers check access first (``queries.access_*``); these functions check the input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.notifications import notify, notify_enterprise
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, add_workdays, get_calendar
from qinqing.engagement import rules
from qinqing.engagement.models import (
    ApprovalItem,
    Blocker,
    Cadence,
    Cadre,
    CadreLevel,
    ConsultationReply,
    EngagementSettings,
    EnterpriseList,
    GridLevel,
    ListMembership,
    Meeting,
    MeetingKind,
    MissedCycle,
    NeedType,
    Pairing,
    Project,
    ProjectTask,
    RaisedIssue,
    Topic,
    Visit,
    VisitAttachment,
    VisitMode,
    VisitRating,
)

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ATTACHMENT_TYPES = ("jpg", "jpeg", "png", "pdf", "docx", "doc", "xlsx")


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(DEFAULT_OFFICE_HOURS.tz).date()


def settings_for(area: Unit | None) -> EngagementSettings:
    """The nearest area's settings upwards, else the defaults."""
    node = area
    while node is not None:
        found = EngagementSettings.objects.filter(area=node).first()
        if found is not None:
            return found
        node = node.parent
    return EngagementSettings(area=area) if area is not None else EngagementSettings()


# ---------------------------------------------------------------------------------------
# Cadres and pairings (包联关系)
# ---------------------------------------------------------------------------------------


@transaction.atomic
def register_cadre(
    user, *, actor, now: dt.datetime, level: str, title: str = "", phone: str = ""
) -> Cadre:
    """Make a user with a unit a 包联干部 (or update the level, title and phone)."""
    from qinqing.core.accounts.access import profile_of

    if level not in CadreLevel.values:
        raise InvalidInput(f"干部层级“{level}”不在可选范围内（{'、'.join(CadreLevel.labels)}）。")
    profile = profile_of(user)
    if profile is None or profile.unit is None:
        raise InvalidInput(f"用户 {user.get_username()} 没有所在单位，不能登记为包联干部。")
    cadre, created = Cadre.objects.get_or_create(
        user=user,
        defaults={
            "name": user.get_full_name() or user.get_username(),
            "unit": profile.unit,
            "area": profile.unit.area(),
            "level": level,
            "title": title,
            "phone": phone or profile.phone,
        },
    )
    if not created:
        cadre.level, cadre.title = level, title
        cadre.phone = phone or cadre.phone
        cadre.save(update_fields=["level", "title", "phone"])
    audit.record(actor, "cadre.registered", cadre, unit=cadre.unit_id,
                 after={"level": level, "created": created}, now=now)  # fmt: skip
    return cadre


def _check_overlap(cadre: Cadre, enterprise, project, starts_on, ends_on, exclude=None) -> None:
    existing = Pairing.objects.filter(cadre=cadre)
    existing = (
        existing.filter(enterprise=enterprise) if enterprise else existing.filter(project=project)
    )
    if exclude is not None:
        existing = existing.exclude(pk=exclude)
    for other in existing:
        if rules.overlaps(starts_on, ends_on, other.starts_on, other.ends_on):
            until = other.ends_on.isoformat() if other.ends_on else "至今"
            target = enterprise.name if enterprise else project.name
            raise InvalidInput(
                f"{cadre.name} 与 {target} 已有一段包联关系（{other.starts_on.isoformat()} 起，"
                f"{until}），新关系的日期与它重叠。请先结束原关系，或调整开始日期。"
            )


def _initial_due(pairing: Pairing, calendar) -> dt.date:
    return rules.cycle_due_on(pairing.starts_on, pairing.cadence_months, 0, calendar)


@transaction.atomic
def create_pairing(
    *,
    actor,
    now: dt.datetime,
    cadre: Cadre,
    enterprise: Enterprise | None = None,
    project: Project | None = None,
    grid_level: str = GridLevel.TERRITORIAL,
    cadence_months: int = Cadence.MONTHLY,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    note: str = "",
    audit_it: bool = True,
) -> Pairing:
    """建立包联关系: a cadre with an enterprise or a project; no overlap with itself."""
    if (enterprise is None) == (project is None):
        raise InvalidInput("包联对象应为一家企业或一个重点项目（二选一）。")
    if grid_level not in GridLevel.values:
        raise InvalidInput(f"网格层级应为 {'、'.join(GridLevel.labels)} 之一。")
    if int(cadence_months) not in Cadence.values:
        raise InvalidInput(f"走访频次应为 {'、'.join(Cadence.labels)} 之一。")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput(
            f"结束日期 {ends_on.isoformat()} 早于开始日期 {starts_on.isoformat()}，请检查。"
        )
    _check_overlap(cadre, enterprise, project, starts_on, ends_on)
    pairing = Pairing(
        cadre=cadre, unit_id=cadre.unit_id, area_id=cadre.area_id, enterprise=enterprise,
        project=project, grid_level=grid_level, cadence_months=int(cadence_months),
        starts_on=starts_on, ends_on=ends_on, note=note, created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    pairing.next_due_on = _initial_due(pairing, get_calendar())
    pairing.save()
    if audit_it:
        audit.record(actor, "pairing.created", pairing, unit=pairing.unit_id,
                     after={"cadre": cadre.pk, "target": pairing.target_name,
                            "starts_on": starts_on, "ends_on": ends_on}, now=now)  # fmt: skip
    return pairing


@transaction.atomic
def end_pairing(pairing: Pairing, *, actor, now: dt.datetime, ends_on: dt.date) -> Pairing:
    """结束包联关系 (the history stays)."""
    if pairing.ends_on is not None and pairing.ends_on <= ends_on:
        raise InvalidInput(f"该包联关系已于 {pairing.ends_on.isoformat()} 结束。")
    if ends_on < pairing.starts_on:
        raise InvalidInput(
            f"结束日期 {ends_on.isoformat()} 早于开始日期 {pairing.starts_on.isoformat()}。"
        )
    before = pairing.ends_on
    pairing.ends_on = ends_on
    if pairing.overdue_since and ends_on < local_today(now):
        pairing.overdue_since = None
    pairing.save(update_fields=["ends_on", "overdue_since"])
    audit.record(actor, "pairing.ended", pairing, unit=pairing.unit_id,
                 before={"ends_on": before}, after={"ends_on": ends_on}, now=now)  # fmt: skip
    return pairing


IMPORT_HEADERS = [
    "干部账号",
    "统一社会信用代码",
    "网格层级",
    "走访频次",
    "开始日期",
    "结束日期",
    "备注",
]
IMPORT_REQUIRED = ["干部账号", "统一社会信用代码", "开始日期"]


def _cell_date(
    value, row: int, label: str, problems: list[str], *, required: bool
) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(f"第 {row} 行“{label}”未填写")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"第 {row} 行“{label}”为“{value}”，不是有效日期（示例：2026-03-01）")
        return None


def _by_label(choices, value, default):
    text = str(value or "").strip()
    if not text:
        return default
    for v, label in choices:
        if text in (str(v), label):
            return v
    return None


@transaction.atomic
def import_pairings(
    data: bytes, *, actor, now: dt.datetime, allowed_units, filename: str = "上传文件"
) -> list[Pairing]:
    """Import pairings from .xlsx, all or nothing: every bad row is reported, none is written.

    ``allowed_units`` is the queryset of units whose cadres the importer may pair.
    """
    from django.contrib.auth import get_user_model

    from qinqing.core.files.xlsx import read_rows

    rows = read_rows(data, required=IMPORT_REQUIRED, filename=filename)
    if not rows:
        raise InvalidInput(f"“{filename}”没有数据行，请从第 2 行起填写包联关系。")
    usernames = {str(r.get("干部账号") or "").strip() for r in rows}
    usccs = {str(r.get("统一社会信用代码") or "").strip().upper() for r in rows}
    users = get_user_model().objects.filter(username__in=usernames)
    cadres = {
        c.user.username: c
        for c in Cadre.objects.filter(user__in=users, active=True).select_related("user")
    }
    allowed = set(allowed_units.values_list("pk", flat=True))
    enterprises = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=usccs)}
    existing: dict[tuple[int, int], list[tuple]] = {}
    for cadre_id, enterprise_id, s_on, e_on in Pairing.objects.filter(
        cadre__in=cadres.values(), enterprise__in=enterprises.values()
    ).values_list("cadre_id", "enterprise_id", "starts_on", "ends_on"):
        existing.setdefault((cadre_id, enterprise_id), []).append((s_on, e_on))
    problems: list[str] = []
    planned: list[dict] = []
    for r in rows:
        n = r["_row"]
        username = str(r.get("干部账号") or "").strip()
        uscc = str(r.get("统一社会信用代码") or "").strip().upper()
        cadre = cadres.get(username)
        if not username:
            problems.append(f"第 {n} 行“干部账号”未填写")
        elif cadre is None:
            problems.append(f"第 {n} 行干部账号“{username}”不是已登记的包联干部")
        elif cadre.unit_id not in allowed:
            problems.append(f"第 {n} 行干部“{cadre.name}”不在您管理的地区内")
        enterprise = enterprises.get(uscc)
        if not uscc:
            problems.append(f"第 {n} 行“统一社会信用代码”未填写")
        elif enterprise is None:
            problems.append(f"第 {n} 行统一社会信用代码“{uscc}”在企业库中找不到")
        grid = _by_label(GridLevel.choices, r.get("网格层级"), GridLevel.TERRITORIAL)
        if grid is None:
            problems.append(
                f"第 {n} 行“网格层级”为“{r.get('网格层级')}”，应为 {'、'.join(GridLevel.labels)} 之一"
            )
        cadence = _by_label(Cadence.choices, r.get("走访频次"), Cadence.MONTHLY)
        if cadence is None:
            problems.append(
                f"第 {n} 行“走访频次”为“{r.get('走访频次')}”，应为 {'、'.join(Cadence.labels)} 之一"
            )
        starts_on = _cell_date(r.get("开始日期"), n, "开始日期", problems, required=True)
        ends_on = _cell_date(r.get("结束日期"), n, "结束日期", problems, required=False)
        if starts_on and ends_on and ends_on < starts_on:
            problems.append(f"第 {n} 行结束日期早于开始日期")
        if cadre and enterprise and starts_on:
            for s_on, e_on in existing.get((cadre.pk, enterprise.pk), []):
                if rules.overlaps(starts_on, ends_on, s_on, e_on):
                    problems.append(
                        f"第 {n} 行{cadre.name}与该企业已有 {s_on.isoformat()} 起的包联关系，日期重叠"
                    )
            for earlier in planned:
                same = earlier["cadre"] == cadre and earlier["enterprise"] == enterprise
                if same and rules.overlaps(
                    starts_on, ends_on, earlier["starts_on"], earlier["ends_on"]
                ):
                    problems.append(
                        f"第 {n} 行与第 {earlier['row']} 行是同一干部与同一企业，日期重叠"
                    )
        planned.append({"row": n, "cadre": cadre, "enterprise": enterprise, "grid": grid,
                        "cadence": cadence, "starts_on": starts_on, "ends_on": ends_on,
                        "note": str(r.get("备注") or "")[:200]})  # fmt: skip
    if not problems:
        created = []
        for p in planned:
            try:
                created.append(
                    create_pairing(
                        actor=actor,
                        now=now,
                        cadre=p["cadre"],
                        enterprise=p["enterprise"],
                        grid_level=p["grid"],
                        cadence_months=p["cadence"],
                        starts_on=p["starts_on"],
                        ends_on=p["ends_on"],
                        note=p["note"],
                        audit_it=False,
                    )  # fmt: skip
                )
            except InvalidInput as exc:
                problems.append(f"第 {p['row']} 行：{exc.message.rstrip('。')}")
        if not problems:
            audit.record(actor, "pairing.imported", ("engagement.import", filename, filename),
                         after={"rows": len(created)}, now=now)  # fmt: skip
            return created
    shown = "；".join(problems[:100])
    more = f"；另有 {len(problems) - 100} 处问题未列出" if len(problems) > 100 else ""
    raise InvalidInput(
        f"“{filename}”有 {len(problems)} 处问题：{shown}{more}。整个文件未导入，请修改后重新上传。"
    )


def export_pairings(pairings) -> bytes:
    from qinqing.core.files.xlsx import write_workbook

    headers = ["干部账号", "干部姓名", "层级", "所在单位", "统一社会信用代码", "企业（项目）名称",
               "网格层级", "走访频次", "开始日期", "结束日期", "最近走访", "下次走访截止", "逾期"]  # fmt: skip
    rows = []
    for p in pairings.select_related("cadre__user", "cadre__unit", "enterprise", "project"):
        rows.append([
            p.cadre.user.username, p.cadre.name, p.cadre.get_level_display(), p.cadre.unit.name,
            p.enterprise.uscc if p.enterprise_id else "", p.target_name,
            p.get_grid_level_display(), p.get_cadence_months_display(),
            p.starts_on, p.ends_on, p.last_visit_on, p.next_due_on,
            "是" if p.overdue_since else "",
        ])  # fmt: skip
    return write_workbook(headers, rows, title="包联关系")


# ---------------------------------------------------------------------------------------
# Visits (入企走访)
# ---------------------------------------------------------------------------------------


def _month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(day=1)
    return first, rules.add_months(first, 1) - dt.timedelta(days=1)


@transaction.atomic
def record_visit(
    pairing: Pairing,
    *,
    actor,
    now: dt.datetime,
    visited_on: dt.date,
    mode: str,
    summary: str,
    people_met: str = "",
    topics: Sequence[str] = (),
    need_types: Sequence[str] = (),
    files: Sequence = (),
) -> Visit:
    """登记入企走访 on one of the cadre's pairings; keeps the cadence cycle and overdue flag."""
    today = local_today(now)
    rules.check_visit_date(visited_on, today=today, starts_on=pairing.starts_on,
                           ends_on=pairing.ends_on)  # fmt: skip
    if mode not in VisitMode.values:
        raise InvalidInput(f"走访方式应为 {'、'.join(VisitMode.labels)} 之一。")
    summary = (summary or "").strip()
    if not summary:
        raise InvalidInput("请填写“走访情况”（了解到的情况、宣讲的政策、企业提出的问题）。")
    if mode == VisitMode.ONSITE and pairing.enterprise_id:
        first, last = _month_bounds(visited_on)
        count = Visit.objects.filter(
            enterprise_id=pairing.enterprise_id, mode=VisitMode.ONSITE,
            visited_on__gte=first, visited_on__lte=last,
        ).count()  # fmt: skip
        rules.check_monthly_cap(count, settings_for(pairing.area).max_visits_per_month,
                                enterprise=pairing.enterprise.name, month=first)  # fmt: skip
    for upload in files:
        _check_attachment(upload)
    calendar = get_calendar()
    cycle = rules.cycle_containing(pairing.starts_on, pairing.cadence_months, visited_on, calendar)
    fulfils = not Visit.objects.filter(pairing=pairing, cycle_due_on=cycle.due_on).exists()
    visit = Visit.objects.create(
        pairing=pairing, cadre_id=pairing.cadre_id, unit_id=pairing.unit_id,
        area_id=pairing.area_id, enterprise_id=pairing.enterprise_id, visited_on=visited_on,
        mode=mode, people_met=people_met.strip()[:200],
        topics=rules.split_choices(topics, Topic.values),
        need_types=rules.split_choices(need_types, NeedType.values),
        summary=summary, cycle_due_on=cycle.due_on, fulfils_cycle=fulfils, recorded_at=now,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    # cycles that ended unvisited before the job saw them are missed all the same
    due = pairing.next_due_on
    while due is not None and due < cycle.due_on and due < today:
        MissedCycle.objects.get_or_create(
            pairing=pairing, due_on=due,
            defaults={"cadre_id": pairing.cadre_id, "unit_id": pairing.unit_id,
                      "area_id": pairing.area_id, "flagged_on": today},
        )  # fmt: skip
        pairing.overdue_since = pairing.overdue_since or today
        due = rules.next_cycle(pairing.starts_on, pairing.cadence_months, due, calendar).due_on
    # a visit entered late fills a cycle the overdue job had counted as missed
    MissedCycle.objects.filter(pairing=pairing, due_on=cycle.due_on).delete()
    for upload in files:
        VisitAttachment.objects.create(visit=visit, file=upload, name=upload.name[:200],
                                       size=upload.size, uploaded_at=now)  # fmt: skip
    before = {"next_due_on": pairing.next_due_on, "overdue_since": pairing.overdue_since}
    following = rules.cycle_due_on(pairing.starts_on, pairing.cadence_months, cycle.index + 1,
                                   calendar)  # fmt: skip
    if pairing.next_due_on is None or following > pairing.next_due_on:
        pairing.next_due_on = following
    if pairing.last_visit_on is None or visited_on > pairing.last_visit_on:
        pairing.last_visit_on = visited_on
    # overdue until a visit comes after every missed cycle
    if (
        pairing.overdue_since is not None
        and not MissedCycle.objects.filter(
            pairing=pairing, due_on__gt=pairing.last_visit_on
        ).exists()
    ):
        pairing.overdue_since = None
    pairing.save(update_fields=["next_due_on", "last_visit_on", "overdue_since"])
    audit.record(actor, "visit.recorded", visit, unit=visit.unit_id, before=before,
                 after={"visited_on": visited_on, "mode": mode, "pairing": pairing.pk,
                        "next_due_on": pairing.next_due_on}, now=now)  # fmt: skip
    return visit


def _check_attachment(upload) -> None:
    from qinqing.core.files.uploads import check_upload

    head = upload.read(16)
    upload.seek(0)
    check_upload(upload.name, upload.size, head, max_bytes=MAX_ATTACHMENT_BYTES,
                 allowed=ATTACHMENT_TYPES, what="走访附件")  # fmt: skip


@transaction.atomic
def rate_visit(visit: Visit, *, actor, now: dt.datetime, rating: str, comment: str = "") -> Visit:
    """企业评价走访 (once per visit)."""
    if rating not in VisitRating.values:
        raise InvalidInput(f"请选择评价：{'、'.join(VisitRating.labels)}。")
    if visit.rating:
        raise IllegalTransition(
            f"这次走访已于 {visit.rated_at:%Y-%m-%d} 评价为“{visit.get_rating_display()}”，不能重复评价。"
        )
    visit.rating, visit.rating_comment, visit.rated_at = rating, comment.strip()[:500], now
    visit.save(update_fields=["rating", "rating_comment", "rated_at"])
    audit.record(actor, "visit.rated", visit, unit=visit.unit_id, after={"rating": rating}, now=now)
    if rating == VisitRating.UNSATISFIED:
        notify(visit.cadre.user, kind="engagement.visit_rated", now=now,
               title=f"企业对 {visit.visited_on} 的走访评价为“不满意”",
               body=visit.rating_comment, url=visit.get_absolute_url(),
               key=f"engagement.visit_rated:{visit.pk}")  # fmt: skip
    return visit


# ---------------------------------------------------------------------------------------
# From a visit or a meeting to an appeal (诉求)
# ---------------------------------------------------------------------------------------


def _open_appeal(*, actor, now, channel, enterprise: Enterprise, locality: Unit, data: dict,
                 reference: str):  # fmt: skip
    from qinqing.appeals.choices import AppealType
    from qinqing.appeals.service import submit_appeal

    appeal_data = {
        "enterprise_uscc": enterprise.uscc,
        "enterprise_name": enterprise.name,
        "contact_name": data.get("contact_name", ""),
        "contact_phone": data.get("contact_phone", ""),
        "appeal_type": data.get("appeal_type") or AppealType.HELP,
        "title": data.get("title", ""),
        "content": data.get("content", ""),
        "place": data.get("place", ""),
    }
    return submit_appeal(actor=actor, now=now, channel=channel, data=appeal_data,
                         locality=locality, source="engagement", external_id=reference)  # fmt: skip


def _check_need_type(need_type: str) -> None:
    if need_type not in NeedType.values:
        raise InvalidInput(f"请选择需求类型：{'、'.join(NeedType.labels)}。")


@transaction.atomic
def raise_issue_from_visit(visit: Visit, *, actor, now: dt.datetime, need_type: str,
                           data: dict) -> RaisedIssue:  # fmt: skip
    """A problem found on a visit becomes an appeal (channel 包联走访), linked both ways."""
    from qinqing.appeals.choices import Channel

    _check_need_type(need_type)
    if visit.enterprise_id is None:
        raise InvalidInput("项目走访中发现的问题请登记为项目堵点。")
    appeal = _open_appeal(actor=actor, now=now, channel=Channel.VISIT, enterprise=visit.enterprise,
                          locality=visit.area, data=data,
                          reference=f"visit-{visit.pk}-{visit.issues.count() + 1}")  # fmt: skip
    issue = RaisedIssue.objects.create(
        visit=visit, appeal=appeal, need_type=need_type, cadre_id=visit.cadre_id,
        unit_id=visit.unit_id, area_id=visit.area_id, enterprise_id=visit.enterprise_id,
        raised_on=local_today(now),
    )  # fmt: skip
    if need_type not in visit.need_types:
        visit.need_types = rules.split_choices([*visit.need_types, need_type], NeedType.values)
        visit.save(update_fields=["need_types"])
    audit.record(actor, "visit.issue_raised", visit, unit=visit.unit_id,
                 after={"appeal": appeal.pk, "need_type": need_type}, now=now)  # fmt: skip
    return issue


@transaction.atomic
def raise_issue_from_meeting(meeting: Meeting, *, actor, now: dt.datetime, enterprise: Enterprise,
                             need_type: str, data: dict) -> RaisedIssue:  # fmt: skip
    """An issue raised at a meeting becomes an appeal (channel 政企沟通会)."""
    from qinqing.appeals.choices import Channel

    _check_need_type(need_type)
    appeal = _open_appeal(actor=actor, now=now, channel=Channel.MEETING, enterprise=enterprise,
                          locality=meeting.area, data=data,
                          reference=f"meeting-{meeting.pk}-{meeting.issues.count() + 1}")  # fmt: skip
    issue = RaisedIssue.objects.create(
        meeting=meeting, appeal=appeal, need_type=need_type, unit_id=meeting.host_unit_id,
        area_id=meeting.area_id, enterprise=enterprise, raised_on=local_today(now),
    )  # fmt: skip
    audit.record(actor, "meeting.issue_raised", meeting, unit=meeting.host_unit_id,
                 after={"appeal": appeal.pk, "need_type": need_type}, now=now)  # fmt: skip
    return issue


# ---------------------------------------------------------------------------------------
# Priority projects (重点项目服务专班)
# ---------------------------------------------------------------------------------------


def _money(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"“计划总投资”为“{value}”，不是数字（单位：万元，如 12000）。") from None
    if amount < 0:
        raise InvalidInput("“计划总投资”不能为负数。")
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def create_project(*, actor, now: dt.datetime, name: str, area: Unit, lead_unit: Unit, leader,
                   investment, stage: str = Project.Stage.SIGNED, enterprise=None,
                   members: Sequence = (), description: str = "") -> Project:  # fmt: skip
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写“项目名称”。")
    if stage not in Project.Stage.values:
        raise InvalidInput(f"项目阶段应为 {'、'.join(Project.Stage.labels)} 之一。")
    project = Project.objects.create(
        name=name[:200], area=area, lead_unit=lead_unit, leader=leader,
        investment=_money(investment), stage=stage, enterprise=enterprise,
        description=description, created_at=now,
    )  # fmt: skip
    project.members.set(members)
    audit.record(actor, "project.created", project, unit=lead_unit.pk,
                 after={"name": project.name, "stage": stage}, now=now)  # fmt: skip
    return project


STAGE_ORDER = [Project.Stage.SIGNED, Project.Stage.STARTED, Project.Stage.PRODUCING]


@transaction.atomic
def advance_project(project: Project, *, actor, now: dt.datetime, stage: str) -> Project:
    """签约 → 开工 → 投产, forward only."""
    if stage not in STAGE_ORDER or STAGE_ORDER.index(stage) <= STAGE_ORDER.index(project.stage):
        raise IllegalTransition(
            f"项目当前为“{project.get_stage_display()}”阶段，只能推进到后面的阶段。"
        )
    before = project.stage
    project.stage = stage
    project.save(update_fields=["stage"])
    audit.record(actor, "project.advanced", project, unit=project.lead_unit_id,
                 before={"stage": before}, after={"stage": stage}, now=now)  # fmt: skip
    return project


@transaction.atomic
def add_approval(project: Project, *, actor, now: dt.datetime, name: str, unit: Unit | None = None,
                 status: str = ApprovalItem.Status.PENDING, proxy_agent: str = "") -> ApprovalItem:  # fmt: skip
    if not (name or "").strip():
        raise InvalidInput("请填写“审批事项”。")
    if status not in ApprovalItem.Status.values:
        raise InvalidInput("办理状态不在可选范围内。")
    item = ApprovalItem.objects.create(project=project, name=name.strip()[:200], unit=unit,
                                       status=status, proxy_agent=proxy_agent[:50],
                                       done_on=local_today(now) if status == "done" else None)  # fmt: skip
    audit.record(actor, "project.approval_added", project, unit=project.lead_unit_id,
                 after={"approval": item.name, "status": status}, now=now)  # fmt: skip
    return item


@transaction.atomic
def update_approval(item: ApprovalItem, *, actor, now: dt.datetime, status: str,
                    proxy_agent: str | None = None) -> ApprovalItem:  # fmt: skip
    if status not in ApprovalItem.Status.values:
        raise InvalidInput("办理状态不在可选范围内。")
    before = item.status
    item.status = status
    if proxy_agent is not None:
        item.proxy_agent = proxy_agent[:50]
    item.done_on = local_today(now) if status == ApprovalItem.Status.DONE else None
    item.save(update_fields=["status", "proxy_agent", "done_on"])
    audit.record(actor, "project.approval_updated", item.project, unit=item.project.lead_unit_id,
                 before={"status": before}, after={"approval": item.name, "status": status},
                 now=now)  # fmt: skip
    return item


@transaction.atomic
def add_blocker(project: Project, *, actor, now: dt.datetime, description: str, owner_unit: Unit,
                owner_name: str = "", limit_workdays: int = 10) -> Blocker:  # fmt: skip
    """登记堵点: its deadline counts working days from the day it is raised (not counted)."""
    if not (description or "").strip():
        raise InvalidInput("请填写堵点的“问题描述”。")
    if not 1 <= int(limit_workdays) <= 120:
        raise InvalidInput("办理时限应为 1 至 120 个工作日。")
    raised_on = local_today(now)
    blocker = Blocker.objects.create(
        project=project, description=description.strip(), owner_unit=owner_unit,
        owner_name=owner_name[:50], raised_on=raised_on, limit_workdays=int(limit_workdays),
        due_on=add_workdays(raised_on, int(limit_workdays)),
    )  # fmt: skip
    audit.record(actor, "project.blocker_added", project, unit=owner_unit.pk,
                 after={"blocker": blocker.pk, "due_on": blocker.due_on}, now=now)  # fmt: skip
    from qinqing.core.notifications import notify_unit

    notify_unit(owner_unit, kind="engagement.blocker_assigned", now=now,
                title=f"重点项目“{project.name}”堵点交办，请于 {blocker.due_on} 前解决",
                body=blocker.description[:300], url=project.get_absolute_url(),
                key=f"engagement.blocker:{blocker.pk}")  # fmt: skip
    return blocker


@transaction.atomic
def resolve_blocker(blocker: Blocker, *, actor, now: dt.datetime, resolution: str) -> Blocker:
    if blocker.resolved_on is not None:
        raise IllegalTransition("该堵点已解决。")
    if not (resolution or "").strip():
        raise InvalidInput("请填写“解决情况”。")
    blocker.resolved_on, blocker.resolution = local_today(now), resolution.strip()
    blocker.save(update_fields=["resolved_on", "resolution"])
    audit.record(actor, "project.blocker_resolved", blocker.project, unit=blocker.owner_unit_id,
                 after={"blocker": blocker.pk, "on_time": blocker.resolved_on <= blocker.due_on},
                 now=now)  # fmt: skip
    return blocker


@transaction.atomic
def link_task(project: Project, task, *, actor, now: dt.datetime) -> ProjectTask:
    link, _ = ProjectTask.objects.get_or_create(project=project, task=task)
    audit.record(actor, "project.task_linked", project, unit=project.lead_unit_id,
                 after={"task": task.pk}, now=now)  # fmt: skip
    return link


# ---------------------------------------------------------------------------------------
# Meetings (政企沟通会) and consultations (征求意见)
# ---------------------------------------------------------------------------------------


@transaction.atomic
def schedule_meeting(*, actor, now: dt.datetime, kind: str, title: str, area: Unit, host_unit: Unit,
                     held_on: dt.date, place: str = "", enterprises: Sequence = (),
                     units: Sequence = (), draft_title: str = "", draft_text: str = "",
                     draft_file=None, replies_due_on: dt.date | None = None) -> Meeting:  # fmt: skip
    if kind not in MeetingKind.values:
        raise InvalidInput(f"会议类型应为 {'、'.join(MeetingKind.labels)} 之一。")
    if not (title or "").strip():
        raise InvalidInput("请填写“会议名称”。")
    if kind == MeetingKind.CONSULTATION:
        if not (draft_title or "").strip() or not (draft_text.strip() or draft_file):
            raise InvalidInput("征求意见会需附上征求意见稿（名称和正文或文件）。")
        if replies_due_on is None:
            raise InvalidInput("征求意见会需填写“意见反馈截止”日期。")
        if replies_due_on < local_today(now):
            raise InvalidInput(f"意见反馈截止日期 {replies_due_on.isoformat()} 已经过去。")
    if draft_file is not None:
        _check_attachment(draft_file)
    meeting = Meeting.objects.create(
        kind=kind, title=title.strip()[:200], area=area, host_unit=host_unit, held_on=held_on,
        place=place[:200], draft_title=draft_title[:200], draft_text=draft_text,
        draft_file=draft_file or "", replies_due_on=replies_due_on, created_at=now,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    meeting.invited_enterprises.set(enterprises)
    meeting.invited_units.set(units)
    audit.record(actor, "meeting.scheduled", meeting, unit=host_unit.pk,
                 after={"kind": kind, "held_on": held_on,
                        "enterprises": len(enterprises)}, now=now)  # fmt: skip
    for enterprise in enterprises:
        notify_enterprise(enterprise.uscc, kind="engagement.meeting_invited", now=now,
                          title=f"邀请参加：{meeting.title}（{held_on}）",
                          body=meeting.place, url=meeting.get_absolute_url(),
                          key=f"engagement.meeting:{meeting.pk}:{enterprise.uscc}")  # fmt: skip
    return meeting


@transaction.atomic
def record_minutes(meeting: Meeting, *, actor, now: dt.datetime, minutes: str) -> Meeting:
    """会议纪要: marks the meeting held."""
    if meeting.state == Meeting.State.CANCELLED:
        raise IllegalTransition("会议已取消，不能登记纪要。")
    if not (minutes or "").strip():
        raise InvalidInput("请填写“会议纪要”。")
    if meeting.held_on > local_today(now):
        raise InvalidInput(f"会议日期 {meeting.held_on} 还没到，会后再登记纪要。")
    meeting.minutes, meeting.state = minutes.strip(), Meeting.State.HELD
    meeting.save(update_fields=["minutes", "state"])
    audit.record(actor, "meeting.minutes_recorded", meeting, unit=meeting.host_unit_id, now=now)
    return meeting


@transaction.atomic
def reply_to_consultation(meeting: Meeting, *, actor, now: dt.datetime, enterprise: Enterprise,
                          text: str) -> ConsultationReply:  # fmt: skip
    if meeting.kind != MeetingKind.CONSULTATION:
        raise IllegalTransition("这次会议不是征求意见会。")
    if meeting.replies_due_on and local_today(now) > meeting.replies_due_on:
        raise IllegalTransition(f"意见反馈已于 {meeting.replies_due_on} 截止，不能再提交。")
    if not (text or "").strip():
        raise InvalidInput("请填写意见建议。")
    if ConsultationReply.objects.filter(meeting=meeting, enterprise=enterprise).exists():
        raise IllegalTransition("贵企业已提交过意见。")
    reply = ConsultationReply.objects.create(
        meeting=meeting, enterprise=enterprise, text=text.strip()[:5000], submitted_at=now,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    audit.record(actor, "consultation.replied", meeting, unit=meeting.host_unit_id,
                 after={"uscc": enterprise.uscc}, now=now)  # fmt: skip
    return reply


def minutes_docx(meeting: Meeting) -> bytes:
    """会议纪要 as a Word document: header, attendees, minutes, issues opened as appeals."""
    import io

    from docx import Document

    doc = Document()
    doc.add_heading(f"{meeting.title}会议纪要", level=1)
    doc.add_paragraph(f"会议类型：{meeting.get_kind_display()}")
    doc.add_paragraph(f"时间：{meeting.held_on:%Y年%m月%d日}　地点：{meeting.place or '—'}")
    doc.add_paragraph(f"主办单位：{meeting.host_unit.name}")
    units = "、".join(u.name for u in meeting.invited_units.all()) or "—"
    enterprises = "、".join(e.name for e in meeting.invited_enterprises.all()) or "—"
    doc.add_paragraph(f"参会单位：{units}")
    doc.add_paragraph(f"参会企业：{enterprises}")
    doc.add_heading("会议内容", level=2)
    for line in (meeting.minutes or "（尚未登记纪要）").splitlines():
        doc.add_paragraph(line)
    issues = list(meeting.issues.select_related("appeal", "enterprise"))
    if issues:
        doc.add_heading("企业反映的问题（已转为诉求办理）", level=2)
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["诉求编号", "企业", "问题", "办理状态"],
                              strict=True):  # fmt: skip
            cell.text = text
        for issue in issues:
            row = table.add_row().cells
            row[0].text = issue.appeal.number
            row[1].text = issue.enterprise.name
            row[2].text = issue.appeal.title
            row[3].text = issue.appeal.get_state_display()
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Named enterprise lists (名录)
# ---------------------------------------------------------------------------------------


@transaction.atomic
def create_enterprise_list(*, actor, now: dt.datetime, name: str, kind: str, area: Unit,
                           description: str = "") -> EnterpriseList:  # fmt: skip
    from qinqing.engagement.models import ListKind

    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写“名录名称”。")
    if kind not in ListKind.values:
        raise InvalidInput(f"名录类别应为 {'、'.join(ListKind.labels)} 之一。")
    if EnterpriseList.objects.filter(area=area, name=name).exists():
        raise InvalidInput(f"{area.name}已有名为“{name}”的名录。")
    enterprise_list = EnterpriseList.objects.create(name=name[:100], kind=kind, area=area,
                                                    description=description[:300])  # fmt: skip
    audit.record(
        actor, "list.created", enterprise_list, unit=area.pk, after={"name": name}, now=now
    )
    return enterprise_list


@transaction.atomic
def add_to_list(enterprise_list: EnterpriseList, enterprise: Enterprise, *, actor, now: dt.datetime,
                joined_on: dt.date | None = None, note: str = "") -> ListMembership:  # fmt: skip
    if ListMembership.objects.filter(enterprise_list=enterprise_list, enterprise=enterprise,
                                     left_on__isnull=True).exists():  # fmt: skip
        raise InvalidInput(f"{enterprise.name} 已在“{enterprise_list.name}”中。")
    joined_on = joined_on or local_today(now)
    membership = ListMembership.objects.create(enterprise_list=enterprise_list,
                                               enterprise=enterprise, joined_on=joined_on,
                                               note=note[:200])  # fmt: skip
    audit.record(actor, "list.member_added", enterprise_list, unit=enterprise_list.area_id,
                 after={"uscc": enterprise.uscc, "joined_on": joined_on}, now=now)  # fmt: skip
    return membership


@transaction.atomic
def remove_from_list(membership: ListMembership, *, actor, now: dt.datetime,
                     left_on: dt.date | None = None) -> ListMembership:  # fmt: skip
    if membership.left_on is not None:
        raise IllegalTransition("该企业已移出名录。")
    left_on = left_on or local_today(now)
    if left_on < membership.joined_on:
        raise InvalidInput("移出日期早于列入日期。")
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    audit.record(actor, "list.member_removed", membership.enterprise_list,
                 unit=membership.enterprise_list.area_id,
                 after={"uscc": membership.enterprise.uscc, "left_on": left_on}, now=now)  # fmt: skip
    return membership
