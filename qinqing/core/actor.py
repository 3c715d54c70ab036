"""Who acts, typed once for every app.

A service verb takes ``actor``: the signed-in user for a person's action, a short label
(``"system:sweep"``, ``"12345-api"``) for the platform's own work, or ``None``. Views and
queries take ``user``: ``request.user``, which may be anonymous. These aliases, the label
shown for an actor and the local date of a moment were written out in every app before.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

#: ``request.user``: a signed-in user or the anonymous user.
AnyUser: TypeAlias = User | AnonymousUser

#: Whoever a state change is recorded against (see the module docstring).
Actor: TypeAlias = User | AnonymousUser | str | None

SYSTEM_LABEL = "系统"


def actor_label(actor: Actor) -> str:
    """The name shown for ``actor`` in histories: a person's full name, else the label.

    >>> actor_label(None), actor_label("12345-api")
    ('系统', '12345-api')
    """
    if actor is None or isinstance(actor, AnonymousUser):
        return SYSTEM_LABEL
    if isinstance(actor, str):
        return actor[:150]
    return (actor.get_full_name() or actor.get_username())[:150]


def actor_pk(actor: Actor) -> int | None:
    """The user id of a signed-in person, else ``None``."""
    if actor is None or isinstance(actor, str) or not actor.is_authenticated:
        return None
    pk = actor.pk
    return int(pk) if pk is not None else None


def user_of(actor: Actor) -> User | None:
    """The signed-in person behind ``actor`` (for ``created_by`` columns), else ``None``."""
    if isinstance(actor, User) and actor.is_authenticated:
        return actor
    return None


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar date of ``moment`` in the site's time zone (Asia/Shanghai)."""
    return timezone.localdate(moment)
