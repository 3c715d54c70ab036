"""Pure rules of the problem ledger: states, transitions, campaign fields, arrears sums.

No ORM, no clock, no I/O (STYLE.md §2).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from django.db import models

from qinqing.core.errors import IllegalTransition, InvalidInput


class Source(models.TextChoices):
    EVALUATION = "evaluation", "营商环境评价反馈"
    INSPECTION = "inspection", "督查检查"
    GUIDANCE = "guidance", "督导组督导"
    INCOGNITO = "incognito", "明察暗访"
    SIMULATED = "simulated", "模拟办事"
    DIRECTOR_WALK = "director_walk", "局长走流程"
    SUPERVISOR = "supervisor", "营商环境监督员"
    VISIT = "visit", "走访企业"
    SOLICITATION = "solicitation", "问题大征集"
    MEETING = "meeting", "调度会议定"
    INSTRUCTION = "instruction", "领导批示"
    APPEAL_THEME = "appeal_theme", "诉求热点（每月一题）"
    CAMPAIGN = "campaign", "专项整治"
    OTHER = "other", "其他"


class ProblemState(models.TextChoices):
    OPEN = "open", "整改中"
    SUBMITTED = "submitted", "待销号审核"
    CLOSED = "closed", "已销号"
    VERIFIED = "verified", "回头看通过"
    REFERRED = "referred", "已移送"


class ConductKind(models.TextChoices):
    STYLE = "style", "作风问题"
    INTEGRITY = "integrity", "廉政问题"


class CheckState(models.TextChoices):
    PENDING = "pending", "待回头看"
    PASSED = "passed", "未反弹"
    RECURRED = "recurred", "问题反弹"


class ReferralState(models.TextChoices):
    REFERRED = "referred", "已移送"
    CHECKING = "checking", "核查中"
    CONCLUDED = "concluded", "已办结"


class CaseKind(models.TextChoices):
    NEGATIVE = "negative", "典型案例（曝光）"
    POSITIVE = "positive", "经验做法"


class CaseState(models.TextChoices):
    PENDING = "pending", "待审核"
    PUBLISHED = "published", "已发布"
    REJECTED = "rejected", "未采用"


class CampaignKind(models.TextChoices):
    FEES = "fees", "涉企违规收费"
    OLD_DEBTS = "old_debts", "新官不理旧账"
    OBSTRUCTION = "obstruction", "小鬼难缠、中梗阻"
    ENTRY_BARRIERS = "entry_barriers", "市场准入壁垒"
    DOCUMENTS = "documents", "规范性文件清理"


class DocumentOutcome(models.TextChoices):
    KEEP = "keep", "保留"
    AMEND = "amend", "修改"
    REPEAL = "repeal", "废止"


class ArrearsKind(models.TextChoices):
    ARREARS = "arrears", "拖欠企业账款"
    PROMISE = "promise", "政府承诺事项（政务诚信）"


class EntryKind(models.TextChoices):
    PAYMENT = "payment", "还款"
    CORRECTION = "correction", "冲正"


class SubmissionChannel(models.TextChoices):
    WEB = "web", "网页"
    QR = "qr", "扫码"


class ThemeState(models.TextChoices):
    PROPOSED = "proposed", "待研判"
    OPENED = "opened", "已立项"
    DISMISSED = "dismissed", "不立项"


# Each campaign's own fields: (key, Chinese label, type). Types: text, money, outcome.
CAMPAIGN_FIELDS: dict[str, list[tuple[str, str, str]]] = {
    CampaignKind.FEES: [("fee", "收费项目", "text"), ("refunded", "清退金额（元）", "money")],
    CampaignKind.OLD_DEBTS: [("commitment", "历史承诺/合同", "text"), ("amount", "涉及金额（元）", "money")],
    CampaignKind.OBSTRUCTION: [("post", "涉及岗位/环节", "text")],
    CampaignKind.ENTRY_BARRIERS: [("barrier", "壁垒表现", "text"), ("document", "依据文件", "text")],
    CampaignKind.DOCUMENTS: [("document", "文件名称及文号", "text"), ("outcome", "清理结果", "outcome")],
}  # fmt: skip

NEXT_STATES: dict[str, frozenset[str]] = {
    ProblemState.OPEN: frozenset({ProblemState.SUBMITTED, ProblemState.REFERRED}),
    ProblemState.SUBMITTED: frozenset(
        {ProblemState.CLOSED, ProblemState.OPEN, ProblemState.REFERRED}
    ),
    ProblemState.CLOSED: frozenset({ProblemState.VERIFIED, ProblemState.OPEN}),
    ProblemState.VERIFIED: frozenset({ProblemState.OPEN}),
    ProblemState.REFERRED: frozenset(),
}

ACTION_WORDS = {
    ProblemState.SUBMITTED: "申请销号",
    ProblemState.CLOSED: "销号",
    ProblemState.OPEN: "退回或重新整改",
    ProblemState.VERIFIED: "回头看",
    ProblemState.REFERRED: "移送纪检监察",
}


def check_transition(current: str, target: str) -> None:
    """Refuse a state change the ledger does not allow.

    Examples:
        >>> check_transition("open", "submitted")
        >>> check_transition("closed", "submitted")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.IllegalTransition: 问题当前状态为“已销号”，不能申请销号。
    """
    if target not in NEXT_STATES.get(current, frozenset()):
        raise IllegalTransition(
            f"问题当前状态为“{ProblemState(current).label}”，不能{ACTION_WORDS[ProblemState(target)]}。"
        )


def check_close_out(*, evidence_count: int, submitted_by_id: int | None, reviewer_id: int) -> None:
    """销号 needs rectification evidence and a reviewer who is not the filer.

    Examples:
        >>> check_close_out(evidence_count=1, submitted_by_id=3, reviewer_id=4)
        >>> check_close_out(evidence_count=0, submitted_by_id=3, reviewer_id=4)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 没有整改佐证材料，不能销号。请退回责任单位补充材料。
        >>> check_close_out(evidence_count=2, submitted_by_id=4, reviewer_id=4)
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 销号申请由您本人提交，不能由您本人审核销号。请由营商办其他工作人员审核。
    """
    if evidence_count <= 0:
        raise InvalidInput("没有整改佐证材料，不能销号。请退回责任单位补充材料。")
    if submitted_by_id is not None and submitted_by_id == reviewer_id:
        raise InvalidInput(
            "销号申请由您本人提交，不能由您本人审核销号。请由营商办其他工作人员审核。"
        )


_LIMIT_IN_TEXT = re.compile(
    r"[0-9零一二两三四五六七八九十百]+\s*个?\s*(?:工作日|自然日|日|天|小时|钟头)"
)


def limit_in_text(text: str) -> str:
    """The time limit inside a sentence such as 「到达本级15日内」 (STYLE: seeds mix units).

    Examples:
        >>> limit_in_text("到达本级15日内"), limit_in_text("收到后3个工作日内办结")
        ('15日', '3个工作日')
        >>> limit_in_text("尽快")
        '尽快'
    """
    match = _LIMIT_IN_TEXT.search(text or "")
    return match.group(0) if match else (text or "").strip()


def follow_up_due_on(closed_on: dt.date, days: int) -> dt.date:
    """The day a 回头看 falls due, ``days`` natural days after 销号.

    Examples:
        >>> follow_up_due_on(dt.date(2025, 6, 30), 90)
        datetime.date(2025, 9, 28)
    """
    return closed_on + dt.timedelta(days=days)


def campaign_details(kind: str, raw: dict[str, str]) -> dict[str, str]:
    """Validate a campaign problem's own fields; money as a string of a Decimal.

    Examples:
        >>> campaign_details("fees", {"fee": "检验检测费", "refunded": "1200.50"})
        {'fee': '检验检测费', 'refunded': '1200.50'}
        >>> campaign_details("documents", {"document": "某文", "outcome": "废除"})
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: “清理结果”应为保留、修改或废止，现为“废除”。
    """
    out: dict[str, str] = {}
    for key, label, kind_ in CAMPAIGN_FIELDS.get(kind, []):
        value = str(raw.get(key, "") or "").strip()
        if not value:
            continue
        if kind_ == "money":
            value = str(parse_money(value, label=label))
        elif kind_ == "outcome":
            by_label = {c.label: c.value for c in DocumentOutcome}
            if value in by_label:
                value = by_label[value]
            elif value not in DocumentOutcome.values:
                raise InvalidInput(f"“{label}”应为保留、修改或废止，现为“{value}”。")
        out[key] = value
    return out


def parse_money(value: object, *, label: str = "金额") -> Decimal:
    """Yuan as a Decimal with two places; refuses text and more than two decimals.

    Examples:
        >>> parse_money("1,200.5")
        Decimal('1200.50')
        >>> parse_money("十万")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: “金额”应为数字（元），如 12000.50，现为“十万”。
    """
    text = str(value).replace(",", "").replace("，", "").strip()
    try:
        amount = Decimal(text)
    except Exception:
        raise InvalidInput(f"“{label}”应为数字（元），如 12000.50，现为“{value}”。") from None
    exponent = amount.as_tuple().exponent
    if not amount.is_finite() or not isinstance(exponent, int) or exponent < -2:
        raise InvalidInput(f"“{label}”最多保留两位小数（分），现为“{value}”。")
    return amount.quantize(Decimal("0.01"))


def outstanding(principal: Decimal, amounts: Iterable[Decimal]) -> Decimal:
    """What is still owed: the principal less every payment and correction entered.

    Examples:
        >>> outstanding(Decimal("100"), [Decimal("30"), Decimal("-10"), Decimal("5")])
        Decimal('75')
    """
    return principal - sum(amounts, Decimal("0"))


def check_payment(amount: Decimal, balance: Decimal) -> None:
    """A payment is positive and not more than what is owed.

    Examples:
        >>> check_payment(Decimal("10"), Decimal("10"))
        >>> check_payment(Decimal("11"), Decimal("10"))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 还款 11 元超过尚欠的 10 元。如确有多付，请先核对欠款金额。
    """
    if amount <= 0:
        raise InvalidInput("还款金额应大于 0。登记错误的还款请用“冲正”。")
    if amount > balance:
        raise InvalidInput(
            f"还款 {amount} 元超过尚欠的 {balance} 元。如确有多付，请先核对欠款金额。"
        )


PLAN_YEARS = (2000, 2100)
_PLAN_LINE = re.compile(r"^\s*(\d{4})\s*(?:年度|年)?\s*[:：,，\s]\s*(.+?)\s*(?:元)?\s*$")


def parse_repayment_plan(text: str) -> dict[int, Decimal]:
    """还款计划 typed one year a line (「2026 500000」「2027年：30,000.50」); blank lines skipped.

    Examples:
        >>> parse_repayment_plan("2026 500000\\n\\n2027年：30,000.50元")
        {2026: Decimal('500000.00'), 2027: Decimal('30000.50')}
        >>> parse_repayment_plan("2026 5万")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 第 1 行：“2026年计划还款”应为数字（元），如 12000.50，现为“5万”。
    """
    plan: dict[int, Decimal] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _PLAN_LINE.match(line)
        if match is None:
            raise InvalidInput(
                f"第 {number} 行“{line.strip()}”看不懂：每行写一个年度和金额，如“2026 500000”。"
            )
        year = int(match.group(1))
        if year in plan:
            raise InvalidInput(f"第 {number} 行：{year} 年重复填写，每个年度只写一行。")
        try:
            plan[year] = parse_money(match.group(2), label=f"{year}年计划还款")
        except InvalidInput as exc:
            raise InvalidInput(f"第 {number} 行：{exc.message}") from None
    return plan


def check_repayment_plan(plan: dict[int, Decimal], principal: Decimal) -> None:
    """Every planned amount is positive, every year plausible, and the plan does not promise
    to repay more than is owed.

    Examples:
        >>> check_repayment_plan({2026: Decimal("60"), 2027: Decimal("40")}, Decimal("100"))
        >>> check_repayment_plan({2026: Decimal("60"), 2027: Decimal("50")}, Decimal("100"))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 还款计划合计 110.00 元，超过欠款金额 100 元，请核对。
    """
    for year, amount in sorted(plan.items()):
        if not PLAN_YEARS[0] <= year <= PLAN_YEARS[1]:
            raise InvalidInput(f"年度“{year}”不合理，请填写四位年份，如 2026。")
        if amount <= 0:
            raise InvalidInput(f"{year} 年计划还款应大于 0；不再安排还款的年度请删去该行。")
    total = sum(plan.values(), Decimal("0"))
    if total > principal:
        raise InvalidInput(f"还款计划合计 {total:.2f} 元，超过欠款金额 {principal} 元，请核对。")


def check_dispute(disputed: bool, note: str) -> None:
    """A dispute is recorded with what it is about.

    Examples:
        >>> check_dispute(False, "")
        >>> check_dispute(True, " ")
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 请填写争议情况：哪一方对哪部分金额或事实有异议。
    """
    if disputed and not (note or "").strip():
        raise InvalidInput("请填写争议情况：哪一方对哪部分金额或事实有异议。")


def check_settings(
    *, follow_up_days: int, overdue: Decimal, recurrence: Decimal, accountability: Decimal
) -> None:
    """An area's ledger settings: a 回头看 period of one day to two years, deductions not
    negative, and 问责 — the top escalation — weighing at least as much as the others.

    Examples:
        >>> check_settings(follow_up_days=90, overdue=Decimal("1"), recurrence=Decimal("2"),
        ...                accountability=Decimal("5"))
        >>> check_settings(follow_up_days=90, overdue=Decimal("1"), recurrence=Decimal("6"),
        ...                accountability=Decimal("5"))
        Traceback (most recent call last):
        ...
        qinqing.core.errors.InvalidInput: 问责是最高一级的处理，“被问责每件扣分”（5）不能低于“回头看反弹每件扣分”（6）。
    """
    if not 1 <= follow_up_days <= 730:
        raise InvalidInput(f"“回头看间隔”应为 1 至 730 天，现为 {follow_up_days} 天。")
    labels = {"逾期未整改每件扣分": overdue, "回头看反弹每件扣分": recurrence,
              "被问责每件扣分": accountability}  # fmt: skip
    for label, value in labels.items():
        if value < 0:
            raise InvalidInput(f"“{label}”不能为负数，现为 {value}。")
    for label, value in (("逾期未整改每件扣分", overdue), ("回头看反弹每件扣分", recurrence)):
        if accountability < value:
            raise InvalidInput(
                f"问责是最高一级的处理，“被问责每件扣分”（{accountability}）不能低于"
                f"“{label}”（{value}）。"
            )
