"""The banner that tells the office and the site admin a calendar year is provisional."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from qinqing.core.actor import AnyUser
from qinqing.core.manifest import Banner


def provisional_years_in_use(today: dt.date) -> list[int]:
    """Provisional years that deadlines computed now can reach: this year, and next year
    from November (when deadlines start to cross New Year)."""
    from qinqing.core.workdays import get_calendar

    calendar = get_calendar()
    wanted = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return [y for y in wanted if y in set(calendar.provisional_years)]


def banners(user: AnyUser, now: dt.datetime) -> list[Banner]:
    from qinqing.core.accounts.access import has_capability

    if not has_capability(user, "calendar.manage"):
        return []
    years = provisional_years_in_use(timezone.localtime(now).date())
    if not years:
        return []
    names = "、".join(f"{y} 年" for y in years)
    return [
        Banner(
            text=(
                f"{names}的节假日安排尚未导入国务院办公厅通知，涉及{names}的办理期限暂按法定节假日"
                f"计算（标注“暂定”），导入通知后将自动重算。"
            ),
            url=reverse("workdays:import"),
            link_text="导入节假日安排通知",
            level="warning",
        )
    ]
