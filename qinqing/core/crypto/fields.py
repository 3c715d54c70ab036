"""``EncryptedTextField``: personal data (phone numbers, ID and bank account numbers) stored
SM4-encrypted, read back as plain text.

Encryption is randomised (a fresh nonce per write), so the database cannot compare values:
only ``isnull`` lookups are allowed, and any other filter on such a field fails loudly
instead of silently matching nothing. Display keeps working on the decrypted value
(``qinqing.core.privacy.mask_phone``).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Lookup

from qinqing.core.crypto import sm4


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column holding ``sm4gcm:…``; ``max_length`` limits the plain text (forms)."""

    ALLOWED_LOOKUPS = ("isnull",)

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None or value == "":
            return value
        return sm4.decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and sm4.is_encrypted(value):
            return sm4.decrypt(value)
        return super().to_python(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return sm4.encrypt(value)

    def value_to_string(self, obj: models.Model) -> str:
        """Serialised (``dumpdata``, hence backups) encrypted, never in the clear."""
        value = self.value_from_object(obj)
        return sm4.encrypt(value) if value else str(value or "")

    def formfield(self, **kwargs: Any) -> Any:  # type: ignore[override]
        # a one-line input, as the CharField it replaces had (not TextField's textarea)
        return models.Field.formfield(self, **{"max_length": self.max_length, **kwargs})

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        if lookup_name not in self.ALLOWED_LOOKUPS:
            raise FieldError(
                f"{self.model.__name__}.{self.name} is SM4-encrypted and cannot be filtered "
                f"with '{lookup_name}'"
            )
        return super().get_lookup(lookup_name)
