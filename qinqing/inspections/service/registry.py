"""一单两库: inspection items and inspectors."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from qinqing.core import audit
from qinqing.core.accounts.access import profile_of
from qinqing.core.errors import InvalidInput
from qinqing.core.orgs.models import Unit
from qinqing.core.privacy import mask_phone
from qinqing.inspections import rules
from qinqing.inspections.drawing.industry import is_valid_industry_code
from qinqing.inspections.models import (
    InspectionItem,
    Inspector,
)
from qinqing.inspections.service._common import TIERS


def _clean_industries(text: str) -> str:
    codes = [c.strip().upper() for c in (text or "").replace("；", ";").split(";")]
    codes = [c for c in codes if c]
    if not codes:
        raise InvalidInput(
            "“适用行业”为空：请填写国民经济行业分类代码（如 C13;F51），或填写 * 表示全部行业。"
        )
    for code in codes:
        if code != "*" and not is_valid_industry_code(code):
            raise InvalidInput(
                f"“适用行业”中的“{code}”不是有效的国民经济行业分类（GB/T 4754）代码："
                f"应为门类字母加 2–4 位数字，如 C13、F5212，多个用“;”分隔，或填写 * 表示全部行业。"
            )
    if "*" in codes:
        return "*"
    return ";".join(sorted(set(codes)))


def _clean_ratios(ratios: dict[str, Decimal]) -> dict[str, Decimal]:
    out = {}
    for tier in TIERS:
        value = ratios[tier]
        if value is None or value < 0 or value > 1:
            raise InvalidInput(
                f"“{tier} 类抽查比例”为 {value}，应为 0 到 1 之间的小数（如 0.05 表示 5%）。"
            )
        out[f"ratio_{tier.lower()}"] = value
    return out


ITEM_FIELDS = ("name", "legal_basis", "industries", "frequency", "active", "unit_id")


def _item_state(item: InspectionItem) -> dict:
    return {
        **{f: getattr(item, f) for f in ITEM_FIELDS},
        **{f"ratio_{t.lower()}": str(getattr(item, f"ratio_{t.lower()}")) for t in TIERS},
    }


@transaction.atomic
def create_item(
    *,
    actor,
    unit: Unit,
    code: str,
    name: str,
    legal_basis: str,
    industries: str,
    ratios: dict[str, Decimal],
    frequency: str,
    now: datetime,
) -> InspectionItem:
    """新增检查事项 for one department."""
    code = rules.check_identifier(code, "事项编号")
    if InspectionItem.objects.filter(code=code).exists():
        raise InvalidInput(f"事项编号“{code}”已被使用，请换一个编号（如在部门简称后加序号）。")
    item = InspectionItem.objects.create(
        unit=unit,
        code=code,
        name=name.strip(),
        legal_basis=legal_basis.strip(),
        industries=_clean_industries(industries),
        frequency=frequency,
        created_at=now,
        updated_at=now,
        **_clean_ratios(ratios),
    )
    audit.record(
        actor, "inspection_item.created", item, after=_item_state(item), unit=unit, now=now
    )
    return item


@transaction.atomic
def update_item(
    item: InspectionItem,
    *,
    actor,
    unit: Unit,
    name: str,
    legal_basis: str,
    industries: str,
    ratios: dict[str, Decimal],
    frequency: str,
    active: bool,
    now: datetime,
) -> InspectionItem:
    """修改检查事项 (the code stays: published draws refer to it)."""
    before = _item_state(item)
    item.unit = unit
    item.name = name.strip()
    item.legal_basis = legal_basis.strip()
    item.industries = _clean_industries(industries)
    item.frequency = frequency
    item.active = active
    for field, value in _clean_ratios(ratios).items():
        setattr(item, field, value)
    item.updated_at = now
    item.save()
    audit.record(
        actor, "inspection_item.updated", item, before=before, after=_item_state(item), now=now
    )
    return item


MOBILE = re.compile(r"1[3-9]\d{9}")


def _inspector_state(p: Inspector) -> dict:
    return {
        "unit_id": p.unit_id,
        "name": p.name,
        "fields": p.fields,
        "active": p.active,
        "conflicts": len(p.conflicts),  # how many, not whom: the log is read widely
        "user": p.user.get_username() if p.user is not None else "",
        "mobile": mask_phone(p.mobile),
    }


def _clean_mobile(mobile: str) -> str:
    mobile = re.sub(r"[\s-]", "", mobile or "")
    if mobile and not MOBILE.fullmatch(mobile):
        raise InvalidInput(f"手机号“{mobile}”不是 11 位手机号码，请核对（示例：13812345678）。")
    return mobile


def _login_for(username: str, unit: Unit, inspector: Inspector | None):
    """The account an inspector scans with: an existing login of the inspector's own unit."""
    username = (username or "").strip()
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    profile = profile_of(user) if user is not None else None
    if profile is None or profile.unit_id != unit.pk:
        raise InvalidInput(
            f"“{unit.name}”没有用户名为“{username}”的在用账号。检查人员的登录账号须属于其所在部门；"
            "请核对用户名，或先由系统管理员为其开通账号。"
        )
    taken = Inspector.objects.filter(user=user)
    if inspector is not None:
        taken = taken.exclude(pk=inspector.pk)
    other = taken.first()
    if other is not None:
        raise InvalidInput(
            f"账号“{username}”已关联执法检查人员{other.name}，一个账号只能关联一人。"
        )
    return user


