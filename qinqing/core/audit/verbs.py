"""Chinese labels for audit verbs. Domains add theirs with :func:`register_verbs`."""

VERB_LABELS: dict[str, str] = {
    "user.logged_in": "登录",
    "user.created": "创建用户",
    "user.role_changed": "变更角色",
    "unit.created": "新增单位",
    "unit.updated": "修改单位",
    "unit.alias_added": "新增单位别名",
    "unit.alias_removed": "删除单位别名",
    "unitgroup.created": "新增单位集合",
    "unitgroup.updated": "修改单位集合",
    "unitname.proposed": "提交待确认单位名称",
    "unitname.resolved": "确认单位名称",
    "unitname.rejected": "驳回单位名称",
    "directory.imported": "导入机构库",
}


def register_verbs(labels: dict[str, str]) -> None:
    VERB_LABELS.update(labels)


def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb)
