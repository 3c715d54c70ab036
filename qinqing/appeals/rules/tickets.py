"""The ticket state machine: which step may follow which, and the refusal in Chinese."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qinqing.appeals.choices import (
    TicketState,
)
from qinqing.core.errors import IllegalTransition

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------------------------------
# Ticket state machine
# ---------------------------------------------------------------------------------------

S = TicketState
NEXT_STATES: dict[str, frozenset[str]] = {
    S.DISPATCHED: frozenset({S.ACKNOWLEDGED, S.RETURN_REQUESTED, S.TRANSFERRED, S.CANCELLED}),
    S.ACKNOWLEDGED: frozenset(
        {
            S.REPLIED,
            S.EXTENSION_REQUESTED,
            S.SUSPENSION_REQUESTED,
            S.TRANSFERRED,
            S.CANCELLED,
        }
    ),
    S.RETURN_REQUESTED: frozenset({S.RETURNED, S.DISPATCHED}),
    S.EXTENSION_REQUESTED: frozenset({S.ACKNOWLEDGED, S.REPLIED, S.TRANSFERRED, S.CANCELLED}),
    S.SUSPENSION_REQUESTED: frozenset(
        {S.SUSPENDED, S.ACKNOWLEDGED, S.REPLIED, S.TRANSFERRED, S.CANCELLED}
    ),
    S.SUSPENDED: frozenset({S.ACKNOWLEDGED, S.TRANSFERRED, S.CANCELLED}),
    S.REPLIED: frozenset({S.CLOSED, S.REOPENED}),
    S.RETURNED: frozenset(),
    S.TRANSFERRED: frozenset(),
    S.REOPENED: frozenset(),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

ACTION_LABELS: dict[str, str] = {
    S.ACKNOWLEDGED: "签收",
    S.RETURN_REQUESTED: "退单",
    S.RETURNED: "同意退单",
    S.DISPATCHED: "驳回退单",
    S.EXTENSION_REQUESTED: "申请延期",
    S.SUSPENSION_REQUESTED: "申请挂起",
    S.SUSPENDED: "挂起",
    S.REPLIED: "答复",
    S.TRANSFERRED: "转办",
    S.REOPENED: "重办",
    S.CLOSED: "办结",
    S.CANCELLED: "撤销",
}


def check_transition(current: str, target: str, *, action: str | None = None) -> None:
    """Refuse a state change the ticket state machine does not allow.

    Examples:
        >>> check_transition(TicketState.DISPATCHED, TicketState.ACKNOWLEDGED)
        >>> check_transition(TicketState.CLOSED, TicketState.ACKNOWLEDGED)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 工单当前状态为“已办结”，不能签收。
        >>> check_transition(TicketState.SUSPENDED, TicketState.REPLIED)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 工单当前状态为“已挂起”，不能答复。请先恢复办理，再答复。
    """
    if target in NEXT_STATES[TicketState(current)]:
        return
    verb = action or ACTION_LABELS.get(target, TicketState(target).label)
    hint = ""
    if current == S.SUSPENDED:
        hint = "请先恢复办理，再" + verb + "。"
    elif current == S.DISPATCHED and target in (S.REPLIED, S.EXTENSION_REQUESTED):
        hint = "请先签收工单。"
    elif current == S.RETURN_REQUESTED:
        hint = "退单正在等待派单员审核。"
    raise IllegalTransition(f"工单当前状态为“{TicketState(current).label}”，不能{verb}。{hint}")
