"""Small plan, revised plan, ledger and compilation written for the plan-import tests.

Unit names fit the test world (tests/world.py): 市市场监管局, 市税务局,
市发展和改革委员会, the groups 市政府各部门 and 各县（区）人民政府, and one name the
directory does not know (市数据资源局).
"""

from __future__ import annotations

import io

PLAN_TEXT = """示例市2025年优化营商环境重点任务实施方案
为进一步优化营商环境，制定本方案。
一、提升政务服务效能
1.压缩企业开办时间。全面推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。
牵头单位：市市场监管局
责任单位：市税务局、各县（区）人民政府
完成时限：2025年6月底前
2.推行涉税事项网上办理。拓展非接触式办税缴费服务，网上可办率达到95%以上。
牵头单位：市税务局
责任单位：市数据资源局
完成时限：长期坚持
二、优化法治环境
3.规范涉企行政检查。推行“综合查一次”，同一部门对同一企业的检查每年不超过2次。
牵头单位：市发展和改革委员会
责任单位：市政府各部门
完成时限：2025年12月底前
"""

# the same plan revised: task 2 gets a date, task 3 is dropped, a task on 证明事项 is added
PLAN_TEXT_V2 = """示例市2025年优化营商环境重点任务实施方案
为进一步优化营商环境，制定本方案。
一、提升政务服务效能
1.压缩企业开办时间。全面推行企业开办“一网通办”，企业开办时间压缩至1个工作日以内。
牵头单位：市市场监管局
责任单位：市税务局、各县（区）人民政府
完成时限：2025年6月底前
2.推行涉税事项网上办理。拓展非接触式办税缴费服务，网上可办率达到98%以上。
牵头单位：市税务局
责任单位：市数据资源局
完成时限：2025年9月底前
3.清理涉企证明事项。全面清理没有法律法规依据的证明事项，推行告知承诺制。
牵头单位：市发展和改革委员会
责任单位：市市场监管局
完成时限：2025年10月底前
"""

COMPILATION_TEXT = """关于优化营商环境的经验材料汇编

目  录
甲区：企业开办一日办结……………………1
乙县推行“综合查一次”减轻企业负担……………………2
丙市打造“无证明城市”……………………3

甲区：企业开办一日办结

甲区依托政务服务平台，推行企业开办“一网通办”，营业执照、公章刻制、发票申领一次办结，企业开办时间压缩至半天以内。

乙县推行“综合查一次”减轻企业负担

乙县整合市场监管、税务、应急管理等部门的检查事项，实行联合检查，同一企业一年内的行政检查次数明显减少，企业满意度大幅提升。

丙市打造“无证明城市”

丙市全面清理各类证明事项，通过数据共享和告知承诺制取消证明材料，群众和企业办事不再跑腿开证明。
"""

LEDGER_HEADERS = ["序号", "重点任务", "具体内容", "牵头单位", "责任单位", "完成时限", "量化指标"]


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def import_plan(world, text: str = PLAN_TEXT, name: str = "实施方案.txt", *, confirm=False):
    """Import ``text`` into the world's city as the office admin; confirm it if asked."""
    from django.utils import timezone

    from qinqing.plans import service

    plan = service.import_document(
        text.encode("utf-8"), name, area=world.city, actor=world.office_admin, now=timezone.now()
    )
    if confirm:
        service.confirm_plan(
            plan, actor=world.office_admin, now=timezone.now(), accept_unresolved=True
        )
        plan.refresh_from_db()
    return plan


def task(plan, label: str):
    return plan.tasks.get(label=label)


def state(*models) -> tuple:
    """A fingerprint of the tables a denied request must leave alone."""
    from qinqing.core.audit.models import AuditEvent
    from qinqing.core.orgs.models import Unit, UnitAlias, UnitNameProposal
    from qinqing.plans.models import Article, Plan, Target, Task, UnitMention

    return (
        AuditEvent.objects.count(),
        list(Plan.objects.order_by("pk").values_list("pk", "status", "title", "version")),
        list(Task.objects.order_by("pk").values_list("pk", "title", "deadline_raw", "due_on")),
        Target.objects.count(),
        list(UnitMention.objects.order_by("pk").values_list("pk", "unit", "group")),
        Article.objects.count(),
        Unit.objects.count(),
        UnitAlias.objects.count(),
        list(UnitNameProposal.objects.order_by("pk").values_list("pk", "status")),
    )
