"""What the notification centre contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

MANIFEST = AppManifest(
    label="notifications",
    url_prefix="notifications/",
    nav=[
        NavItem("我的消息", "notifications:inbox", None, "消息"),
        NavItem("消息设置", "notifications:preferences", None, "消息"),
    ],
    audit_verbs={"notification_preferences.updated": "修改消息设置"},
    jobs=[
        Job(
            "notifications.send_pending",
            "发送待发消息",
            "every 5 minutes",
            "qinqing.core.notifications.tasks.send_pending",
        )
    ],
)
