"""Helpers shared by the policy delivery services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from qinqing.core.actor import local_date
from qinqing.core.errors import InvalidInput


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return str(actor or "系统")
    return actor.get_full_name() or actor.get_username()


_today = local_date  # the calendar date of ``now`` in Shanghai


def _money(value, what: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidInput(
            f"{what}“{value}”不是有效金额，请填写数字，如 30000 或 30000.00。"
        ) from exc
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what}应大于 0，最多两位小数，现为“{value}”。")
    return amount
