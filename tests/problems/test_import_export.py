"""问题清单 import (all or nothing, errors by row, a killed import leaves nothing) and export."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from qinqing.problems import exports
from qinqing.problems.models import Problem
from tests.problems.conftest import NOW

HEAD = ["问题", "问题描述", "来源", "牵头单位", "责任单位", "整改措施", "整改时限", "交办日期"]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    wb.active.append(HEAD)
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


GOOD = [
    ["不动产登记需重复提交材料", "", "明察暗访", "市市场监管局", "市税务局", "数据共享", "10个工作日", "2025-05-06"],
    ["+热线电话无人接听", "公式注入", "督查检查", "市场监管局", "", "", "到达本级15日内", ""],
    ["企业开办需跑两次", "", "模拟办事", "市税务局", "", "", "48小时", "2025-05-08"],
]  # fmt: skip


def test_import_then_export_in_the_usual_columns(world):
    created = exports.import_problems(_xlsx(GOOD), actor=world.office_admin, now=NOW)
    assert len(created) == 3
    assert created[1].lead_unit == world.market  # found by its alias
    data = exports.export_problems(Problem.objects.order_by("pk"))
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == exports.EXPORT_HEADERS
    assert rows[2][1] == "'+热线电话无人接听"  # not a formula
    assert rows[1][6] == "市税务局"


def test_bad_rows_are_named_and_nothing_is_written(world):
    bad = [*GOOD, ["", "", "督查检查", "市市场监管局", "", "", "5个工作日", ""],
           ["问题X", "", "路边听说", "市市场监管局", "", "", "5个工作日", ""],
           ["问题Y", "", "督查检查", "不存在局", "", "", "5个工作日", "2025-02-30"]]  # fmt: skip
    with pytest.raises(InvalidInput) as exc:
        exports.import_problems(_xlsx(bad), actor=world.office_admin, now=NOW)
    message = exc.value.message
    assert "第 5 行" in message and "第 6 行" in message and "第 7 行" in message
    assert "整个文件未导入" in message
    assert not Problem.objects.exists()


def test_killed_import_leaves_nothing(world, monkeypatch):
    before = AuditEvent.objects.count()

    def die(row):
        if row == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(exports, "_import_checkpoint", die)
    with pytest.raises(KeyboardInterrupt):
        exports.import_problems(_xlsx(GOOD), actor=world.office_admin, now=NOW)
    assert not Problem.objects.exists()
    assert AuditEvent.objects.count() == before


def test_unit_staff_cannot_import(world):
    from qinqing.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        exports.import_problems(_xlsx(GOOD), actor=world.market_clerk, now=NOW)