@transaction.atomic
def create_inspector(
    *,
    actor,
    unit: Unit,
    name: str,
    certificate_number: str,
    fields: str,
    conflicts: str,
    now: datetime,
    username: str = "",
    mobile: str = "",
) -> Inspector:
    """新增执法检查人员, optionally linked to the login they scan enterprise codes with."""
    certificate_number = rules.check_identifier(certificate_number, "执法证号")
    if Inspector.objects.filter(certificate_number=certificate_number).exists():
        raise InvalidInput(f"执法证号“{certificate_number}”已登记，请核对后重试。")
    if not name.strip():
        raise InvalidInput("“姓名”为空。")
    inspector = Inspector.objects.create(
        unit=unit,
        name=name.strip(),
        certificate_number=certificate_number,
        fields=fields.strip(),
        active=True,
        conflicts=rules.parse_uscc_list(conflicts),
        user=_login_for(username, unit, None),
        mobile=_clean_mobile(mobile),
        created_at=now,
        updated_at=now,
    )
    audit.record(
        actor, "inspector.created", inspector, after=_inspector_state(inspector), unit=unit, now=now
    )
    return inspector


@transaction.atomic
def update_inspector(
    inspector: Inspector,
    *,
    actor,
    unit: Unit,
    name: str,
    fields: str,
    active: bool,
    conflicts: str,
    now: datetime,
    username: str | None = None,
    mobile: str | None = None,
) -> Inspector:
    """修改执法检查人员 (在岗 / 回避企业 / 登录账号); the certificate number stays.

    ``username`` / ``mobile`` of ``None`` leave the login and the phone unchanged.
    """
    if not name.strip():
        raise InvalidInput("“姓名”为空。")
    before = _inspector_state(inspector)
    if username is not None:
        inspector.user = _login_for(username, unit, inspector)
    elif inspector.user is not None and unit.pk != inspector.unit_id:
        inspector.user = _login_for(inspector.user.get_username(), unit, inspector)
    if mobile is not None:
        inspector.mobile = _clean_mobile(mobile)
    inspector.unit = unit
    inspector.name = name.strip()
    inspector.fields = fields.strip()
    inspector.active = active
    inspector.conflicts = rules.parse_uscc_list(conflicts)
    inspector.updated_at = now
    inspector.save()
    audit.record(
        actor,
        "inspector.updated",
        inspector,
        before=before,
        after=_inspector_state(inspector),
        now=now,
    )
    return inspector
