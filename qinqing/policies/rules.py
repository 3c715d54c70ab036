"""Pure rules of policy delivery: state machines, the budget check, quarters, clocks, and
the names shown beside industry and region codes. (Which registry attributes an enterprise
cannot change, so that no near miss is reported on them, is the engine's:
:mod:`qinqing.policies.engine.reach`.)

No ORM, no clock, no I/O (STYLE.md §2): the service passes states, amounts and dates in.
State names and labels come from the model's choices (:mod:`qinqing.policies.choices`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from qinqing.core.errors import IllegalTransition, InvalidInput
from qinqing.core.workdays import TimeLimit, TimeUnit, WorkdayCalendar, due_on
from qinqing.policies.choices import ApplicationState, GrantBatchState

# 002 「属于上级给付的奖补资金，到达本级15日内，下达县(区)或直接足额拨付给企业」
FUND_PASS_DOWN_LIMIT = TimeLimit(15, TimeUnit.NATURAL_DAYS)
# how many days before the due date a pending 服务对象清单 is reminded (then again each week)
TARGET_LIST_REMIND_DAYS = 15

# state machines over the model's choices (qinqing.policies.choices): names and labels there
APPLICATION_NEXT: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.SUBMITTED: frozenset(
        {ApplicationState.RETURNED, ApplicationState.APPROVED, ApplicationState.REJECTED}
    ),
    ApplicationState.RETURNED: frozenset({ApplicationState.SUBMITTED}),
    ApplicationState.APPROVED: frozenset({ApplicationState.PAID}),
    ApplicationState.REJECTED: frozenset(),
    ApplicationState.PAID: frozenset(),
}
# what the move into a state is called in a refusal ("不能退回补正")
APPLICATION_ACTIONS: dict[ApplicationState, str] = {
    ApplicationState.SUBMITTED: "重新提交",
    ApplicationState.RETURNED: "退回补正",
    ApplicationState.APPROVED: "审核通过",
    ApplicationState.REJECTED: "不予兑现",
    ApplicationState.PAID: "登记拨付",
}

BATCH_NEXT: dict[GrantBatchState, frozenset[GrantBatchState]] = {
    GrantBatchState.PREPARED: frozenset({GrantBatchState.APPROVED, GrantBatchState.CANCELLED}),
    GrantBatchState.APPROVED: frozenset({GrantBatchState.PAID}),
    GrantBatchState.PAID: frozenset(),
    GrantBatchState.CANCELLED: frozenset(),
}
BATCH_ACTIONS: dict[GrantBatchState, str] = {
    GrantBatchState.APPROVED: "审批",
    GrantBatchState.CANCELLED: "作废",
    GrantBatchState.PAID: "登记拨付",
}


# 国民经济行业分类 (GB/T 4754-2017) 门类: the letter every industry code starts with
INDUSTRY_SECTIONS = {
    "A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业", "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
    "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育",
    "Q": "卫生和社会工作", "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}  # fmt: skip


def industry_text(code: str) -> str:
    """An industry code with the name of its 门类, as an enterprise reads it.

    Examples:
        >>> industry_text("C39")
        '制造业（C39）'
        >>> industry_text("?")
        '?'
    """
    section = INDUSTRY_SECTIONS.get(code[:1].upper()) if code else None
    return f"{section}（{code}）" if section else code


def region_text(code: str, names: dict[str, str]) -> str:
    """A region code with its name from the directory, or said to be unnamed.

    Examples:
        >>> region_text("420602", {"420602": "襄城区"})
        '襄城区（420602）'
        >>> region_text("420602", {})
        '机构库中未登记名称的地区（420602）'
    """
    name = names.get(code)
    return f"{name}（{code}）" if name else f"机构库中未登记名称的地区（{code}）"


def check_application_transition(current: str, target: str) -> None:
    """Refuse a change the application's state machine forbids.

    Examples:
        >>> check_application_transition("submitted", "approved")
        >>> check_application_transition("paid", "returned")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 申报当前状态为“已拨付”，不能退回补正。
    """
    now, then = ApplicationState(current), ApplicationState(target)
    if then not in APPLICATION_NEXT[now]:
        raise IllegalTransition(f"申报当前状态为“{now.label}”，不能{APPLICATION_ACTIONS[then]}。")


def check_batch_transition(current: str, target: str) -> None:
    """Refuse a change the grant batch's state machine forbids.

    Examples:
        >>> check_batch_transition("approved", "cancelled")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 发放批次当前状态为“已审批”，不能作废。
    """
    now, then = GrantBatchState(current), GrantBatchState(target)
    if then not in BATCH_NEXT[now]:
        raise IllegalTransition(f"发放批次当前状态为“{now.label}”，不能{BATCH_ACTIONS[then]}。")


def check_preparer_is_not_approver(preparer_id: int, approver_id: int) -> None:
    """免申即享 batches need two people: whoever prepared one may not approve it.

    Examples:
        >>> check_preparer_is_not_approver(1, 2)
        >>> check_preparer_is_not_approver(3, 3)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 发放批次须由制单人以外的另一名工作人员审批，您是本批次的制单人，不能审批。
    """
    if preparer_id == approver_id:
        raise IllegalTransition(
            "发放批次须由制单人以外的另一名工作人员审批，您是本批次的制单人，不能审批。"
        )


def yuan(amount: Decimal | int) -> str:
    """Money as officials write it.

    Examples:
        >>> yuan(Decimal("1234567.50"))
        '1,234,567.50 元'
        >>> yuan(3000)
        '3,000 元'
    """
    value = Decimal(amount)
    if value == value.to_integral_value():
        return f"{int(value):,} 元"
    return f"{value:,.2f} 元"


def check_budget(
    *, policy_title: str, year: int, total: Decimal, committed: Decimal, paid: Decimal,
    amount: Decimal, what: str,
) -> None:  # fmt: skip
    """Refuse to promise more than the 资金池 holds (committed + paid never exceeds total).

    Examples:
        >>> check_budget(policy_title="人才补贴", year=2025, total=Decimal(10000),
        ...              committed=Decimal(6000), paid=Decimal(0), amount=Decimal(4000), what="本申报")
        >>> check_budget(policy_title="人才补贴", year=2025, total=Decimal(10000),
        ...              committed=Decimal(6000), paid=Decimal(1000), amount=Decimal(4000), what="本申报")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: “人才补贴”2025 年度资金池余额不足：总额 10,000 元，已核定待拨付 6,000 元，已拨付 1,000 元，可用 3,000 元，本申报需要 4,000 元。请先追加资金（登记上级资金到达或调整资金总额）后再审批。
    """
    if amount <= 0:
        raise InvalidInput(f"{what}的金额应大于 0 元，现为 {yuan(amount)}。")
    available = total - committed - paid
    if amount > available:
        raise InvalidInput(
            f"“{policy_title}”{year} 年度资金池余额不足：总额 {yuan(total)}，"
            f"已核定待拨付 {yuan(committed)}，已拨付 {yuan(paid)}，可用 {yuan(available)}，"
            f"{what}需要 {yuan(amount)}。请先追加资金（登记上级资金到达或调整资金总额）后再审批。"
        )


def quarter_of(day: dt.date) -> tuple[int, int]:
    """(year, quarter) of a date.

    Examples:
        >>> quarter_of(dt.date(2025, 11, 23))
        (2025, 4)
    """
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First and last day of a quarter.

    Examples:
        >>> quarter_bounds(2025, 1)
        (datetime.date(2025, 1, 1), datetime.date(2025, 3, 31))
        >>> quarter_bounds(2025, 4)
        (datetime.date(2025, 10, 1), datetime.date(2025, 12, 31))
    """
    if quarter not in (1, 2, 3, 4):
        raise InvalidInput(f"季度应为 1—4，现为 {quarter}。")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = (
        dt.date(year, 12, 31)
        if quarter == 4
        else dt.date(year, 3 * quarter + 1, 1) - dt.timedelta(days=1)
    )
    return start, end


