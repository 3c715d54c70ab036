"""Roles are data; a user's profile binds them to a role and a unit or an enterprise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from qinqing.core.accounts.id_numbers import validate_id_number
from qinqing.core.crypto.blind_index import blind_index, normalise
from qinqing.core.crypto.fields import EncryptedTextField


class Scope(models.TextChoices):
    JURISDICTION = "jurisdiction", "本单位所在地区及下辖地区"
    UNIT = "unit", "本单位"
    ENTERPRISE = "enterprise", "本企业"
    REFERRED = "referred", "移送本角色的事项"
    GLOBAL = "global", "全部"


class Role(models.Model):
    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("角色名称", max_length=40)
    description = models.CharField("说明", max_length=200, blank=True)
    scope = models.CharField("数据范围", max_length=20, choices=Scope.choices)
    capabilities = models.JSONField("权限", default=list, blank=True)
    read_only = models.BooleanField("只读", default=False)
    builtin = models.BooleanField("内置", default=False, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "角色"
        verbose_name_plural = "角色"

    def __str__(self) -> str:
        return self.name


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name="用户",
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="profiles", verbose_name="角色"
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="所在单位",
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    enterprise_name = models.CharField("企业名称", max_length=200, blank=True)
    phone = EncryptedTextField("手机号", max_length=20, blank=True)  # SM4 at rest
    # SM4 at rest; matched (unified sign-in) through the keyed digest next to it
    id_number = EncryptedTextField(
        "身份证号", max_length=18, blank=True, validators=[validate_id_number]
    )
    id_number_index = models.CharField(
        "身份证号索引", max_length=64, blank=True, db_index=True, editable=False
    )
    email_notifications = models.BooleanField("接收邮件提醒", default=True)

    class Meta:
        verbose_name = "用户档案"
        verbose_name_plural = "用户档案"

    def __str__(self) -> str:
        return f"{self.user.get_username()}（{self.role.name}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the blind index in step with the ID number (HMAC-SM3, never the number)."""
        self.id_number = normalise(self.id_number)
        self.id_number_index = blind_index(self.id_number, purpose="id_number")
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "id_number" in update_fields:
            kwargs["update_fields"] = {*update_fields, "id_number_index"}
        super().save(*args, **kwargs)


class PasswordState(models.Model):
    """When the user's local password was last set (periodic change, 口令定期更换)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="password_state",
        verbose_name="用户",
    )
    changed_at = models.DateTimeField("密码修改时间")

    class Meta:
        verbose_name = "密码状态"
        verbose_name_plural = "密码状态"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.changed_at:%Y-%m-%d}"
