"""Defect 3: a cadence set on version 1 of a plan reviews version 2 once it is confirmed; the
cadence list names the version; the plan list puts drafts first, as it says."""

from __future__ import annotations

import re
from datetime import date

from qinqing.plans.models import PlanStatus
from qinqing.supervision import service
from tests.plans.samples import PLAN_TEXT, import_plan
from tests.supervision.factories import at, monthly

REVISED = PLAN_TEXT + "\n（本版补充：修订稿）\n"


def test_cadence_follows_the_new_version(world, client_for):
    v1 = import_plan(world, confirm=True)
    cadence = monthly(world, v1, starts_on=date(2025, 1, 1), now=at(date(2025, 1, 2)))
    v2 = import_plan(world, REVISED, confirm=True)
    v1.refresh_from_db()
    assert v2.version == 2 and v1.status == PlanStatus.SUPERSEDED
    reviewed = set(service.cadence_tasks(cadence).values_list("plan_id", flat=True))
    assert reviewed == {v2.pk}
    page = client_for(world.office_admin).get("/supervision/cadences/").content.decode()
    assert "第 1 版，已由新版本接续" in page


def test_plan_list_puts_drafts_first(world, client_for):
    import_plan(world, confirm=True)
    draft = import_plan(world, REVISED)
    assert draft.status == PlanStatus.DRAFT
    page = client_for(world.office_admin).get("/plans/plans/").content.decode()
    body = page.split("<tbody>")[1]
    first_row = body.split("</tr>")[0]
    assert "待确认" in first_row and re.search(r"第 2 版", first_row)
