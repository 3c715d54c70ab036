"""What the audit trail contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, NavItem

MANIFEST = AppManifest(
    label="audit",
    url_prefix="audit/",
    nav=[NavItem("审计日志", "audit:list", "audit.view", "基础")],
)
