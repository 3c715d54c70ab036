"""The numbers 接诉即办 feeds to the assessment (考评): 三率, on-time reply, reply time.

Each indicator answers, for one period and a list of units, one value per unit (``None``
where the unit had nothing to measure), from the two grouped queries of
``figures.unit_counts`` — never a query per unit. Rates are percentages rounded to 0.1.
The formulas are in ``rules.figure_rates`` and docs/appeals.md.
"""

from __future__ import annotations

from qinqing.assessment.registry import Period, indicator

SOURCE = "appeals"


def _values(period: Period, unit_ids: list[int], name: str, *, percent: bool = True):
    from django.utils import timezone

    from qinqing.appeals import figures, rules

    # a running period is measured as of now: a deadline still ahead counts neither way
    counts = figures.unit_counts(
        period.start, period.end, unit_ids=list(unit_ids), as_of=timezone.now()
    )
    out: dict[int, float | None] = {}
    for unit_id in unit_ids:
        c = counts.get((unit_id, ""))
        value = rules.figure_rates(c)[name] if c is not None else None
        if value is not None:
            value = round(100 * value, 1) if percent else round(value, 2)
        out[unit_id] = value
    return out


@indicator(
    "appeals.response_rate",
    "诉求响应率",
    source=SOURCE,
    description="期间内派给本单位、已签收或已过签收时限的工单中，在签收时限内签收的比例（不含已同意退单、已撤销的工单）。",
)
def response_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    return _values(period, unit_ids, "response_rate")


@indicator(
    "appeals.resolution_rate",
    "诉求解决率",
    source=SOURCE,
    description="期间内对本单位主办诉求的回访中，企业表示问题已解决的比例。",
)
def resolution_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    return _values(period, unit_ids, "resolution_rate")


@indicator(
    "appeals.satisfaction_rate",
    "诉求满意率",
    source=SOURCE,
    description="期间内回访中（满意 + 基本满意 × 0.8）占回访次数的比例；基本满意的权重可在诉求设置中调整。",
)
def satisfaction_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    return _values(period, unit_ids, "satisfaction_rate")


@indicator(
    "appeals.on_time_rate",
    "诉求按时办结率",
    source=SOURCE,
    description="期间内派出、已答复或已过答复时限的工单中，在答复时限（含批准的延期、扣除挂起）内答复的比例。",
)
def on_time_rate(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    return _values(period, unit_ids, "on_time_rate")


@indicator(
    "appeals.avg_reply_workdays",
    "诉求平均答复用时",
    source=SOURCE,
    unit_label="个工作日",
    higher_is_better=False,
    description="期间内派出并已答复的工单，从派单到答复的平均工作日数（扣除挂起）。",
)
def avg_reply_workdays(period: Period, unit_ids: list[int]) -> dict[int, float | None]:
    return _values(period, unit_ids, "avg_reply_workdays", percent=False)
