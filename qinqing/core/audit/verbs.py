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
    "user.logged_out": "退出登录",
    "user.password_changed": "修改密码",
    "user.otp_confirmed": "绑定动态口令",
    "user.oidc_logged_in": "统一身份认证登录",
    "audit.exported": "导出审计日志",
    "audit.checkpoint_written": "写入审计校验点",
    "audit.partition_detached": "归档审计日志旧月份分区",
    "keys.rotated": "轮换数据加密密钥",
    "retention.purged": "按留存期限清理",
}

# Events a read-only role (领导) may cause: they record reading, or the actor's own sign-in and
# credentials, never a change to the platform's data (see service._refuse_read_only_actor).
READ_VERBS: set[str] = {
    "user.logged_in",
    "user.logged_out",
    "user.login_failed",
    "user.password_changed",
    "user.otp_confirmed",
    "user.oidc_logged_in",
    "audit.exported",
}


def register_read_verbs(verbs: set[str]) -> None:
    """Declare verbs that record a read (an export, a download) rather than a change."""
    READ_VERBS.update(verbs)


def register_verbs(labels: dict[str, str]) -> None:
    VERB_LABELS.update(labels)


def verb_label(verb: str) -> str:
    return VERB_LABELS.get(verb, verb)
