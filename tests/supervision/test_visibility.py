"""One rule decides which tasks a user sees: the ledger and the supervision pages agree.

A global-scope role (数据范围“全部”, e.g. a provincial inspector given 查看方案与任务台账) sees
every ledger task; an office sees its area's; a unit its own. Each of them finds the same tasks
listed in the ledger, opened on the ledger's task page and opened on the supervision task page.
"""

import re
from datetime import date

import pytest

from qinqing.core.accounts.models import Role, Scope
from qinqing.core.accounts.service import create_user_with_role
from qinqing.supervision import queries
from tests.supervision.factories import cycle_of, make_plan, make_task, monthly, slot
from tests.world import _confirm_totp_devices

LEDGER_LINK = re.compile(r'href="/plans/tasks/(\d+)/"')


@pytest.fixture
def tasks(world):
    city_plan = make_plan(world)
    county_plan = make_plan(world, title="示例县优化营商环境方案", area=world.county)
    other_plan = make_plan(world, title="邻市优化营商环境方案", area=world.other_city)
    draft = make_plan(world, title="示例市方案（修订稿）", status="draft")
    return {
        "market": make_task(city_plan, title="市场监管任务", lead=[world.market]),
        "tax": make_task(city_plan, title="税务任务", label="2", lead=[world.tax]),
        "county_in_city_plan": make_task(
            city_plan, title="县里承担的市级任务", label="3", lead=[world.county]
        ),
        "county_own": make_task(county_plan, title="县级任务", lead=[world.county]),
        "other_city": make_task(other_plan, title="邻市任务", lead=[world.other_office]),
        "draft": make_task(draft, title="草稿中的任务", lead=[world.market]),
    }


@pytest.fixture
def inspector(world):
    """A user of a custom role with global scope (the built-in ones have none with plans)."""
    Role.objects.create(
        code="province_inspector",
        name="省级督查",
        scope=Scope.GLOBAL,
        capabilities=["plans.view"],
        read_only=True,
    )
    user = create_user_with_role(
        actor="test-setup",
        username="province_inspector",
        password="Qinqing-test-2026",
        role_code="province_inspector",
        full_name="省督查员",
    )
    _confirm_totp_devices([user])
    return user


def _seen(client, tasks) -> dict[str, set[str]]:
    page = client.get("/plans/")
    assert page.status_code == 200
    listed = {int(pk) for pk in LEDGER_LINK.findall(page.content.decode())}
    names = {t.pk: name for name, t in tasks.items()}
    return {
        "ledger list": {names[pk] for pk in listed},
        "ledger task page": {
            name
            for name, t in tasks.items()
            if client.get(f"/plans/tasks/{t.pk}/").status_code == 200
        },
        "supervision task page": {
            name
            for name, t in tasks.items()
            if client.get(f"/supervision/tasks/{t.pk}/").status_code == 200
        },
    }


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (
            "inspector",
            {"market", "tax", "county_in_city_plan", "county_own", "other_city"},
        ),
        ("office_admin", {"market", "tax", "county_in_city_plan", "county_own"}),
        ("county_officer", {"county_in_city_plan", "county_own"}),
        ("market_clerk", {"market"}),
    ],
)
def test_ledger_and_supervision_pages_show_the_same_tasks(
    world, client_for, tasks, inspector, who, expected
):
    user = inspector if who == "inspector" else getattr(world, who)
    seen = _seen(client_for(user), tasks)
    assert seen == {page: expected for page in seen}, who


def test_a_task_outside_the_scope_is_refused_on_both_pages(world, client_for, tasks):
    client = client_for(world.county_officer)
    for url in (
        f"/plans/tasks/{tasks['market'].pk}/",
        f"/supervision/tasks/{tasks['market'].pk}/",
    ):
        assert client.get(url).status_code == 404, url


def test_the_global_role_sees_the_reports_and_notices_of_every_area(world, tasks, inspector):
    cadence = monthly(world, tasks["market"].plan, starts_on=date(2025, 6, 1))
    report = slot(tasks["market"], world.market, cycle_of(cadence, date(2025, 6, 1)))
    assert report in queries.visible_reports_for_user(inspector)
    assert report not in queries.visible_reports_for_user(world.other_officer)
