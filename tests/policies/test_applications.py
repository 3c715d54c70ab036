"""依申请兑现: online application with materials, review by the owning department within
working days, return for correction, approval from the 资金池, payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from qinqing.core.notifications.models import Notification
from qinqing.policies import service
from qinqing.policies.models import Application, ApplicationState, Budget
from tests.policies.conftest import NOW, set_budget
from tests.world import USCC_A

# goes through the demo or a sweep: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive

DATA = {
    "contact_name": "钱经理",
    "contact_phone": "13800000000",
    "bank_account": "示例银行 6222 0000",
    "requested_amount": "30000",
    "statement": "本年度吸纳 6 名高校毕业生。",
}


def files(*names):
    return {n: SimpleUploadedFile(f"{n}.pdf", b"%PDF-1.4 test", "application/pdf") for n in names}


def submit(pw, **overrides):
    return service.submit_application(
        pw.sme, actor=pw.world.enterprise_a, data={**DATA, **overrides},
        files=files("劳动合同复印件", "社会保险缴费明细"), now=NOW,
    )  # fmt: skip


def test_submission_prefills_registry_data_and_starts_a_working_day_clock(pw):
    application = submit(pw)
    assert application.uscc == USCC_A and application.state == ApplicationState.SUBMITTED
    assert application.registry_snapshot["企业规模"] == "小型"
    assert application.enterprise_name == "甲企业<script>alert(1)</script>"
    assert application.materials.count() == 2
    # Thursday 2025-11-20 10:00 + 10 working days → Thursday 2025-12-04, 17:30 Shanghai
    due = application.review_due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    assert (due.date(), due.hour, due.minute) == (dt.date(2025, 12, 4), 17, 30)
    note = Notification.objects.get(recipient=pw.world.market_clerk, kind="policies.application")
    assert "待审核" in note.title and note.url == application.get_absolute_url()
    assert AuditEvent.objects.filter(verb="application.submitted").count() == 1


def test_review_clock_skips_the_national_day_holiday(pw):
    # submitted Tuesday 30 September 2025: 国庆 1—8 October; 11 October is a make-up Saturday
    at = dt.datetime(2025, 9, 30, 2, 0, tzinfo=dt.UTC)
    application = service.submit_application(
        pw.sme, actor=pw.world.enterprise_a, data=DATA,
        files=files("劳动合同复印件", "社会保险缴费明细"), now=at,
    )  # fmt: skip
    due = application.review_due_at.astimezone(dt.timezone(dt.timedelta(hours=8)))
    # working days after 30 Sep: 9, 10, 11 (Sat), 13, 14, 15, 16, 17, 20, 21 October
    assert due.date() == dt.date(2025, 10, 21)


def test_missing_material_is_named_and_nothing_is_written(pw):
    with pytest.raises(InvalidInput, match="缺少所需材料：社会保险缴费明细"):
        service.submit_application(
            pw.sme, actor=pw.world.enterprise_a, data=DATA, files=files("劳动合同复印件"), now=NOW
        )
    assert not Application.objects.exists()


def test_wrong_file_type_is_refused(pw):
    bad = {**files("劳动合同复印件"), "社会保险缴费明细": SimpleUploadedFile("a.exe", b"MZ")}
    with pytest.raises(InvalidInput, match="类型不允许上传"):
        service.submit_application(pw.sme, actor=pw.world.enterprise_a, data=DATA, files=bad,
                                   now=NOW)  # fmt: skip
    assert not Application.objects.exists()


def test_file_whose_content_is_not_its_type_is_refused(pw):
    fake = {
        **files("劳动合同复印件"),
        "社会保险缴费明细": SimpleUploadedFile("社保.pdf", b"MZ\x90"),
    }
    with pytest.raises(InvalidInput, match="内容不是 PDF 文档"):
        service.submit_application(pw.sme, actor=pw.world.enterprise_a, data=DATA, files=fake,
                                   now=NOW)  # fmt: skip
    assert not Application.objects.exists()


def test_a_second_open_application_is_refused(pw):
    submit(pw)
    with pytest.raises(InvalidInput, match="已申报"):
        submit(pw)


def test_auto_grant_policies_need_no_application(pw):
    with pytest.raises(InvalidInput, match="免申即享"):
        service.submit_application(pw.grad, actor=pw.world.enterprise_a, data=DATA, files={},
                                   now=NOW)  # fmt: skip


def test_return_for_correction_then_resubmit_restarts_the_clock(pw):
    application = submit(pw)
    with pytest.raises(InvalidInput, match="写明需要补正的内容"):
        service.return_application(application, actor=pw.world.market_clerk, comment="", now=NOW)
    service.return_application(
        application, actor=pw.world.market_clerk, comment="社保缴费明细缺少 10 月", now=NOW
    )
    application.refresh_from_db()
    assert application.state == ApplicationState.RETURNED
    assert Notification.objects.filter(
        recipient=pw.world.enterprise_a, kind="policies.application", title__contains="补正"
    ).exists()
    later = NOW + dt.timedelta(days=5)
    service.resubmit_application(
        application, actor=pw.world.enterprise_a, data={"statement": "已补充 10 月明细"},
        files=files("社会保险缴费明细"), now=later,
    )  # fmt: skip
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert application.submitted_at == later
    assert application.materials.count() == 2  # replaced, not added
    assert [s.action for s in application.steps.all()] == ["提交申报", "退回补正", "补正后重新提交"]


def test_approval_commits_budget_and_payment_moves_it_to_paid(pw):
    set_budget(pw.sme, 50000, actor=pw.world.office_admin)
    application = submit(pw)
    service.approve_application(
        application, actor=pw.world.market_clerk, amount="28000", comment="核减 2000 元", now=NOW
    )
    budget = Budget.objects.get(policy=pw.sme)
    assert (budget.committed, budget.paid) == (Decimal(28000), 0)
    service.record_application_payment(
        application, actor=pw.world.market_clerk, paid_on=dt.date(2025, 11, 20),
        payment_ref="PZ-9", now=NOW,
    )  # fmt: skip
    budget.refresh_from_db()
    assert (budget.committed, budget.paid) == (0, Decimal(28000))
    application.refresh_from_db()
    assert application.state == ApplicationState.PAID
    with pytest.raises(IllegalTransition, match="已拨付"):
        service.return_application(application, actor=pw.world.market_clerk, comment="x", now=NOW)


def test_approval_beyond_the_budget_is_refused_with_the_figures(pw):
    set_budget(pw.sme, 20000, actor=pw.world.office_admin)
    application = submit(pw)
    with pytest.raises(InvalidInput, match="可用 20,000 元，本申报需要 30,000 元"):
        service.approve_application(
            application, actor=pw.world.market_clerk, amount="30000", comment="", now=NOW
        )
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert Budget.objects.get(policy=pw.sme).committed == 0


def test_budget_total_cannot_drop_below_what_is_promised(pw):
    set_budget(pw.sme, 50000, actor=pw.world.office_admin)
    application = submit(pw)
    service.approve_application(application, actor=pw.world.market_clerk, amount="30000",
                                comment="", now=NOW)  # fmt: skip
    with pytest.raises(InvalidInput, match="不能少于"):
        set_budget(pw.sme, 10000, actor=pw.world.office_admin)


@pytest.mark.parametrize("who", ["tax_clerk", "office_admin", "leader", "enterprise_a"])
def test_only_the_owning_department_reviews(pw, who, client_for):
    application = submit(pw)
    user = getattr(pw.world, who)
    events = AuditEvent.objects.count()
    response = client_for(user).post(
        f"/policies/applications/{application.pk}/review/",
        {"action": "approve", "amount": "30000"},
    )
    assert response.status_code in (403, 404)
    with pytest.raises((PermissionDenied,)):
        service.approve_application(application, actor=user, amount="1", comment="", now=NOW)
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert AuditEvent.objects.count() == events


def test_other_department_and_other_enterprise_cannot_see_the_application(pw, client_for):
    application = submit(pw)
    material = application.materials.first()
    for user in (pw.world.tax_clerk, pw.world.enterprise_b, pw.world.other_officer):
        client = client_for(user)
        response = client.get(f"/policies/applications/{application.pk}/")
        assert response.status_code == 404
        assert "甲企业" not in response.content.decode()
        url = f"/policies/applications/{application.pk}/materials/{material.pk}/"
        assert client.get(url).status_code == 404
        assert "甲企业" not in client.get("/policies/applications/").content.decode()


def test_owner_department_and_applicant_see_it_and_download_materials(pw, client_for):
    application = submit(pw)
    material = application.materials.first()
    url = f"/policies/applications/{application.pk}/materials/{material.pk}/"
    for user in (pw.world.market_clerk, pw.world.enterprise_a, pw.world.leader):
        client = client_for(user)
        page = client.get(f"/policies/applications/{application.pk}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "甲企业&lt;script&gt;" in html and "<script>alert" not in html
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    html = client_for(pw.world.market_clerk).get(f"/policies/applications/{application.pk}/")
    assert "提交审核结论" in html.content.decode()
    leader_html = client_for(pw.world.leader).get(f"/policies/applications/{application.pk}/")
    assert "提交审核结论" not in leader_html.content.decode()


def test_enterprise_applies_through_the_page(pw, client_for, _pinned_clock):
    _pinned_clock.move_to(NOW)  # the page reads the clock; the policy runs 2025–2027
    client = client_for(pw.world.enterprise_a)
    form = client.get(f"/policies/p/{pw.sme.code}/apply/")
    assert form.status_code == 200
    assert "企业库" in form.content.decode() and "小型" in form.content.decode()
    response = client.post(
        f"/policies/p/{pw.sme.code}/apply/",
        {**DATA, "material_0": SimpleUploadedFile("合同.pdf", b"%PDF-1.4 a"),
         "material_1": SimpleUploadedFile("社保.pdf", b"%PDF-1.4 b")},
    )  # fmt: skip
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.uscc == USCC_A
    assert sorted(application.materials.values_list("name", flat=True)) == [
        "劳动合同复印件", "社会保险缴费明细",
    ]  # fmt: skip


def test_staff_cannot_apply(pw, client_for):
    response = client_for(pw.world.market_clerk).post(f"/policies/p/{pw.sme.code}/apply/", DATA)
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_sweep_reminds_the_department_of_late_reviews_once_a_day(pw):
    from qinqing.policies import tasks

    application = submit(pw)  # due Thursday 2025-12-04 17:30
    before_due = tasks.sweep_review_deadlines(dt.datetime(2025, 12, 4, 9, 0, tzinfo=dt.UTC))
    assert before_due.review_reminders == 0  # 17:00 in Shanghai: still in time
    late = dt.datetime(2025, 12, 4, 10, 0, tzinfo=dt.UTC)  # 18:00 in Shanghai
    assert tasks.sweep_review_deadlines(late).review_reminders == 1
    assert tasks.sweep_review_deadlines(late + dt.timedelta(hours=1)).review_reminders == 0
    assert tasks.sweep_review_deadlines(late + dt.timedelta(days=1)).review_reminders == 1
    notes = Notification.objects.filter(
        recipient=pw.world.market_clerk, kind="policies.reminder"
    ).order_by("created_at")
    assert notes.count() == 2 and application.number in notes.first().body
    assert AuditEvent.objects.filter(verb="application.review_overdue").count() == 1
    service.return_application(application, actor=pw.world.market_clerk, comment="补材料",
                               now=late + dt.timedelta(days=2))  # fmt: skip
    assert tasks.sweep_review_deadlines(late + dt.timedelta(days=3)).review_reminders == 0


def test_review_on_time_indicator(pw):
    from qinqing.assessment.registry import Period
    from qinqing.policies.indicators import review_on_time

    set_budget(pw.sme, 100000, actor=pw.world.office_admin)
    first = submit(pw)
    service.approve_application(first, actor=pw.world.market_clerk, amount="1000", comment="",
                                now=NOW + dt.timedelta(days=1))  # fmt: skip
    service.record_application_payment(first, actor=pw.world.market_clerk,
                                       paid_on=dt.date(2025, 11, 21), payment_ref="",
                                       now=NOW + dt.timedelta(days=1))  # fmt: skip
    second = submit(pw)
    service.reject_application(second, actor=pw.world.market_clerk, comment="不符合条件",
                               now=NOW + dt.timedelta(days=30))  # fmt: skip
    values = review_on_time(Period.quarter(2025, 4), [pw.world.market.pk, pw.world.tax.pk])
    assert values == {pw.world.market.pk: 50.0, pw.world.tax.pk: None}
