"""Password complexity (GB/T 22239-2019 8.1.4.1 a: 口令具有复杂度要求并定期更换)."""

from __future__ import annotations

import string
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters a password uses.

    Examples:
        >>> character_classes("qinqing")
        1
        >>> character_classes("Qinqing-test-2026")
        4
    """
    return sum(
        (
            any(c in string.ascii_lowercase for c in password),
            any(c in string.ascii_uppercase for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class ComplexityValidator:
    """At least ``min_length`` characters from at least ``min_classes`` of the four classes.

    Its ``password_changed`` hook (Django calls it after every successful password change,
    in the admin, the change page or ``set_password`` + ``save``) records the date for the
    periodic-change rule (``QINQING_PASSWORD_MAX_AGE_DAYS``).
    """

    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length or character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return (
            f"密码至少 {self.min_length} 位，且须包含大写字母、小写字母、数字、符号中的至少"
            f" {self.min_classes} 种。"
        )

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        from qinqing.core.accounts.models import PasswordState

        PasswordState.objects.update_or_create(user=user, defaults={"changed_at": timezone.now()})
