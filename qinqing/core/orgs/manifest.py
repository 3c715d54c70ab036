"""What the directory contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, NavItem

MANIFEST = AppManifest(
    label="orgs",
    url_prefix="directory/",
    nav=[NavItem("机构库", "orgs:directory", "directory.view", "基础")],
)
