"""Pure helpers for unit names: normalisation and list splitting. No ORM."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_TRAILING = "。；;，,、.：:"


def normalize_name(name: str) -> str:
    """Canonical form used to compare unit names.

    Full-width and half-width brackets and spaces are unified; surrounding punctuation and
    a trailing 等 (as in "市人社局等") are dropped.

    Examples:
        >>> normalize_name(" 市发改委 ")
        '市发改委'
        >>> normalize_name("各县(区)人民政府")
        '各县（区）人民政府'
        >>> normalize_name("市住建局等")
        '市住建局'
    """
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACE.sub("", text).strip(_TRAILING)
    text = text.replace("(", "（").replace(")", "）")
    if text.endswith("等") and len(text) > 2:
        text = text[:-1]
    return text


def split_unit_list(text: str) -> list[str]:
    """Split a list of units as written in a plan.

    Examples:
        >>> split_unit_list("市市场监管局、市税务局，各县(区)人民政府")
        ['市市场监管局', '市税务局', '各县（区）人民政府']
    """
    parts = re.split(r"[、，,；;]", text or "")
    return [n for n in (normalize_name(p) for p in parts) if n]
