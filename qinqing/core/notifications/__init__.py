"""One notification centre (消息中心): in-app inbox, e-mail and SMS.

Apps call :func:`notify` (or :func:`notify_unit` / :func:`notify_enterprise`, and
:func:`notify_enterprises` for a fan-out to thousands) inside their service functions::

    from qinqing.core.notifications import notify_unit

    notify_unit(
        ticket.unit,
        kind="appeals.ticket_dispatched",
        title="新工单待签收：" + appeal.title,
        url=f"/appeals/{appeal.pk}/",
        key=f"ticket-dispatched:{ticket.pk}",
        capability="appeals.handle",
    )

What happens:

* The inbox row (:class:`~.models.Notification`) and one :class:`~.models.Delivery` per
  channel are written in the caller's transaction: a rollback leaves nothing. With a
  ``key``, a recipient who already has a message with that key gets nothing new, so
  sweeps can run as often as they like.
* Each recipient's 消息设置 (:class:`~.models.Preference`, per kind) and the profile's
  "接收邮件提醒" switch are respected: a channel turned off is recorded as ``skipped``.
* E-mail and SMS are tried right after commit (``on_commit``, guarded: an exception never
  reaches the page); what fails, waits or exceeds the immediate batch is sent by the job
  ``notifications.send_pending`` (:func:`.tasks.send_pending`, every 5 minutes), which
  retries failures up to ``QINQING_NOTIFY_MAX_ATTEMPTS`` (5).
* No SMS goes to an enterprise account during quiet hours (``QINQING_SMS_QUIET_HOURS``,
  default ``("21:00", "08:00")`` Asia/Shanghai): it is ``held`` until the morning and
  released once by the job.
* E-mail uses Django's backend (``EMAIL_*`` settings; the embedded default writes .eml
  files under ``QINQING_VAR_DIR/mail``); SMS uses the adapter named by
  ``QINQING_SMS_ADAPTER`` (default :class:`.sms.OutboxSmsAdapter`, or
  :class:`.sms.HttpSmsAdapter` for a cloud SMS HTTP API).

Health for the 系统运行 page: :func:`delivery_health(now) <.tasks.delivery_health>` returns
``{"failed_24h", "given_up", "queued", "held", "oldest_queued_at", "last_error", "ok"}``.

``kind`` is ``<app>.<what>``; apps list their kinds with Chinese labels in their manifest
(``notification_kinds``) so users can choose channels per kind.
"""

import datetime as dt
from typing import Any

from qinqing.core.notifications.api import (
    notify,
    notify_enterprise,
    notify_enterprises,
    notify_unit,
)


def delivery_health(now: dt.datetime) -> dict[str, Any]:
    """Counts for the 系统运行 page (see :func:`qinqing.core.notifications.tasks.delivery_health`)."""
    from qinqing.core.notifications.tasks import delivery_health as health

    return health(now)


__all__ = ["delivery_health", "notify", "notify_enterprise", "notify_enterprises", "notify_unit"]
