"""The closed loop through the services: 受理 → 派单 → 签收 → 答复 → 回访 → 重办 → 办结."""

from __future__ import annotations

import datetime as dt

import pytest

from qinqing.appeals import service
from qinqing.appeals.choices import (
    AppealState,
    AppealType,
    Channel,
    EventKind,
    LeadState,
    RectificationState,
    Satisfaction,
    TicketRole,
    TicketState,
)
from qinqing.appeals.models import Appeal, AppealEvent, DuplicateProposal, Ticket
from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import IllegalTransition, InvalidInput
from tests.appeals.conftest import NOW, SHANGHAI
from tests.appeals.factories import (
    acknowledged,
    appeal_data,
    dispatched,
    make_appeal,
    replied,
)


def at(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def verbs():
    return list(AuditEvent.objects.order_by("seq").values_list("verb", flat=True))


def test_intake_validates_the_credit_code_check_digit(appeals_world):
    bad = appeal_data(enterprise_uscc=appeal_data()["enterprise_uscc"][:17] + "0")
    with pytest.raises(InvalidInput, match="校验位"):
        service.submit_appeal(actor=None, now=NOW, channel=Channel.WEB, data=bad)
    assert not Appeal.objects.exists()


def test_intake_names_every_missing_field(appeals_world):
    with pytest.raises(InvalidInput) as err:
        service.submit_appeal(
            actor=None, now=NOW, channel=Channel.WEB, data=appeal_data(title="", contact_phone="")
        )
    assert "“标题”未填写" in err.value.message and "“联系电话”未填写" in err.value.message


def test_full_loop_with_reopen_and_escalation(appeals_world):
    w = appeals_world
    appeal, ticket = replied(w, NOW)
    assert appeal.state == AppealState.REPLIED
    assert ticket.signed_on_time and ticket.replied_on_time
    assert ticket.reply_workdays == 1
    # 不满意 → 重办 to the same unit, keeping the first ticket and its history
    service.record_callback(
        appeal, actor=w.office_admin, now=at(2026, 3, 11, 10), resolved=False,
        satisfaction=Satisfaction.UNSATISFIED, note="企业表示检查仍然重复",
    )  # fmt: skip
    appeal.refresh_from_db()
    ticket.refresh_from_db()
    assert appeal.state == AppealState.DISPATCHED and appeal.reopen_count == 1
    assert not appeal.escalated
    assert ticket.state == TicketState.REOPENED
    second = Ticket.objects.get(appeal=appeal, reopened_from=ticket)
    assert second.unit == w.market and second.role == TicketRole.PRIMARY
    assert second.state == TicketState.DISPATCHED and not second.supervised
    # answered again, 不满意 again → escalated (督办)
    service.acknowledge_ticket(second, actor=w.market_clerk, now=at(2026, 3, 11, 11))
    service.reply_ticket(
        second,
        actor=w.market_clerk,
        now=at(2026, 3, 12, 10),
        reply="已再次核查并约谈检查人员，调整了检查计划。",
    )
    service.record_callback(
        appeal, actor=w.office_admin, now=at(2026, 3, 12, 15), resolved=False,
        satisfaction=Satisfaction.UNSATISFIED,
    )  # fmt: skip
    appeal.refresh_from_db()
    assert appeal.escalated and appeal.reopen_count == 2
    third = Ticket.objects.get(appeal=appeal, reopened_from=second)
    assert third.supervised
    assert appeal.events.filter(kind=EventKind.ESCALATED).exists()
    # third time 满意 closes every ticket
    service.acknowledge_ticket(third, actor=w.market_clerk, now=at(2026, 3, 13, 9))
    service.reply_ticket(
        third, actor=w.market_clerk, now=at(2026, 3, 13, 15), reply="已取消重复检查并书面告知企业。"
    )
    service.record_callback(
        appeal, actor=w.office_admin, now=at(2026, 3, 16, 10), resolved=True,
        satisfaction=Satisfaction.SATISFIED,
    )  # fmt: skip
    appeal.refresh_from_db()
    assert appeal.state == AppealState.CLOSED and appeal.closed_at == at(2026, 3, 16, 10)
    assert appeal.callbacks.count() == 3
    assert set(appeal.tickets.values_list("state", flat=True)) == {
        TicketState.REOPENED,
        TicketState.CLOSED,
    }
    assert verbs().count("appeal.callback_recorded") == 3


def test_co_handling_units_get_their_own_tickets_and_close_with_the_appeal(appeals_world):
    w = appeals_world
    appeal, primary = dispatched(w, NOW, assisting=[w.tax, w.market])  # market twice: ignored
    tickets = {t.unit_id: t for t in appeal.tickets.all()}
    assert set(tickets) == {w.market.pk, w.tax.pk}
    assert tickets[w.tax.pk].role == TicketRole.ASSISTING
    service.acknowledge_ticket(primary, actor=w.market_clerk, now=NOW + dt.timedelta(hours=1))
    service.reply_ticket(
        primary,
        actor=w.market_clerk,
        now=NOW + dt.timedelta(hours=2),
        reply="已与税务部门会商，合并检查。",
    )
    service.record_callback(
        appeal,
        actor=w.office_admin,
        now=NOW + dt.timedelta(hours=3),
        resolved=True,
        satisfaction="partly",
    )
    assert set(appeal.tickets.values_list("state", flat=True)) == {TicketState.CLOSED}


def test_dispatch_refuses_units_outside_the_locality(appeals_world):
    w = appeals_world
    appeal = make_appeal(w, NOW)
    with pytest.raises(InvalidInput, match="不是示例市的在用单位"):
        service.dispatch_appeal(appeal, actor=w.office_admin, now=NOW, primary_unit=w.other_office)
    appeal.refresh_from_db()
    assert appeal.state == AppealState.RECEIVED and not appeal.tickets.exists()


def test_override_of_the_suggestion_is_recorded(appeals_world):
    w = appeals_world
    appeal = make_appeal(w, NOW)
    appeal.suggestions = [
        {"unit_id": w.market.pk, "unit": "市市场监管局", "confidence": 0.9, "labels": ["商贸旅游"]}
    ]
    appeal.save()
    service.dispatch_appeal(appeal, actor=w.office_admin, now=NOW, primary_unit=w.tax)
    appeal.refresh_from_db()
    assert appeal.dispatch_overridden is True
    event = AuditEvent.objects.get(verb="appeal.dispatched")
    assert event.after["overridden"] is True and event.after["suggested"]["unit_id"] == w.market.pk


def test_return_within_the_sign_window_goes_back_to_the_dispatcher(appeals_world):
    w = appeals_world
    appeal, ticket = dispatched(w, NOW)
    with pytest.raises(InvalidInput, match="退单理由"):
        service.request_return(ticket, actor=w.market_clerk, now=NOW, reason=" ")
    service.request_return(
        ticket, actor=w.market_clerk, now=NOW + dt.timedelta(hours=2), reason="属于税务事项"
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RETURN_REQUESTED and ticket.paused_since is not None
    service.review_return(
        ticket, actor=w.office_admin, now=NOW + dt.timedelta(hours=3), approve=True
    )
    appeal.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.state == TicketState.RETURNED
    assert appeal.state == AppealState.RECEIVED  # back in the queue
    service.dispatch_appeal(
        appeal, actor=w.office_admin, now=NOW + dt.timedelta(hours=4), primary_unit=w.tax
    )
    assert appeal.tickets.count() == 2


def test_return_after_the_sign_window_is_refused(appeals_world):
    w = appeals_world
    appeal, ticket = dispatched(w, NOW)  # sign due Tuesday 17:30
    with pytest.raises(IllegalTransition, match="已超过签收时限"):
        service.request_return(
            ticket, actor=w.market_clerk, now=at(2026, 3, 11, 9), reason="不属于本单位"
        )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED


def test_rejected_return_does_not_cost_the_unit_time(appeals_world):
    w = appeals_world
    appeal, ticket = dispatched(w, NOW)
    assert ticket.sign_due_at == at(2026, 3, 10, 17, 30)
    service.request_return(
        ticket, actor=w.market_clerk, now=at(2026, 3, 9, 15), reason="不属于本单位"
    )
    service.review_return(
        ticket, actor=w.office_admin, now=at(2026, 3, 11, 9), approve=False, note="属于市场监管职责"
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.DISPATCHED
    assert ticket.sign_due_at == at(2026, 3, 12, 17, 30)


def test_transfer_keeps_the_history_and_restarts_the_clock(appeals_world):
    w = appeals_world
    appeal, ticket = acknowledged(w, NOW)
    new = service.transfer_ticket(
        ticket, actor=w.office_admin, now=at(2026, 3, 10, 10), to_unit=w.tax, note="涉税"
    )
    ticket.refresh_from_db()
    assert ticket.state == TicketState.TRANSFERRED
    assert new.transferred_from == ticket and new.unit == w.tax
    assert new.reply_due_at == at(2026, 3, 24, 17, 30)
    kinds = list(appeal.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.DISPATCHED) == 2 and EventKind.TRANSFERRED in kinds


def test_extension_and_suspension_need_the_office(appeals_world):
    w = appeals_world
    appeal, ticket = acknowledged(w, NOW)
    assert ticket.reply_due_at == at(2026, 3, 23, 17, 30)
    service.request_extension(
        ticket, actor=w.market_clerk, now=at(2026, 3, 10, 9), amount=3, reason="需现场核查"
    )
    ticket.refresh_from_db()
    assert ticket.reply_due_at == at(2026, 3, 23, 17, 30)  # not before approval
    service.review_extension(ticket, actor=w.office_admin, now=at(2026, 3, 10, 10), approve=True)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.ACKNOWLEDGED and ticket.reply_due_at == at(
        2026, 3, 26, 17, 30
    )
    service.request_suspension(
        ticket, actor=w.market_clerk, now=at(2026, 3, 11, 9), reason="等待企业补充材料"
    )
    service.review_suspension(ticket, actor=w.office_admin, now=at(2026, 3, 11, 10), approve=True)
    ticket.refresh_from_db()
    assert ticket.state == TicketState.SUSPENDED and ticket.reply_due_at is None
    with pytest.raises(IllegalTransition, match="请先恢复办理"):
        service.reply_ticket(
            ticket, actor=w.market_clerk, now=at(2026, 3, 12, 9), reply="已经办理完毕，请查收。"
        )
    service.resume_ticket(ticket, actor=w.market_clerk, now=at(2026, 3, 16, 10))
    ticket.refresh_from_db()
    # paused 12, 13 and 16 March: three working days later than before
    assert ticket.paused_amount == 3 and ticket.reply_due_at == at(2026, 3, 31, 17, 30)


def test_a_calendar_correction_is_picked_up_when_clocks_are_rebuilt(appeals_world):
    """Clocks are recomputed from the log: a day declared a holiday later moves the deadline."""
    from dataclasses import replace

    from qinqing.appeals.tasks import rebuild_clocks
    from qinqing.core.workdays.calendar import WorkdayCalendar
    from qinqing.core.workdays.data import package_years

    w = appeals_world
    appeal, ticket = acknowledged(w, NOW)
    assert ticket.reply_due_at == at(2026, 3, 23, 17, 30)
    years = package_years()
    corrected = [
        replace(y, holidays={**y.holidays, dt.date(2026, 3, 16): "示例更正"})
        if y.year == 2026
        else y
        for y in years
    ]
    rebuild_clocks(NOW, calendar=WorkdayCalendar(corrected))
    ticket.refresh_from_db()
    assert ticket.reply_due_at == at(2026, 3, 24, 17, 30)
    assert AuditEvent.objects.filter(verb="appeals.clocks_rebuilt").exists()


def test_consultation_answered_on_the_spot(appeals_world):
    w = appeals_world
    appeal = make_appeal(w, NOW, appeal_type=AppealType.CONSULTATION)
    service.answer_on_the_spot(
        appeal, actor=w.office_admin, now=NOW, answer="可在电子税务局申领。", unit=w.office
    )
    appeal.refresh_from_db()
    assert appeal.state == AppealState.ANSWERED and appeal.closed_at == NOW
    complaint = make_appeal(w, NOW, title="另一件投诉", content="不同的内容，关于道路")
    with pytest.raises(InvalidInput, match="只有“咨询”类诉求可以即时办结"):
        service.answer_on_the_spot(complaint, actor=w.office_admin, now=NOW, answer="答复")


def test_duplicates_across_channels_are_proposed_and_merged(appeals_world):
    w = appeals_world
    first = make_appeal(w, NOW, channel=Channel.HOTLINE)
    second = make_appeal(
        w,
        NOW + dt.timedelta(hours=2),
        channel=Channel.WEB,
        content="本月我公司的超市门店先后被三拨人员检查食品标签、价格公示，内容基本相同，请合并检查！",
    )
    proposal = DuplicateProposal.objects.get(appeal=second)
    assert proposal.candidate == first and proposal.score >= 0.6
    target = service.merge_appeals(proposal, actor=w.office_admin, now=NOW + dt.timedelta(hours=4))
    second.refresh_from_db()
    assert target == first and second.state == AppealState.MERGED and second.merged_into == first
    assert first.events.filter(kind=EventKind.MERGED).exists()


def test_no_duplicate_across_enterprises_or_unrelated_content(appeals_world):
    from tests.world import USCC_B

    w = appeals_world
    make_appeal(w, NOW)
    make_appeal(w, NOW, enterprise_uscc=USCC_B, enterprise_name="乙企业")
    make_appeal(w, NOW, title="稳岗补贴", content="咨询稳岗返还补贴什么时候发放到企业账户。")
    assert not DuplicateProposal.objects.exists()


def test_conduct_complaint_becomes_a_lead_closed_item_by_item(appeals_world):
    w = appeals_world
    appeal, ticket = dispatched(
        w, NOW, title="窗口人员吃拿卡要", content="办理许可时工作人员暗示要好处费。"
    )
    assert appeal.conduct
    lead = service.refer_to_discipline(
        appeal, actor=w.office_admin, now=NOW + dt.timedelta(hours=1)
    )
    appeal.refresh_from_db()
    ticket.refresh_from_db()
    assert appeal.state == AppealState.REFERRED and ticket.state == TicketState.CANCELLED
    service.record_lead_progress(
        lead, actor=w.discipline, now=NOW + dt.timedelta(days=1), findings="已约谈", close=False
    )
    assert lead.state == LeadState.CHECKING
    service.record_lead_progress(
        lead,
        actor=w.discipline,
        now=NOW + dt.timedelta(days=2),
        findings="查实，已处理",
        close=True,
    )
    assert lead.state == LeadState.CLOSED
    with pytest.raises(IllegalTransition, match="已销号"):
        service.record_lead_progress(
            lead, actor=w.discipline, now=NOW, findings="再改", close=False
        )


def test_bad_rating_opens_a_rectification_with_its_own_deadline(appeals_world):
    w = appeals_world
    appeal, _ = replied(w, NOW)
    service.record_callback(
        appeal,
        actor=w.office_admin,
        now=at(2026, 3, 10, 15),
        resolved=True,
        satisfaction="satisfied",
    )
    appeal.refresh_from_db()
    with pytest.raises(InvalidInput, match="差评请写明"):
        service.rate_service(actor=w.enterprise_a, now=NOW, enterprise_uscc=appeal.enterprise_uscc,
                             enterprise_name="甲", level=2, appeal=appeal)  # fmt: skip
    rating = service.rate_service(
        actor=w.enterprise_a, now=at(2026, 3, 11, 9), enterprise_uscc=appeal.enterprise_uscc,
        enterprise_name="甲", level=1, comment="答复敷衍", appeal=appeal,
    )  # fmt: skip
    assert rating.is_bad and rating.unit == w.market
    rect = rating.rectification
    assert rect.state == RectificationState.OPEN
    assert rect.due_on == dt.date(2026, 3, 25)  # 10 working days after 11 March
    service.complete_rectification(rect, actor=w.market_clerk, now=at(2026, 3, 12, 9),
                                   measures="约谈经办人", feedback="已整改，感谢监督")  # fmt: skip
    rect.refresh_from_db()
    assert rect.state == RectificationState.DONE
    good = service.rate_service(
        actor=w.enterprise_b, now=NOW, enterprise_uscc="x", enterprise_name="乙", level=5,
        unit=w.tax, service_name="发票申领",
    )  # fmt: skip
    assert not good.is_bad and not hasattr(good, "rectification")


def test_every_step_is_in_the_audit_trail_and_the_log(appeals_world):
    w = appeals_world
    appeal, ticket = replied(w, NOW)
    assert verbs()[-4:] == [
        "appeal.received",
        "appeal.dispatched",
        "ticket.acknowledged",
        "ticket.replied",
    ]
    kinds = list(
        AppealEvent.objects.filter(appeal=appeal)
        .order_by("at", "pk")
        .values_list("kind", flat=True)
    )
    assert kinds == [
        EventKind.RECEIVED,
        EventKind.DISPATCHED,
        EventKind.ACKNOWLEDGED,
        EventKind.REPLIED,
    ]
