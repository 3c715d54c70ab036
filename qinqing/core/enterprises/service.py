"""Registry import (upsert by credit code) and the columnar view of the stored registry."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction

from qinqing.core import audit
from qinqing.core.actor import Actor, user_of
from qinqing.core.enterprises.attributes import ENTERPRISE_ATTRIBUTES
from qinqing.core.enterprises.columns import CORE_FIELDS, registry_from_db
from qinqing.core.enterprises.models import Enterprise, RegistryImportBatch
from qinqing.core.enterprises.registry_io import Registry, read_registry
from qinqing.core.errors import InvalidInput

__all__ = ["CORE_FIELDS", "attribute_rows", "import_registry", "registry_from_db"]


def _py(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _records(registry: Registry) -> list[dict[str, Any]]:
    """Row dicts of the validated registry, with Python values."""
    table = registry.table
    names = [n for n in table.column_names if n in ENTERPRISE_ATTRIBUTES]
    columns = {n: table.column(n).to_pylist() for n in names}
    return [{n: columns[n][i] for n in names} for i in range(table.num_rows)]


@transaction.atomic
def import_registry(
    data: bytes, *, filename: str, actor: Actor, skip_bad_rows: bool = False, batch_size: int = 2000
) -> RegistryImportBatch:
    """导入企业名录: validate the whole file, then upsert by 统一社会信用代码.

    Any invalid row rejects the whole file unless ``skip_bad_rows``; then the valid rows
    are imported and the bad rows reported. Nothing is written for a rejected file.
    """
    imported = read_registry(
        data, filename=filename, on_error="skip" if skip_bad_rows else "reject"
    )
    if imported.registry is None:
        raise InvalidInput(imported.report(limit=30))
    rows = _records(imported.registry)
    batch = RegistryImportBatch.objects.create(
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        mode="skip" if skip_bad_rows else "reject",
        total_rows=imported.total_rows,
        skipped=len(imported.bad_lines),
        report=imported.report(limit=200) if imported.errors else "",
        created_by=user_of(actor),
    )
    existing = set(
        Enterprise.objects.filter(uscc__in=[r["uscc"] for r in rows]).values_list("uscc", flat=True)
    )
    objs = []
    for row in rows:
        extra = {
            k: _py(v)
            for k, v in row.items()
            if k not in CORE_FIELDS and k not in ("uscc", "credit_tier")
        }
        fields = {k: row.get(k) for k in CORE_FIELDS}
        fields["serious_dishonesty"] = bool(fields["serious_dishonesty"])
        objs.append(Enterprise(uscc=row["uscc"], attributes=extra, last_import=batch, **fields))
    # credit_tier is not part of the registry file: the credit module owns it
    # updated_at moves with every imported row, so matching knows what to re-evaluate
    update_fields = [*CORE_FIELDS, "attributes", "last_import", "updated_at"]
    for start in range(0, len(objs), batch_size):
        Enterprise.objects.bulk_create(
            objs[start : start + batch_size],
            update_conflicts=True,
            unique_fields=["uscc"],
            update_fields=update_fields,
        )
    batch.created = sum(1 for r in rows if r["uscc"] not in existing)
    batch.updated = len(rows) - batch.created
    batch.save(update_fields=["created", "updated"])
    audit.record(
        actor, "registry.imported", batch,
        after={"file": filename, "created": batch.created, "updated": batch.updated, "skipped": batch.skipped},
    )  # fmt: skip
    return batch


def attribute_rows() -> list[dict[str, Any]]:
    """The attribute catalogue as rows for the catalogue page."""
    return [
        {
            "name": a.name,
            "label": a.label,
            "type": a.type.label,
            "required": a.required,
            "values": a.allowed_values_text() if a.enum_values else "",
            "description": a.description,
        }
        for a in ENTERPRISE_ATTRIBUTES
    ]
