"""December → January with no notice for the new year: nothing stops, deadlines are 暂定,
and importing the notice recomputes them once, lists what moved and notifies once."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qinqing.core.workdays import get_calendar
from qinqing.core.workdays.changes import recompute_if_calendar_changed
from qinqing.core.workdays.models import CalendarYear, DeadlineChange, DeadlineRecompute
from tests.appeals.conftest import (  # noqa: F401  (fixtures used below)
    _fresh_cache,
    appeals_world,
    as_user,
    demo_model_path,
)

SH = ZoneInfo("Asia/Shanghai")

# A notice for 2027 written for this test (the real one has not been published): 元旦 runs
# to Monday 4 January, and Saturday 9 January is worked in exchange.
NOTICE_2027 = """国务院办公厅关于2027年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2027年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周五）至4日（周一）放假调休，共4天。1月9日（周六）上班。
二、春节：2月5日（周五）至12日（周五）放假调休，共8天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。5月8日（周六）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。10月9日（周六）上班。
"""


def at(y, m, d, h=10, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=SH)


@pytest.fixture
def year_end(appeals_world, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert get_calendar().year_data(2027).provisional
    return appeals_world


@pytest.mark.django_db(transaction=True)
def test_december_to_january_without_and_then_with_the_notice(year_end, as_user):  # noqa: F811
    from qinqing.appeals.models import Ticket
    from qinqing.core.notifications.models import Notification
    from tests.appeals.factories import acknowledged

    world = year_end
    # 12-22: a complaint is dispatched and signed; its reply deadline reaches 2027
    appeal, ticket = acknowledged(world, at(2026, 12, 22))
    ticket.refresh_from_db()
    assert ticket.reply_due_at is not None and ticket.reply_due_at.year == 2027
    provisional_due = ticket.reply_due_at
    page = as_user(world.market_clerk).get(reverse("appeals:detail", args=[appeal.pk]))
    assert page.status_code == 200 and "暂定" in page.content.decode()

    # the baseline is recorded before the import; a second run changes nothing
    recompute_if_calendar_changed(at(2026, 12, 27))
    assert recompute_if_calendar_changed(at(2026, 12, 27)) == {"checked": 0, "moved": 0}

    # 12-28: the site admin pastes the notice, previews it, confirms
    admin = as_user(world.site_admin)
    preview = admin.post(reverse("workdays:import"), {"text": NOTICE_2027})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "识别结果：2027 年" in body and "2027-01-09" in body
    assert not CalendarYear.objects.exists()  # a preview imports nothing
    done = admin.post(reverse("workdays:import"), {"text": NOTICE_2027, "confirm": "1"})
    assert done.status_code == 302

    year = CalendarYear.objects.get()
    assert year.year == 2027 and not get_calendar().year_data(2027).provisional
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.reply_due_at > provisional_due  # 01-04 is now a rest day
    change = DeadlineChange.objects.get(what__contains=appeal.number, field_label="答复截止")
    assert change.unit_id == world.market.pk
    report = admin.get(done["Location"])
    assert appeal.number in report.content.decode()

    messages = Notification.objects.filter(kind="workdays.deadlines_moved")
    assert messages.filter(recipient=world.market_clerk).count() == 1
    # the scheduled job runs again (and again): no second recomputation, no second message
    assert recompute_if_calendar_changed(at(2026, 12, 28, 11)) == {"checked": 0, "moved": 0}
    assert DeadlineRecompute.objects.exclude(reason="初始日历").count() == 1
    assert messages.filter(recipient=world.market_clerk).count() == 1
    page = as_user(world.market_clerk).get(reverse("appeals:detail", args=[appeal.pk]))
    assert "暂定" not in page.content.decode()


@pytest.mark.django_db
def test_december_review_cycles_open_with_provisional_deadlines(world):
    from qinqing.supervision import tasks
    from qinqing.supervision.models import ReviewCycle
    from tests.supervision.factories import make_plan, make_task, monthly

    plan = make_plan(world)
    make_task(plan, lead=[world.market], due_on=dt.date(2027, 6, 30))
    cadence = monthly(world, plan, starts_on=dt.date(2026, 1, 1), now=at(2026, 1, 1))
    tasks.sweep(at(2026, 12, 1, 9), send=False)
    december = ReviewCycle.objects.get(cadence=cadence, period_start=dt.date(2026, 12, 1))
    assert december.report_due_on.year == 2027
    assert get_calendar().is_provisional(december.report_due_on)
    assert december.reports.filter(unit=world.market, state="pending").exists()


@pytest.mark.django_db
def test_a_policy_application_on_15_december_is_accepted(world, settings, tmp_path):
    from qinqing.policies import service
    from qinqing.policies.models import ApplicationState
    from tests.policies.conftest import make_application_policy

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    policy = make_application_policy(world)
    files = {
        name: SimpleUploadedFile(f"{name}.pdf", b"%PDF-1.4 test", "application/pdf")
        for name in policy.materials_list
    }
    data = {
        "contact_name": "钱经理",
        "contact_phone": "13800000000",
        "bank_account": "示例银行 6222 0000",
        "requested_amount": "30000",
        "statement": "本年度吸纳 6 名高校毕业生。",
    }
    application = service.submit_application(
        policy, actor=world.enterprise_a, data=data, files=files, now=at(2026, 12, 15)
    )
    assert application.state == ApplicationState.SUBMITTED
    # 10 working days from 15 December reach 2027 (元旦 on the provisional calendar)
    due = application.review_due_at.astimezone(SH).date()
    assert due == dt.date(2026, 12, 29) + dt.timedelta(days=0) or due.year == 2027
    assert get_calendar().workdays_between(dt.date(2026, 12, 15), due) == 10


@pytest.mark.django_db
def test_january_sweep_processes_overdue_tickets(year_end):
    from qinqing.appeals import tasks
    from tests.appeals.factories import dispatched

    world = year_end
    _, ticket = dispatched(world, at(2026, 11, 2))
    result = tasks.sweep_tickets(at(2027, 1, 5, 9))
    assert result.checked >= 1 and ticket.pk in result.supervised_ids
