"""The audit log as people read it: who did what to which record, and which fields changed,
in Chinese (field labels from the models' ``verbose_name``, choice labels, 是/否, 空).

Display only: events are stored as they were recorded (English keys, raw values); this
module translates them when the log page shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from qinqing.core.audit.redaction import redact

# keys that are not model fields but recur in the before/after of many verbs
COMMON_KEYS = {
    "state": "状态",
    "status": "状态",
    "reason": "原因",
    "note": "备注",
    "note_changed": "是否修改了内部备注",
    "on_time": "是否按时",
    "primary": "主办单位",
    "assisting": "协办单位",
    "suggested": "系统建议",
    "overridden": "未采纳建议",
    "item": "检查事项",
    "uscc": "统一社会信用代码",
    "effective_on": "生效日期",
    "level": "层级",
    "amount": "金额",
    "count": "数量",
    "version": "版本",
    "title": "标题",
    "name": "名称",
    "unit": "单位",
    "unit_id": "单位",
    "units": "单位",
    "labels": "分类",
    "confidence": "置信度",
    "changes": "变更",
    "fields": "字段",
    "rank": "名次",
    "score": "得分",
    "total": "合计",
    "year": "年度",
    "period": "期间",
}

ACTOR_PREFIXES = {"system": "系统", "job": "定时任务", "cli": "命令行"}
NAMED_ACTORS = {"demo": "演示数据", "system": "系统", "test-setup": "测试准备", "": "系统"}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type) if "." in object_type else None
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """``assessment.externalrule`` → 外部评价触发规则 (the model's verbose_name)."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return {"": "", "auth.user": "用户"}.get(object_type, "记录")


def object_label(object_type: str, object_id: str, object_repr: str) -> str:
    """What a person calls the record: its type and its name, never ``app.model:1``."""
    kind = object_type_label(object_type)
    name = object_repr.strip()
    if not name or name == f"{object_type}:{object_id}":
        name = f"第 {object_id} 号" if object_id else ""
    return f"{kind}：{name}" if kind and name else kind or name


def actor_display(label: str) -> str:
    """``system:assessment`` → 系统（营商环境评价）; a user's label stays as recorded."""
    if label in NAMED_ACTORS:
        return NAMED_ACTORS[label]
    prefix, sep, rest = label.partition(":")
    if sep and prefix in ACTOR_PREFIXES:
        try:
            rest = str(apps.get_app_config(rest.split(".")[0]).verbose_name)
        except LookupError:
            rest = COMMON_KEYS.get(rest, rest)
        return f"{ACTOR_PREFIXES[prefix]}（{rest}）"
    return label


def _field(model: type[models.Model] | None, key: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(key.removesuffix("_id"))
    except FieldDoesNotExist:
        return None


def field_label(model: type[models.Model] | None, key: str) -> str:
    field = _field(model, key)
    if field is not None and getattr(field, "verbose_name", None):
        label = str(field.verbose_name)
        if label != key.replace("_", " "):
            return label
    return COMMON_KEYS.get(key, key)


def value_display(value: Any, field: Any = None) -> str:
    """是/否 for booleans, 空 for nothing, choice labels for coded values."""
    if value is None or value == "":
        return "空"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(value_display(v) for v in value) or "空"
    if isinstance(value, dict):
        if "unit" in value and isinstance(value["unit"], str):
            return value["unit"]
        return "；".join(f"{COMMON_KEYS.get(k, k)}：{value_display(v)}" for k, v in value.items())
    choices = dict(getattr(field, "flatchoices", None) or []) if field is not None else {}
    if choices and value in choices:
        return str(choices[value])
    return str(value)


def changes(object_type: str, before: Any, after: Any) -> list[Change]:
    """The fields an event changed or recorded, by their labels, in the order first seen."""
    model = _model(object_type)
    # events written before redaction existed may hold a phone number: never shown in full
    before, after = redact(before), redact(after)
    if not isinstance(before, dict) and not isinstance(after, dict):
        if before in (None, "") and after in (None, ""):
            return []
        return [Change("内容", value_display(before), value_display(after))]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    out = []
    for key in keys:
        field = _field(model, key)
        old = value_display(before[key], field) if key in before else ""
        new = value_display(after[key], field) if key in after else ""
        out.append(Change(field_label(model, key), old, new))
    return out
