"""What the inspections app tells apps built on it, without importing them.

``visits_drawn`` is sent once the transaction that stored a campaign's visits has
committed (``sender`` is :class:`~qinqing.inspections.models.Campaign`, with
``campaign_id``, ``actor`` and ``now``). The on-site app receives it and registers every
drawn visit as a check before entry (涉企检查备案); inspections must not know about that app.
Receivers must be idempotent: the on-site app's daily job sends nothing but repeats the
same registration for campaigns whose signal was lost.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.dispatch import Signal

logger = logging.getLogger(__name__)

visits_drawn = Signal()


def send_visits_drawn(campaign, *, actor, now: datetime) -> None:
    """Send ``visits_drawn``; a failing receiver is logged, never undoes the committed draw."""
    for receiver, result in visits_drawn.send_robust(
        sender=type(campaign), campaign_id=campaign.pk, actor=actor, now=now
    ):
        if isinstance(result, Exception):
            logger.error(
                "visits_drawn receiver %r failed for campaign %s",
                receiver,
                campaign.pk,
                exc_info=result,
            )
