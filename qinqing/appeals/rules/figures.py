"""Callback outcome and the 三率 figures (formulas are configuration)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qinqing.appeals.choices import (
    Satisfaction,
)

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------------------------------
# Callback outcome
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackOutcome:
    close: bool
    reopen: bool
    escalate: bool


def callback_outcome(satisfaction: str, previous_failures: int) -> CallbackOutcome:
    """不满意 reopens the appeal to the same unit; the second failure also escalates (督办).

    Examples:
        >>> callback_outcome("satisfied", 0)
        CallbackOutcome(close=True, reopen=False, escalate=False)
        >>> callback_outcome("unsatisfied", 0)
        CallbackOutcome(close=False, reopen=True, escalate=False)
        >>> callback_outcome("unsatisfied", 1)
        CallbackOutcome(close=False, reopen=True, escalate=True)
    """
    if Satisfaction(satisfaction) is Satisfaction.UNSATISFIED:
        return CallbackOutcome(close=False, reopen=True, escalate=previous_failures >= 1)
    return CallbackOutcome(close=True, reopen=False, escalate=False)


# ---------------------------------------------------------------------------------------
# Figures (三率): formulas are configuration
# ---------------------------------------------------------------------------------------

DEFAULT_FIGURE_CONFIG: dict[str, Any] = {
    # 满意率 = (满意 + 基本满意 × partly_weight) / 回访数
    "partly_weight": 0.8,
    # composite score = Σ weight × rate over the rates a unit has (re-normalised)
    "weights": {
        "response_rate": 0.2,
        "resolution_rate": 0.3,
        "satisfaction_rate": 0.3,
        "on_time_rate": 0.2,
    },
}

RATE_LABELS = {
    "response_rate": "响应率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "on_time_rate": "按时办结率",
    "avg_reply_workdays": "平均答复用时（工作日）",
    "score": "综合得分",
}


@dataclass(frozen=True)
class FigureCounts:
    """Counts behind one unit's figures for a period (all set-based in the database)."""

    dispatched: int = 0
    sign_counted: int = 0  # signed, or unsigned past the sign deadline
    signed_on_time: int = 0
    reply_counted: int = 0  # replied, or unreplied past the reply deadline
    replied: int = 0
    replied_on_time: int = 0
    reply_workdays_sum: int = 0
    callbacks: int = 0
    resolved: int = 0
    satisfied: int = 0
    partly: int = 0
    unsatisfied: int = 0


def _ratio(num: float, den: int) -> float | None:
    return None if den == 0 else num / den


def figure_rates(
    counts: FigureCounts, config: Mapping[str, Any] | None = None
) -> dict[str, float | None]:
    """响应率, 解决率, 满意率, 按时办结率, 平均答复用时 and the weighted score.

    Examples:
        >>> c = FigureCounts(dispatched=11, sign_counted=10, signed_on_time=9, reply_counted=8, replied=8,
        ...                  replied_on_time=6, reply_workdays_sum=24, callbacks=5, resolved=4,
        ...                  satisfied=3, partly=1, unsatisfied=1)
        >>> r = figure_rates(c)
        >>> r["response_rate"], r["resolution_rate"], round(r["satisfaction_rate"], 2), r["on_time_rate"], r["avg_reply_workdays"]
        (0.9, 0.8, 0.76, 0.75, 3.0)
        >>> round(r["score"], 3)
        0.798
        >>> figure_rates(FigureCounts())["score"] is None
        True
    """
    cfg = {**DEFAULT_FIGURE_CONFIG, **(config or {})}
    partly_weight = float(cfg.get("partly_weight", 0.8))
    rates: dict[str, float | None] = {
        "response_rate": _ratio(counts.signed_on_time, counts.sign_counted),
        "resolution_rate": _ratio(counts.resolved, counts.callbacks),
        "satisfaction_rate": _ratio(
            counts.satisfied + partly_weight * counts.partly, counts.callbacks
        ),
        "on_time_rate": _ratio(counts.replied_on_time, counts.reply_counted),
        "avg_reply_workdays": _ratio(counts.reply_workdays_sum, counts.replied),
    }
    weights = cfg.get("weights") or DEFAULT_FIGURE_CONFIG["weights"]
    present = {k: float(w) for k, w in weights.items() if rates.get(k) is not None and w}
    total = sum(present.values())
    weighted = sum((rates[k] or 0.0) * w for k, w in present.items())
    rates["score"] = weighted / total if total > 0 else None
    return rates