def target_list_due_on(year: int, quarter: int) -> dt.date:
    """A quarter's 服务对象清单 must be refreshed by the quarter's last day."""
    return quarter_bounds(year, quarter)[1]


def target_list_needs_reminder(
    *, today: dt.date, due: dt.date, refreshed: bool, reminded_on: dt.date | None
) -> bool:
    """Remind a pending list from 15 days before its due date, at most once a week.

    Examples:
        >>> due = dt.date(2025, 12, 31)
        >>> target_list_needs_reminder(today=dt.date(2025, 12, 1), due=due, refreshed=False, reminded_on=None)
        False
        >>> target_list_needs_reminder(today=dt.date(2025, 12, 20), due=due, refreshed=False, reminded_on=None)
        True
        >>> target_list_needs_reminder(today=dt.date(2025, 12, 22), due=due, refreshed=False,
        ...                            reminded_on=dt.date(2025, 12, 20))
        False
        >>> target_list_needs_reminder(today=dt.date(2025, 12, 20), due=due, refreshed=True, reminded_on=None)
        False
    """
    if refreshed or (due - today).days > TARGET_LIST_REMIND_DAYS:
        return False
    return reminded_on is None or (today - reminded_on).days >= 7


def fund_due_on(arrived_on: dt.date, *, calendar: WorkdayCalendar) -> dt.date:
    """Last day to pass funds from above down or pay them out: 15 natural days after
    arrival (the arrival day not counted; a rest day as last day moves to the next
    working day, 《民法典》第二百零三条).

    Examples:
        >>> from qinqing.core.workdays.calendar import WorkdayCalendar
        >>> from qinqing.core.workdays.data import package_years
        >>> cal = WorkdayCalendar(package_years())
        >>> fund_due_on(dt.date(2025, 3, 3), calendar=cal)   # Monday → Tuesday 18 March
        datetime.date(2025, 3, 18)
        >>> fund_due_on(dt.date(2025, 9, 16), calendar=cal)  # 1 October is 国庆节
        datetime.date(2025, 10, 9)
    """
    return due_on(arrived_on, FUND_PASS_DOWN_LIMIT, calendar=calendar)


def fund_overdue(*, due: dt.date, disbursed_on: dt.date | None, today: dt.date) -> bool:
    """Funds are overdue when not passed down by the due day (or passed down after it).

    Examples:
        >>> fund_overdue(due=dt.date(2025, 3, 18), disbursed_on=None, today=dt.date(2025, 3, 18))
        False
        >>> fund_overdue(due=dt.date(2025, 3, 18), disbursed_on=None, today=dt.date(2025, 3, 19))
        True
        >>> fund_overdue(due=dt.date(2025, 3, 18), disbursed_on=dt.date(2025, 3, 20), today=dt.date(2025, 3, 21))
        True
    """
    if disbursed_on is not None:
        return disbursed_on > due
    return today > due


def satisfaction_rate(fits: int, partly: int, total: int) -> float | None:
    """匹配满意率: share of answers saying the push fitted; 部分符合 counts half.

    Examples:
        >>> satisfaction_rate(6, 2, 10)
        0.7
        >>> satisfaction_rate(0, 0, 0) is None
        True
    """
    if total == 0:
        return None
    return round((fits + 0.5 * partly) / total, 4)
