"""Audit rows whose content only 纪检监察 may read (线索移送 restrictions).

Every other page shows a referred appeal as “已移送”; the audit trail must not undo that.
Rows written with ``Visibility.RESTRICTED`` are redacted for everyone but the discipline role,
and so are older rows about an object that has since become restricted: a domain registers a
resolver that names which of its objects are restricted now (core knows no domain).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.contrib.auth.models import AnonymousUser, User

from qinqing.core.accounts.access import profile_of
from qinqing.core.accounts.models import Scope
from qinqing.core.audit.models import AuditEvent, Visibility

REDACTED_TEXT = "已移送（内容仅纪检监察机关可见）"

# object_type → resolver(ids) → the ids among them that are restricted now
_RESOLVERS: dict[str, Callable[[list[str]], set[str]]] = {}


def register_restricted_objects(
    object_type: str, resolver: Callable[[list[str]], set[str]]
) -> None:
    _RESOLVERS[object_type] = resolver


def may_read_restricted(user: User | AnonymousUser) -> bool:
    profile = profile_of(user)
    return profile is not None and profile.role.scope == Scope.REFERRED


def redacted_seqs(events: Iterable[AuditEvent], user: User | AnonymousUser) -> set[int]:
    """The events of ``events`` whose object, before and after ``user`` may not read."""
    events = list(events)
    if may_read_restricted(user):
        return set()
    hidden = {e.seq for e in events if e.visibility == Visibility.RESTRICTED}
    ids_by_type: dict[str, list[str]] = defaultdict(list)
    for e in events:
        if e.object_type in _RESOLVERS:
            ids_by_type[e.object_type].append(e.object_id)
    for object_type, ids in ids_by_type.items():
        restricted = _RESOLVERS[object_type](ids)
        hidden |= {
            e.seq for e in events if e.object_type == object_type and e.object_id in restricted
        }
    return hidden
