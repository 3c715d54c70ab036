"""What accounts contribute to the platform (see qinqing.core.manifest): the account pages."""

from qinqing.core.manifest import AppManifest

MANIFEST = AppManifest(
    label="accounts",
    url_prefix="account/",
    audit_verbs={"user.otp_confirmed": "绑定动态口令", "user.password_changed": "修改密码"},
)
