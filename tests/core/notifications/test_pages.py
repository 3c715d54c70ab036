"""我的消息, 消息设置 and the bell with the unread count on every page."""

from __future__ import annotations

import re

import pytest

from qinqing.core.audit.models import AuditEvent
from qinqing.core.notifications import notify
from qinqing.core.notifications.models import Notification, Preference
from tests.core.notifications.conftest import at


@pytest.fixture
def inbox(world):
    for i in range(3):
        notify(world.tax_clerk, kind="supervision.notice", title=f"督办通知{i}<script>x</script>",
               url=f"/supervision/notices/{i}/", now=at(9 + i))  # fmt: skip
    notify(world.market_clerk, kind="supervision.notice", title="别人的消息", now=at(9))
    return world


def bell(html: str) -> str:
    match = re.search(r'<a class="bell"[^>]*aria-label="([^"]*)"', html)
    assert match, "no bell in the page header"
    return match.group(1)


def test_bell_shows_unread_count_on_every_page(inbox, client_for):
    client = client_for(inbox.tax_clerk)
    for path in ("/", "/notifications/", "/notifications/settings/"):
        assert bell(client.get(path).content.decode()) == "我的消息，3 条未读"
    Notification.objects.filter(recipient=inbox.tax_clerk).update(read_at=at(12))
    assert bell(client.get("/").content.decode()) == "我的消息"


def test_inbox_lists_own_messages_escaped(inbox, client_for):
    html = client_for(inbox.tax_clerk).get("/notifications/").content.decode()
    assert "督办通知2&lt;script&gt;" in html and "<script>x" not in html
    assert "别人的消息" not in html
    assert "督办通知" in html and "共 3 条" in html


def test_open_marks_read_and_goes_to_the_item(inbox, client_for):
    client = client_for(inbox.tax_clerk)
    n = Notification.objects.get(title__startswith="督办通知1")
    r = client.post(f"/notifications/{n.pk}/open/")
    assert r.status_code == 302 and r["Location"] == "/supervision/notices/1/"
    n.refresh_from_db()
    assert n.read_at is not None
    assert bell(client.get("/").content.decode()) == "我的消息，2 条未读"


def test_open_never_redirects_off_site(inbox, client_for):
    n = Notification.objects.get(title__startswith="督办通知0")
    Notification.objects.filter(pk=n.pk).update(url="https://evil.example/")
    r = client_for(inbox.tax_clerk).post(f"/notifications/{n.pk}/open/")
    assert r["Location"] == "/notifications/"


def test_mark_read_and_mark_all_read(inbox, client_for):
    client = client_for(inbox.tax_clerk)
    n = Notification.objects.get(title__startswith="督办通知0")
    assert client.post(f"/notifications/{n.pk}/read/").status_code == 302
    assert Notification.objects.filter(recipient=inbox.tax_clerk, read_at__isnull=True).count() == 2
    r = client.post("/notifications/read-all/", follow=True)
    assert "已将 2 条消息标为已读" in r.content.decode()
    assert not Notification.objects.filter(recipient=inbox.tax_clerk, read_at__isnull=True).exists()
    # the other user's message is untouched
    assert Notification.objects.get(title="别人的消息").read_at is None


def test_cannot_read_or_open_another_users_message(inbox, client_for):
    other = Notification.objects.get(title="别人的消息")
    client = client_for(inbox.tax_clerk)
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{other.pk}/open/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_read_needs_post_and_login(inbox, client):
    n = Notification.objects.get(title__startswith="督办通知0")
    assert client.get("/notifications/").status_code == 302  # to the login page
    client.force_login(inbox.tax_clerk)
    assert client.get(f"/notifications/{n.pk}/read/").status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


def test_preferences_page_saves_channels_per_kind_and_audits(world, client_for):
    client = client_for(world.tax_clerk)
    html = client.get("/notifications/settings/").content.decode()
    assert "督办通知" in html and 'name="supervision.notice:email"' in html
    # every box starts ticked; untick e-mail and SMS for 督办通知 only
    form = {name: "on" for name in re.findall(r'name="([\w.]+:\w+)" checked', html)}
    del form["supervision.notice:email"], form["supervision.notice:sms"]
    r = client.post("/notifications/settings/", form, follow=True)
    assert "已保存消息设置（1 类有变化）" in r.content.decode()
    pref = Preference.objects.get(user=world.tax_clerk)
    assert (pref.kind, pref.inbox, pref.email, pref.sms) == (
        "supervision.notice",
        True,
        False,
        False,
    )
    event = AuditEvent.objects.get(verb="notification_preferences.updated")
    assert event.after == {"supervision.notice": ["inbox"]}
    html = client.get("/notifications/settings/").content.decode()
    assert 'name="supervision.notice:email" checked' not in html
    # posting the same choices again changes nothing and records nothing
    client.post("/notifications/settings/", form)
    assert AuditEvent.objects.filter(verb="notification_preferences.updated").count() == 1


def test_nav_links_to_inbox_and_settings(world, client_for):
    html = client_for(world.enterprise_a).get("/").content.decode()
    assert 'href="/notifications/"' in html and 'href="/notifications/settings/"' in html
