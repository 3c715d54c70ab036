"""Receivers of signals sent by the apps on-site checks build on (connected in ``apps.py``)."""

from __future__ import annotations

import datetime as dt

from qinqing.onsite import service


def register_drawn_visits(sender, *, campaign_id: int, actor, now: dt.datetime, **kwargs) -> None:
    """``inspections.signals.visits_drawn``: register every drawn visit before entry."""
    service.register_drawn_visits(campaign_id, actor=actor, now=now)
