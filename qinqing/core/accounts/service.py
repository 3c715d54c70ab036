"""Creating users with a role, and changing a user's role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.models import Profile, Role, Scope
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit


@transaction.atomic
def create_user_with_role(
    *,
    actor: Any,
    username: str,
    password: str | None,
    role_code: str,
    unit: Unit | None = None,
    uscc: str = "",
    enterprise_name: str = "",
    full_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    role = Role.objects.filter(code=role_code).first()
    if role is None:
        raise InvalidInput(f"角色“{role_code}”不存在。")
    if role.scope in (Scope.UNIT, Scope.JURISDICTION) and unit is None:
        raise InvalidInput(f"“{role.name}”必须属于一个单位。")
    if role.scope == Scope.ENTERPRISE:
        from qinqing.core.enterprises.uscc import validate_uscc

        validate_uscc(uscc)
    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        raise InvalidInput(f"用户名“{username}”已被使用。")
    user = user_model(username=username, email=email, first_name=full_name)
    user.is_superuser = user.is_staff = is_superuser
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    Profile.objects.create(
        user=user, role=role, unit=unit, uscc=uscc, enterprise_name=enterprise_name
    )
    audit.record(
        actor, "user.created", user, unit=unit,
        after={"username": username, "role": role.code, "unit": unit.name if unit else None, "uscc": uscc},
    )  # fmt: skip
    return user
