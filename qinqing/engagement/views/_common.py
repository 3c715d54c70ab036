"""Shared by the modules of this package."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.utils import timezone

from qinqing.core.enterprises.models import Enterprise
from qinqing.core.errors import InvalidInput, QinqingError
from qinqing.engagement import service

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _today() -> dt.date:
    return service.local_today(timezone.now())


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


def _enterprise(uscc: str) -> Enterprise:
    uscc = (uscc or "").strip().upper()
    found = Enterprise.objects.filter(uscc=uscc).first()
    if found is None:
        raise InvalidInput(f"统一社会信用代码“{uscc}”在企业库中找不到，请核对后重新填写。")
    return found


def _users(text: str) -> list:
    names = [n for n in re.split(r"[\s,，、;；]+", text or "") if n]
    found = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    missing = [n for n in names if n not in found]
    if missing:
        raise InvalidInput(f"找不到账号：{'、'.join(missing)}。请核对后重新填写。")
    return [found[n] for n in names]


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"日期“{value}”格式不对，请按 2026-01-31 的格式填写。") from None


def _error(form, exc: QinqingError) -> None:
    form.add_error(None, exc.message)
