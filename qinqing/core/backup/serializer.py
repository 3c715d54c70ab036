"""Django's JSON serializer with full-precision datetimes (format ``qjson``).

The stock one rounds datetimes to milliseconds (ECMA-262), but the audit chain hashes them to
the microsecond: a restored chain would no longer verify.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.serializers.json import Deserializer  # noqa: F401 (the format's reader)
from django.core.serializers.json import Serializer as JsonSerializer
from django.db.models import Model


class Serializer(JsonSerializer):
    def get_dump_object(self, obj: Model) -> dict[str, Any]:
        data: dict[str, Any] = super().get_dump_object(obj)
        data["fields"] = {
            name: value.isoformat() if isinstance(value, dt.datetime) else value
            for name, value in data["fields"].items()
        }
        return data
