"""Personal data never enters the audit trail in the clear (数据保密性, 个人信息最小化).

The audit log is append-only: whatever is written there stays for years and cannot be
encrypted or rotated afterwards. So :func:`redact` runs on every ``before``/``after`` value
*before* it is hashed and stored (``service.record``): phone numbers, ID numbers (身份证号)
and bank accounts are replaced by their masked form (``138****5678``). Masking rather than
encryption, because an auditor needs to see *that* a phone number changed and which one it
roughly was, never the number itself, and a masked value survives key rotation unchanged.

Two kinds of evidence mark a value as personal:

* the key names it (``phone``, ``contact_phone``, ``mobile``, ``id_number``, ``bank_account``
  …), whatever the value looks like (a landline, a number with spaces);
* the text contains a mainland mobile number (11 digits starting 13–19) or an 18-character
  ID number whose birth date and GB 11643 check digit are valid, whatever the key (a title
  such as 「请联系13812345678」). Credit codes (统一社会信用代码) are left alone: the key
  names them and an ID number's check digit rejects them.

Events written before redaction existed are masked again when shown (``display.py``).
"""

from __future__ import annotations

import re
from typing import Any

from qinqing.core.accounts.id_numbers import id_number_is_valid, mask_id_number
from qinqing.core.privacy import mask_phone

PHONE_KEYS = ("phone", "mobile", "手机", "电话")
ID_KEYS = ("id_number", "id_card", "身份证")
ACCOUNT_KEYS = ("bank_account", "account_no", "账户")
NEVER_KEYS = frozenset({"uscc", "enterprise_uscc", "credit_code", "统一社会信用代码"})

MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_account(text: str) -> str:
    """Bank accounts: the last 4 digits only.

    Examples:
        >>> mask_account("6222 0000 0000 1234")
        '****1234'
    """
    digits = "".join(text.split())
    return "****" + digits[-4:] if len(digits) > 4 else "*" * len(digits)


def _key_kind(key: str) -> str:
    lowered = key.lower()
    if lowered in NEVER_KEYS:
        return "never"
    if any(k in lowered for k in ID_KEYS):
        return "id"
    if any(k in lowered for k in ACCOUNT_KEYS):
        return "account"
    if any(k in lowered for k in PHONE_KEYS) or lowered == "tel" or lowered.endswith("_tel"):
        return "phone"
    return ""


def _mask_ids(match: re.Match[str]) -> str:
    text = match.group(0)
    return mask_id_number(text) if id_number_is_valid(text) else text


def redact_text(text: str) -> str:
    """Mask every mobile and ID number inside free text.

    Examples:
        >>> redact_text("请联系13812345678，身份证11010519491231002X")
        '请联系138****5678，身份证110105********002X'
        >>> redact_text("订单号 20261207123456789012")
        '订单号 20261207123456789012'
    """
    return MOBILE.sub(lambda m: mask_phone(m.group(0)), ID_NUMBER.sub(_mask_ids, text))


def _masked_by_key(kind: str, value: Any) -> Any:
    if value is None or value == "" or isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return [_masked_by_key(kind, v) for v in value]
    if isinstance(value, dict):
        return {k: _masked_by_key(kind, v) for k, v in value.items()}
    text = str(value)
    if kind == "id":
        return mask_id_number(text)
    if kind == "account":
        return mask_account(text)
    return mask_phone(text)


def _is_masked(text: str) -> bool:
    return "****" in text


def redact(value: Any, key: str = "") -> Any:
    """The value with personal data masked, structure and every other value unchanged.

    Examples:
        >>> redact({"phone": "0571-88880001", "title": "回电13812345678", "uscc": "91330100MA2XXXXX0X"})
        {'phone': '0571****0001', 'title': '回电138****5678', 'uscc': '91330100MA2XXXXX0X'}
        >>> redact({"changes": {"contact_phone": ["13800000001", "13900000002"]}})
        {'changes': {'contact_phone': ['138****0001', '139****0002']}}
    """
    kind = _key_kind(key) if key else ""
    if kind == "never":
        return value
    if kind and not (isinstance(value, str) and _is_masked(value)):
        return _masked_by_key(kind, value)
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v, key) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
