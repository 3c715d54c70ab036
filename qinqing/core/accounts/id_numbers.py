"""居民身份证号码 (GB 11643-1999): validation, masking, and the form validator.

ID numbers are personal data: stored SM4-encrypted (``Profile.id_number``) with a blind
index for exact lookup (``qinqing.core.crypto.blind_index``), masked wherever shown.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from qinqing.core.crypto.blind_index import normalise

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_is_valid(text: str) -> bool:
    """An 18-character 居民身份证号码 with a real birth date and GB 11643 check digit.

    Examples:
        >>> id_number_is_valid("11010519491231002X")
        True
        >>> id_number_is_valid("110105194912310021")
        False
        >>> id_number_is_valid("913301001234567890")
        False
    """
    text = text.strip().upper()
    if len(text) != 18 or not text[:17].isdigit():
        return False
    try:
        born = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if not dt.date(1900, 1, 1) <= born:
        return False
    total = sum(int(d) * w for d, w in zip(text[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == text[17]


def mask_id_number(text: str) -> str:
    """Keep the first 6 (region) and last 4 characters.

    Examples:
        >>> mask_id_number("11010519491231002X")
        '110105********002X'
    """
    text = text.strip()
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def validate_id_number(value: str) -> None:
    """Form and model validator with a Chinese message."""
    if value and not id_number_is_valid(normalise(value)):
        raise ValidationError(
            "身份证号应为 18 位，出生日期和最后一位校验码须正确，请核对后重新输入。"
        )
