"""Kinds of messages (消息类型), collected from every manifest's ``notification_kinds``."""

from __future__ import annotations

from qinqing.core.manifest import manifests


def all_kinds() -> dict[str, str]:
    """``kind code → Chinese label`` in ``INSTALLED_APPS`` order."""
    out: dict[str, str] = {}
    for manifest in manifests():
        out.update(manifest.notification_kinds)
    return out


def kind_label(kind: str) -> str:
    return all_kinds().get(kind, kind)
