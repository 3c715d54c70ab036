"""Which audit rows of the appeals app are restricted to 纪检监察 now (see
qinqing.core.audit.restricted): those of an appeal referred to it, its tickets and events."""

from __future__ import annotations

from collections.abc import Callable

from qinqing.appeals.choices import AppealState
from qinqing.appeals.models import Appeal, AppealEvent, Ticket


def referred_audit_objects(object_type: str) -> Callable[[list[str]], set[str]]:
    model = {
        "appeals.appeal": Appeal,
        "appeals.ticket": Ticket,
        "appeals.appealevent": AppealEvent,
    }[object_type]
    referred = (
        {"state": AppealState.REFERRED}
        if model is Appeal
        else {"appeal__state": AppealState.REFERRED}
    )

    def resolve(ids: list[str]) -> set[str]:
        pks = [int(i) for i in ids if str(i).isdigit()]
        if not pks:
            return set()
        rows = model._default_manager.filter(pk__in=pks, **referred)
        return {str(pk) for pk in rows.values_list("pk", flat=True)}

    return resolve
