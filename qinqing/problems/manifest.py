"""What the app contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest

MANIFEST = AppManifest(
    label="problems",
    url_prefix="problems/",
)
