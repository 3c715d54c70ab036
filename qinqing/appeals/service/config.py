"""Configuration look-ups: a locality's settings and dated time limits, with defaults."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

from qinqing.appeals import rules, settings_cache
from qinqing.appeals.models import (
    AppealSettings,
    SlaPolicy,
)
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.workdays import DEFAULT_OFFICE_HOURS, TimeLimit


def _areas_upwards(locality: Unit) -> Iterator[Unit]:
    """The locality, then its parents, fetched only as far as the caller reads."""
    node: Unit | None = locality
    while node is not None:
        yield node
        node = node.parent


SETTINGS_CACHE_SECONDS = 30


_settings_cache = settings_cache.CACHE


def settings_for(locality: Unit) -> AppealSettings:
    """The locality's settings, else its nearest parent area's, else the defaults.

    Kept per process for ``SETTINGS_CACHE_SECONDS`` (intake reads them on every appeal);
    saving a settings row clears this process's copy at once, other processes catch up
    within that time.
    """
    cached = _settings_cache.get(locality.pk)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    found = None
    for area in _areas_upwards(locality):
        found = AppealSettings.objects.filter(locality=area).first()
        if found is not None:
            break
    found = found or AppealSettings(locality=locality)
    _settings_cache[locality.pk] = (found, time.monotonic() + SETTINGS_CACHE_SECONDS)
    return found


forget_settings = settings_cache.forget_settings


def sla_rules_for(locality: Unit) -> list[rules.SlaRule]:
    """The locality's dated time limits (nearest area that has any); defaults fill gaps."""
    for area in _areas_upwards(locality):
        rows = list(SlaPolicy.objects.filter(locality=area))
        if rows:
            return [row.as_rule() for row in rows]
    return []


def limit_for(locality: Unit, stage: str, appeal_type: str, on: dt.date) -> TimeLimit:
    return rules.pick_limit(sla_rules_for(locality), stage, appeal_type, on).limit


def default_locality() -> Unit:
    """Where web and QR submissions without a locality go: the first configured area."""
    configured = AppealSettings.objects.order_by("pk").select_related("locality").first()
    if configured is not None:
        return configured.locality
    city = Unit.objects.filter(kind="city", active=True).order_by("pk").first()
    if city is None:
        raise InvalidInput("系统尚未设置受理地区，请联系管理员在机构库中建立城市并完成诉求设置。")
    return city


def local_today(now: dt.datetime) -> dt.date:
    return now.astimezone(DEFAULT_OFFICE_HOURS.tz).date()
