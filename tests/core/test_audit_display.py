"""Defect 6: the audit log reads in Chinese: who did what to which record, the changed fields
by their labels, 是/否 and 空 instead of True/None, no ``app.model:1`` nor ``system:app``."""

from __future__ import annotations

from qinqing.core import audit
from qinqing.core.audit.display import actor_display, changes, object_label


def test_changes_use_field_labels_and_choice_labels():
    rows = changes(
        "appeals.ticket",
        {"state": "dispatched", "supervised": False, "reply": None},
        {"state": "acknowledged", "supervised": True, "on_time": True},
    )
    text = [(c.label, c.before, c.after) for c in rows]
    assert ("状态", "待签收", "办理中") in text
    assert ("督办", "否", "是") in text
    assert ("答复内容", "空", "") in text
    assert ("是否按时", "", "是") in text


def test_actors_and_objects_are_named_for_people():
    assert actor_display("system:assessment").startswith("系统（")
    assert "assessment" not in actor_display("system:assessment")
    assert actor_display("demo") == "演示数据"
    assert actor_display("office_admin（王营商）") == "office_admin（王营商）"
    assert object_label("orgs.unit", "3", "市税务局") == "单位：市税务局"
    assert ":" not in object_label("orgs.unit", "3", "")


def test_audit_page_shows_chinese_changes(world, client_for):
    audit.record(
        "system:appeals",
        "ticket.acknowledged",
        world.tax,
        before={"active": True, "note_changed": None},
        after={"active": False},
        unit=world.tax,
    )
    body = client_for(world.office_admin).get("/audit/").content.decode()
    table = body.split("<tbody>")[1]
    assert "系统（" in table and "system:appeals" not in table
    assert "orgs.unit:" not in table and "单位：市税务局" in table
    assert "True" not in table and "None" not in table and "{" not in table
    assert "是 → 否" in table
    assert "qinqing audit verify" not in body
