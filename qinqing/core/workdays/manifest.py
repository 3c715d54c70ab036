"""What the working-day calendar contributes to the platform (see qinqing.core.manifest)."""

from qinqing.core.manifest import AppManifest, Job, NavItem

MANIFEST = AppManifest(
    label="workdays",
    url_prefix="calendar/",
    nav=[
        NavItem("节假日安排", "workdays:years", "calendar.manage", "基础"),
        NavItem("期限变动", "workdays:changes", "calendar.manage", "基础"),
    ],
    audit_verbs={
        "calendar_year.imported": "导入节假日安排",
        "calendar_year.replaced": "覆盖导入节假日安排",
        "deadlines.recomputed": "节假日安排变化后重算办理期限",
    },
    jobs=[
        Job(
            "workdays.recompute_deadlines",
            "节假日安排变化后重算办理期限",
            "every 5 minutes",
            "qinqing.core.workdays.changes.recompute_if_calendar_changed",
        )
    ],
    banners="qinqing.core.workdays.banners.banners",
    notification_kinds={"workdays.deadlines_moved": "办理期限因节假日安排调整"},
)
