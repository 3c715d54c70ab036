"""What the sections share: unit kinds a scheme targets and the way errors are listed."""

from __future__ import annotations

from collections.abc import Sequence

from qinqing.core.orgs.models import UnitKind

DEPARTMENT_KINDS = (UnitKind.DEPARTMENT, UnitKind.CENTRAL_PROVINCIAL)
COUNTY_KINDS = (UnitKind.COUNTY, UnitKind.PARK)
MAX_ERRORS_SHOWN = 20


def _join(errors: Sequence[str]) -> str:
    shown = list(errors[:MAX_ERRORS_SHOWN])
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append(f"另有 {len(errors) - MAX_ERRORS_SHOWN} 处问题未列出。")
    return "\n".join(shown)
