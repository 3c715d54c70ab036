"""Upload → review → confirm; duplicates, bad files, unknown unit names, new versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.orgs.models import ProposalStatus, Unit, UnitNameProposal
from qinqing.plans.models import Plan, PlanKind, PlanStatus, Task
from tests.plans.samples import (
    COMPILATION_TEXT,
    PLAN_TEXT,
    PLAN_TEXT_V2,
    import_plan,
    state,
    task,
    upload,
)


def _upload(client, world, name, data, **extra):
    return client.post(
        "/plans/import/", {"file": upload(name, data), "area": world.city.pk, **extra}
    )


def test_office_uploads_corrects_maps_and_confirms_a_plan(world, client_for):
    client = client_for(world.office_admin)
    r = _upload(client, world, "2025年实施方案.txt", PLAN_TEXT.encode("gb18030"))
    plan = Plan.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/plans/plans/{plan.pk}/"
    assert plan.status == PlanStatus.DRAFT and plan.kind == PlanKind.PLAN
    assert plan.title == "示例市2025年优化营商环境重点任务实施方案" and plan.year == 2025

    # the review page shows the parsed ledger beside the source text, and the unknown name
    page = client.get(f"/plans/plans/{plan.pk}/").content.decode()
    assert "压缩企业开办时间" in page and "为进一步优化营商环境，制定本方案。" in page
    assert "待确认单位名称" in page and "市数据资源局" in page
    # a draft is not the ledger yet
    assert "压缩企业开办时间" not in client.get("/plans/").content.decode()

    t1, t2, t3 = task(plan, "1"), task(plan, "2"), task(plan, "3")
    assert list(t1.lead_units.all()) == [world.market]
    assert set(t1.responsible_units.all()) == {world.tax, world.county}  # group expanded
    assert set(t3.responsible_units.all()) == {world.market, world.tax, world.ndrc}
    assert (t1.due_on, t1.ongoing) == (date(2025, 6, 30), False)
    assert (t2.due_on, t2.ongoing) == (None, True)
    target = t1.targets.get()
    assert (target.value, target.unit, target.comparator) == (Decimal("1"), "个工作日", "≤")

    # the edit form offers the parsed values (a date input needs ISO dates)
    form = client.get(f"/plans/plans/{plan.pk}/tasks/{t1.pk}/edit/").content.decode()
    assert 'value="2025-06-30"' in form and "市税务局、各县（区）人民政府" in form

    # correct task 2: a date instead of 长期坚持, and one more target
    r = client.post(
        f"/plans/plans/{plan.pk}/tasks/{t2.pk}/edit/",
        {
            "label": "2",
            "title": "推行涉税事项网上办理",
            "body": t2.body,
            "lead_units": "市税务局",
            "responsible_units": "市数据资源局",
            "supporting_units": "",
            "deadline_raw": "2025年9月底前",
            "due_on": "",
            "ongoing": "on",
            "targets": "网上可办率达到95%以上\n办税缴费时间压缩30%",
        },
    )
    assert r.status_code == 302
    t2.refresh_from_db()
    assert (t2.deadline_raw, t2.due_on, t2.ongoing) == ("2025年9月底前", date(2025, 9, 30), False)
    assert [t.text for t in t2.targets.all()][1] == "办税缴费时间压缩30%"
    assert AuditEvent.objects.filter(verb="plan.task_updated").count() == 1

    # confirming with an unanswered name is refused with the name in the message
    r = client.post(f"/plans/plans/{plan.pk}/confirm/")
    assert r.status_code == 400 and "市数据资源局" in r.content.decode()
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFT

    # the office creates the unit from the review page; task 2 now has a responsible unit
    proposal = UnitNameProposal.objects.get(raw_name="市数据资源局")
    r = client.post(
        f"/plans/plans/{plan.pk}/names/{proposal.pk}/",
        {"action": "create", "kind": "department", "parent": world.city.pk},
    )
    assert r.status_code == 302
    new_unit = Unit.objects.get(name="市数据资源局")
    assert list(t2.responsible_units.all()) == [new_unit]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CREATED

    r = client.post(f"/plans/plans/{plan.pk}/confirm/")
    assert r.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED and plan.confirmed_by == world.office_admin
    assert AuditEvent.objects.filter(verb="plan.confirmed", object_id=str(plan.pk)).exists()
    ledger = client.get("/plans/").content.decode()
    assert "压缩企业开办时间" in ledger and "规范涉企行政检查" in ledger
    # a confirmed plan can no longer be edited on the review page
    r = client.post(f"/plans/plans/{plan.pk}/tasks/{t1.pk}/delete/")
    assert r.status_code == 400 and Task.objects.filter(pk=t1.pk).exists()


def test_mapping_an_unknown_name_to_a_unit_makes_it_an_alias(world, client_for):
    plan = import_plan(world)
    proposal = UnitNameProposal.objects.get(raw_name="市数据资源局")
    client = client_for(world.office_admin)
    r = client.post(
        f"/plans/plans/{plan.pk}/names/{proposal.pk}/", {"action": "map", "unit": world.ndrc.pk}
    )
    assert r.status_code == 302
    assert list(task(plan, "2").responsible_units.all()) == [world.ndrc]
    # the next plan that writes the name resolves it without asking
    again = import_plan(world, PLAN_TEXT_V2.replace("示例市2025年", "示例市2026年"), "二.txt")
    assert list(task(again, "2").responsible_units.all()) == [world.ndrc]
    assert UnitNameProposal.objects.filter(status=ProposalStatus.PENDING).count() == 0


def test_a_name_mapped_to_a_group_is_remembered_for_the_next_plan(world, client_for):
    from qinqing.core.orgs.models import UnitGroup

    plan = import_plan(world)
    proposal = UnitNameProposal.objects.get(raw_name="市数据资源局")
    group = UnitGroup.objects.get(name="市政府各部门")
    client = client_for(world.office_admin)
    client.post(
        f"/plans/plans/{plan.pk}/names/{proposal.pk}/", {"action": "group", "group": group.pk}
    )
    expected = {world.market, world.tax, world.ndrc}
    assert set(task(plan, "2").responsible_units.all()) == expected
    again = import_plan(world, PLAN_TEXT_V2.replace("示例市2025年", "示例市2026年"), "二.txt")
    assert set(task(again, "2").responsible_units.all()) == expected


def test_rejected_name_counts_for_no_unit_and_allows_confirmation(world, client_for):
    plan = import_plan(world)
    proposal = UnitNameProposal.objects.get(raw_name="市数据资源局")
    client = client_for(world.office_admin)
    client.post(f"/plans/plans/{plan.pk}/names/{proposal.pk}/", {"action": "reject"})
    assert task(plan, "2").responsible_units.count() == 0
    assert client.post(f"/plans/plans/{plan.pk}/confirm/").status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED


def test_same_file_twice_is_refused_naming_the_existing_plan(world, client_for):
    client = client_for(world.office_admin)
    data = PLAN_TEXT.encode("utf-8")
    assert _upload(client, world, "方案.txt", data).status_code == 302
    before = state()
    r = _upload(client, world, "方案（再次上传）.txt", data)
    assert r.status_code == 400
    text = r.content.decode()
    assert "不再重复导入" in text and "示例市2025年优化营商环境重点任务实施方案" in text
    assert state() == before


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("空文件.txt", b"", "空"),
        ("乱码.txt", bytes(range(256)) * 40, "不是"),
        ("假的.docx", b"this is not a word file at all", "Word"),
        ("无任务.txt", "今天天气很好。\n我们去公园散步。\n".encode(), "没有识别到任务"),
        ("图片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "不受支持"),
    ],
)
def test_bad_files_are_explained_and_nothing_is_written(world, client_for, name, data, message):
    client = client_for(world.office_admin)
    before = state()
    r = _upload(client, world, name, data)
    assert r.status_code == 400
    assert message in r.content.decode()
    assert state() == before


def test_file_over_the_size_limit_is_refused_before_reading(world, client_for, monkeypatch):
    from qinqing.plans.service import importing

    monkeypatch.setattr(importing, "max_upload_bytes", lambda: 1024)
    client = client_for(world.office_admin)
    before = state()
    r = _upload(client, world, "大文件.txt", PLAN_TEXT.encode() * 20)
    assert r.status_code == 400 and "超过" in r.content.decode()
    assert state() == before


def test_revised_plan_becomes_a_new_version_with_a_diff(world, client_for):
    v1 = import_plan(world, confirm=True)
    client = client_for(world.office_admin)
    r = _upload(client, world, "实施方案（修订）.txt", PLAN_TEXT_V2.encode())
    assert r.status_code == 302
    v2 = Plan.objects.exclude(pk=v1.pk).get()
    assert (v2.version, v2.previous_version, v2.status) == (2, v1, PlanStatus.DRAFT)

    page = client.get(f"/plans/plans/{v2.pk}/diff/").content.decode()
    added = page[page.index("新增任务") : page.index("删除任务")]
    removed = page[page.index("删除任务") : page.index("修改的任务")]
    changed = page[page.index("修改的任务") :]
    assert "清理涉企证明事项" in added and "规范涉企行政检查" not in added
    assert "规范涉企行政检查" in removed
    assert "推行涉税事项网上办理" in changed and "完成时限" in changed and "量化指标" in changed
    assert "压缩企业开办时间" not in changed

    # the old version stays the ledger until the new one is confirmed
    assert "规范涉企行政检查" in client.get("/plans/").content.decode()
    client.post(f"/plans/plans/{v2.pk}/confirm/", {"accept_unresolved": "on"})
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (PlanStatus.SUPERSEDED, PlanStatus.CONFIRMED)
    ledger = client.get("/plans/").content.decode()
    assert "规范涉企行政检查" not in ledger and "清理涉企证明事项" in ledger
    assert task(v2, "2").previous_version == task(v1, "2")
    assert AuditEvent.objects.filter(verb="plan.superseded", object_id=str(v1.pk)).exists()


def test_a_second_draft_of_the_same_plan_is_refused_until_the_first_is_settled(world):
    from qinqing.core.errors import InvalidInput

    import_plan(world, confirm=True)
    import_plan(world, PLAN_TEXT_V2, "修订一.txt")
    with pytest.raises(InvalidInput, match="待确认的草稿"):
        import_plan(world, PLAN_TEXT_V2 + "\n", "修订二.txt")


def test_discarding_a_draft_removes_it(world, client_for):
    plan = import_plan(world)
    client = client_for(world.office_admin)
    assert client.post(f"/plans/plans/{plan.pk}/discard/").status_code == 302
    assert not Plan.objects.filter(pk=plan.pk).exists()
    assert AuditEvent.objects.filter(verb="plan.discarded").exists()


def test_compilation_becomes_library_articles_on_confirmation(world, client_for):
    client = client_for(world.office_admin)
    r = _upload(client, world, "经验汇编.txt", COMPILATION_TEXT.encode())
    assert r.status_code == 302
    plan = Plan.objects.get()
    assert plan.kind == PlanKind.COMPILATION
    assert list(plan.articles.values_list("title", flat=True)) == [
        "甲区：企业开办一日办结",
        "乙县推行“综合查一次”减轻企业负担",
        "丙市打造“无证明城市”",
    ]
    assert "企业开办一日办结" not in client.get("/plans/library/").content.decode()
    client.post(f"/plans/plans/{plan.pk}/confirm/")
    assert "企业开办一日办结" in client.get("/plans/library/").content.decode()


def test_task_titles_are_escaped_on_every_page(world, client_for):
    plan = import_plan(
        world, PLAN_TEXT.replace("压缩企业开办时间", "<script>alert(1)</script>压缩")
    )
    client = client_for(world.office_admin)
    page = client.get(f"/plans/plans/{plan.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    from django.utils import timezone

    from qinqing.plans import service

    service.confirm_plan(plan, actor=world.office_admin, now=timezone.now(), accept_unresolved=True)
    t1 = task(plan, "1")
    for url in ["/plans/", f"/plans/tasks/{t1.pk}/"]:
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_sixty_megabyte_file_is_refused_with_the_limit(world):
    from django.utils import timezone

    from qinqing.core.errors import InvalidInput
    from qinqing.plans import service

    before = state()
    with pytest.raises(InvalidInput, match="超过 50 MB 的上限"):
        service.import_document(
            b"a" * (60 * 1024 * 1024), "大文件.txt", area=world.city,
            actor=world.office_admin, now=timezone.now(),
        )  # fmt: skip
    assert state() == before
