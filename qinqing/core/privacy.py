"""Personal data shown or logged only as much as needed (个人信息最小化)."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """Hide the middle of a phone number (logs, and pages for everyone but the office).

    Examples:
        >>> mask_phone("13812345678")
        '138****5678'
        >>> mask_phone("0791-86001234")
        '0791****1234'
        >>> mask_phone("12345")
        '1***5'
        >>> mask_phone("")
        ''
    """
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) <= 6:
        return phone[0] + "*" * (len(phone) - 2) + phone[-1]
    head = 3 if (len(phone) == 11 and phone.isdigit()) else max(0, min(4, len(phone) - 8))
    return phone[:head] + "****" + phone[-4:]
