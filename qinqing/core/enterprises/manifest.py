"""What the enterprise registry contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, NavItem

MANIFEST = AppManifest(
    label="enterprises",
    url_prefix="enterprises/",
    nav=[NavItem("企业库", "enterprises:list", "enterprises.view", "基础")],
    audit_verbs={
        "registry.imported": "导入企业名录",
        "enterprise.tier_changed": "调整信用风险分类",
    },
)
