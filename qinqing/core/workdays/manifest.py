"""What the working-day calendar contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest

MANIFEST = AppManifest(
    label="workdays",
    url_prefix="calendar/",
)
