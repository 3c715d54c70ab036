"""Appeals' messages (新工单, 诉求已答复), sent through the core notification centre.

Called inside the service transaction; the centre stores them with the action and sends
e-mail and SMS after commit. A referred appeal (移送纪检) is named by number only.
"""

from __future__ import annotations

from datetime import datetime

from qinqing.core.notifications import notify_enterprise, notify_unit


def tickets_dispatched(appeal, tickets, *, now: datetime) -> None:
    """派单: every handler of each unit that got a ticket."""
    for ticket in tickets:
        role = ticket.get_role_display()
        notify_unit(
            ticket.unit,
            capability="appeals.handle",
            kind="appeals.ticket_dispatched",
            title=f"新工单待签收：{appeal.number}（{role}）",
            body=f"诉求 {appeal.number} 已派给你单位{role}，请及时签收并在时限内答复。",
            url=ticket.get_absolute_url(),
            key=f"appeal-ticket-dispatched:{ticket.pk}",
            sms_text=f"【亲清】诉求{appeal.number}已派给你单位{role}，请登录平台签收办理。",
            now=now,
        )


def appeal_replied(ticket, *, now: datetime) -> None:
    """The lead unit's answer reaches the enterprise that filed the appeal."""
    appeal = ticket.appeal
    if not appeal.enterprise_uscc:
        return
    notify_enterprise(
        appeal.enterprise_uscc,
        kind="appeals.answered",
        title=f"您的诉求 {appeal.number} 已答复",
        body=f"{ticket.unit.name}答复：{ticket.reply}",
        url=appeal.get_absolute_url(),
        key=f"appeal-replied:{ticket.pk}",
        sms_text=f"【亲清】您的诉求{appeal.number}已有答复，请登录平台查看并评价。",
        now=now,
    )
