"""Rules of 码上反映 核验: code lifetime, attempts and how often codes may be sent."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# ---------------------------------------------------------------------------------------
# Confirming who speaks for an enterprise (码上反映 核验)
# ---------------------------------------------------------------------------------------

IDENTITY_CODE_TTL = dt.timedelta(minutes=10)
IDENTITY_CODE_ATTEMPTS = 5  # wrong entries before a code is spent
IDENTITY_CODE_RESEND = dt.timedelta(seconds=60)  # between two codes for one appeal
IDENTITY_CODES_PER_HOUR = 3  # codes for one appeal within an hour
_CODE_RE = re.compile(r"^\d{6}$")


def identity_code_send_problem(sent: Sequence[dt.datetime], now: dt.datetime) -> str | None:
    """Why no new code may be sent now (``sent``: when earlier codes went out), or None.

    Examples:
        >>> at = lambda m, s=0: dt.datetime(2026, 3, 9, 10, m, s)
        >>> identity_code_send_problem([], at(0)) is None
        True
        >>> identity_code_send_problem([at(0)], at(0, 30))
        '验证码已发送，请 30 秒后再重新获取。'
        >>> identity_code_send_problem([at(0), at(2), at(4)], at(10))
        '获取验证码次数过多，请 1 小时后再试，或登录企业账号确认。'
    """
    recent = [t for t in sent if now - t < dt.timedelta(hours=1)]
    if recent and now - max(recent) < IDENTITY_CODE_RESEND:
        wait = math.ceil((IDENTITY_CODE_RESEND - (now - max(recent))).total_seconds())
        return f"验证码已发送，请 {wait} 秒后再重新获取。"
    if len(recent) >= IDENTITY_CODES_PER_HOUR:
        return "获取验证码次数过多，请 1 小时后再试，或登录企业账号确认。"
    return None


def identity_code_problem(
    code: str, *, expires_at: dt.datetime | None, attempts: int, now: dt.datetime
) -> str | None:
    """Why an entered code cannot be checked (None: compare it). ``expires_at`` None: no code.

    Examples:
        >>> at = lambda m: dt.datetime(2026, 3, 9, 10, m)
        >>> identity_code_problem("12345", expires_at=at(10), attempts=0, now=at(1))
        '请输入短信中的 6 位数字验证码。'
        >>> identity_code_problem("123456", expires_at=at(10), attempts=0, now=at(11))
        '验证码已过期，请重新获取。'
        >>> identity_code_problem("123456", expires_at=at(10), attempts=5, now=at(1))
        '验证码错误次数过多，已失效，请重新获取。'
        >>> identity_code_problem("123456", expires_at=at(10), attempts=4, now=at(1)) is None
        True
    """
    if not _CODE_RE.match(code):
        return "请输入短信中的 6 位数字验证码。"
    if expires_at is None:
        return "还没有获取验证码，请先点击“发送验证码”。"
    if attempts >= IDENTITY_CODE_ATTEMPTS:
        return "验证码错误次数过多，已失效，请重新获取。"
    if now > expires_at:
        return "验证码已过期，请重新获取。"
    return None


def wrong_code_message(attempts: int) -> str:
    """After the ``attempts``-th wrong entry of one code.

    Examples:
        >>> wrong_code_message(1), wrong_code_message(5)
        ('验证码不正确，还可以再试 4 次。', '验证码不正确，错误次数过多，已失效，请重新获取。')
    """
    left = IDENTITY_CODE_ATTEMPTS - attempts
    if left <= 0:
        return "验证码不正确，错误次数过多，已失效，请重新获取。"
    return f"验证码不正确，还可以再试 {left} 次。"
