"""One notification centre (消息中心): in-app inbox, e-mail and SMS.

Apps call :func:`notify` (or :func:`notify_unit` / :func:`notify_enterprise`) inside their
service functions; nothing is sent before the transaction commits, and a message with a
``key`` reaches each recipient at most once, however often the caller runs (sweeps are
idempotent because of this)::

    from qinqing.core.notifications import notify_unit

    notify_unit(
        ticket.unit,
        kind="appeals.ticket_dispatched",
        title="新工单待签收：" + appeal.title,
        url=f"/appeals/{appeal.pk}/",
        key=f"ticket-dispatched:{ticket.pk}",
        capability="appeals.handle",
    )

``kind`` is ``<app>.<what>``; apps list their kinds with Chinese labels in their manifest
(``notification_kinds``) so users can choose channels per kind.
"""

from qinqing.core.notifications.api import notify, notify_enterprise, notify_unit

__all__ = ["notify", "notify_enterprise", "notify_unit"]
