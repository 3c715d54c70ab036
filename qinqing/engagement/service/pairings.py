"""Cadres and pairings (包联关系)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from qinqing.core import audit
from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput
from qinqing.core.workdays import get_calendar
from qinqing.engagement import rules
from qinqing.engagement.models import (
    Cadence,
    Cadre,
    CadreLevel,
    GridLevel,
    Pairing,
    Project,
)
from qinqing.engagement.service.common import local_today


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
