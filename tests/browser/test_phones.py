"""Every page an enterprise or the public sees works on a phone: at 390×844 and 360×780 the
page does not scroll sideways, the side navigation hides behind the 菜单 button, tap targets
are at least 44 px tall and axe finds nothing serious."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

NOW = dt.datetime(2025, 6, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PHONES = [(390, 844), (360, 780)]

# what a finger presses: links, buttons, fields (checkboxes and radios are pressed through
# their labels, which the same rule covers)
TARGETS = """
Array.from(document.querySelectorAll(
  'a[href], button, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea, summary'
)).filter(el => {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && style.visibility !== 'hidden' && !el.closest('.skip');
}).filter(el => el.getBoundingClientRect().height < 44)
  .map(el => (el.tagName + ' ' + (el.innerText || el.value || el.name || '')).trim().slice(0, 40))
"""


@pytest.fixture
def phone_scene(transactional_db, monkeypatch, settings, tmp_path):
    from django.utils import timezone

    from qinqing.appeals import service
    from tests.appeals.factories import configure_city, replied
    from tests.policies.conftest import make_application_policy
    from tests.world import build_world

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "uploads")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    w = build_world()
    configure_city(w, None)
    appeal, ticket = replied(w, NOW - dt.timedelta(days=3), title="门店被反复检查")
    service.record_callback(
        appeal, actor=w.office_admin, now=NOW - dt.timedelta(days=1), resolved=True,
        satisfaction="satisfied", note="",
    )  # fmt: skip
    entry = service.create_qr_entry(
        actor=w.office_admin, now=NOW, locality=w.city, kind="enterprise",
        enterprise_uscc=w.enterprise_a.profile.uscc, enterprise_name="甲企业",
    )  # fmt: skip
    policy = make_application_policy(w)
    return w, appeal, entry, policy


def check_phone_page(tab, path: str) -> None:
    page = tab.page
    for width, height in PHONES:
        page.set_viewport_size({"width": width, "height": height})
        tab.visit(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
        small = page.evaluate(TARGETS)
        assert not small, (path, width, small)
        tab.assert_accessible()
    tab.assert_no_js_errors()


def test_enterprise_pages_work_on_a_phone(tab, phone_scene):
    w, appeal, entry, policy = phone_scene
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    tab.login("enterprise_a")
    # the side navigation is behind the menu button
    nav = page.get_by_role("navigation", name="功能导航")
    assert not nav.is_visible()
    page.get_by_role("button", name="菜单").click()
    assert nav.is_visible()
    nav.get_by_role("link", name="我的诉求").click()
    page.wait_for_load_state()
    for path in (
        "/",
        "/appeals/",
        "/appeals/new/",
        f"/appeals/{appeal.pk}/",
        "/policies/mine/",
        "/policies/applications/",
        f"/policies/p/{policy.code}/apply/",
        "/policies/",
    ):
        check_phone_page(tab, path)
    # rating on the phone: the form is usable and submits
    page.set_viewport_size({"width": 390, "height": 844})
    tab.visit(f"/appeals/{appeal.pk}/")
    choice = page.get_by_role("radio").first
    assert page.locator("label:has(input[type=radio])").first.bounding_box()["height"] >= 44
    choice.check()
    page.get_by_role("button", name="提交评价").click()
    page.wait_for_load_state()
    assert "感谢您的评价" in page.locator(".messages").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_public_pages_work_on_a_phone(tab, phone_scene):
    w, appeal, entry, policy = phone_scene
    check_phone_page(tab, f"/appeals/q/{entry.token}/")
    check_phone_page(tab, "/inspections/public/")
    check_phone_page(tab, "/login/")


def test_staff_pages_stay_usable_on_a_tablet(tab, phone_scene):
    page = tab.page
    page.set_viewport_size({"width": 768, "height": 1024})
    tab.login("office_admin")
    for path in ("/", "/appeals/", "/appeals/queue/", "/plans/", "/supervision/"):
        tab.visit(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, path
        tab.assert_accessible()


def test_plan_review_keeps_the_task_column_readable(tab, phone_scene):
    """Defect 12: the review page no longer squeezes the task column to four characters."""
    from qinqing.plans.models import Plan
    from tests.plans.samples import import_plan

    w = phone_scene[0]
    import_plan(w)
    plan = Plan.objects.get(status="draft")
    page = tab.page
    tab.login("office_admin")
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        tab.visit(f"/plans/plans/{plan.pk}/")
        cell = page.locator("#tasks tbody tr td").nth(1)
        assert cell.bounding_box()["width"] >= 14 * 15, width  # 14 characters of 15 px
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    tab.assert_accessible()
