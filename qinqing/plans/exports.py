"""The ledger as an .xlsx in the usual 台账 columns (序号, 重点任务, 具体内容, 牵头单位,
责任单位, 完成时限, 量化指标), followed by 配合单位, 章节, 所属方案 and 当前状态.

The first seven columns are what ``service.ledger_document`` reads back, so an exported
ledger can be corrected in Excel and imported again as a new draft.
"""

from __future__ import annotations

from collections.abc import Iterable

from qinqing.plans.models import Task, UnitRole

EXPORT_HEADERS = [
    "序号",
    "重点任务",
    "具体内容",
    "牵头单位",
    "责任单位",
    "完成时限",
    "量化指标",
    "配合单位",
    "章节",
    "所属方案",
    "当前状态",
]
WIDTHS = [8, 30, 60, 24, 36, 18, 36, 20, 24, 30, 12]


def written_units(task: Task, role: str) -> str:
    """Unit names as the plan wrote them (collective names stay collective)."""
    names = [m.raw_name for m in task.unit_mentions.all() if m.role == role]
    if names:
        return "、".join(names)
    if role == UnitRole.LEAD:
        units = task.lead_units.all()
    elif role == UnitRole.RESPONSIBLE:
        units = task.responsible_units.all()
    else:
        units = task.supporting_units.all()
    return "、".join(u.name for u in units)


def deadline_text(task: Task) -> str:
    if task.deadline_raw:
        return task.deadline_raw
    if task.due_on and task.ongoing:
        return f"{task.due_on.isoformat()}并长期坚持"
    if task.due_on:
        return task.due_on.isoformat()
    return "长期坚持" if task.ongoing else ""


def ledger_rows(tasks: Iterable[Task], statuses: dict[int, tuple[str, str]]) -> list[list]:
    rows = []
    for task in tasks:
        rows.append(
            [
                task.label,
                task.title,
                task.body,
                written_units(task, UnitRole.LEAD),
                written_units(task, UnitRole.RESPONSIBLE),
                deadline_text(task),
                "\n".join(t.text for t in task.targets.all()),
                written_units(task, UnitRole.SUPPORTING),
                str(task.section) if task.section_id else "",
                str(task.plan) if task.plan_id else task.get_origin_display(),
                statuses.get(task.pk, ("", ""))[0],
            ]
        )
    return rows


def export_ledger(tasks: Iterable[Task], statuses: dict[int, tuple[str, str]]) -> bytes:
    from qinqing.core.files.xlsx import write_workbook

    return write_workbook(EXPORT_HEADERS, ledger_rows(tasks, statuses), title="任务台账",
                          widths=WIDTHS)  # fmt: skip
