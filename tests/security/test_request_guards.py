"""Holes 8 and 9 and the response headers: oversized bodies refused before reading, a NUL
byte answered in Chinese, the 12345 API's schema, depth limit and conflicting replays, two
simultaneous ratings, a .docx bomb, CSP and no-store."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from qinqing.appeals import service
from qinqing.appeals.models import Appeal, ServiceRating
from qinqing.core.audit.models import AuditEvent
from qinqing.core.errors import InvalidInput
from tests.appeals.conftest import NOW
from tests.appeals.factories import appeal_data, replied

API = "/appeals/api/v1/appeals/"


@pytest.fixture
def token(world):
    from qinqing.appeals.api import forget_clients

    forget_clients()
    _, token = service.create_api_client(
        actor="test", name="示例市12345平台", code="city-12345", locality=world.city, now=NOW
    )
    return token


def post_api(token, body: str | bytes):
    return Client().post(
        API, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


# --- 8: denial of service -------------------------------------------------------------------


def test_an_oversized_body_is_refused_before_it_is_read(client, world):
    client.force_login(world.enterprise_a)

    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body was read")

    response = client.generic(
        "POST", reverse("appeals:new"), data=b"", content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(60 * 1024 * 1024), **{"wsgi.input": Unreadable()},
    )  # fmt: skip
    assert response.status_code == 413
    assert "超过本页面 25 MB 的上限" in response.content.decode()
    assert not Appeal.objects.exists()


def test_a_docx_with_a_million_empty_paragraphs_is_refused_quickly():
    from docx import Document

    from qinqing.plans.parsing.readers import read_bytes

    buffer = io.BytesIO()
    Document().save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode()
                start = text.index("<w:body>") + len("<w:body>")
                data = (text[:start] + "<w:p/>" * 1_000_000 + text[start:]).encode()
            bomb.writestr(item, data)
    assert len(out.getvalue()) < 200_000
    started = time.monotonic()
    with pytest.raises(InvalidInput, match="正文过长"):
        read_bytes(out.getvalue(), "方案.docx")
    assert time.monotonic() - started < 10


def test_serve_runs_threaded_workers(monkeypatch):
    from qinqing.web import cli

    seen = {}
    monkeypatch.setattr(cli.os, "execvp", lambda exe, argv: seen.setdefault("argv", argv))
    cli._serve(type("Args", (), {"bind": "127.0.0.1:8000", "workers": 2, "threads": 8})())
    argv = seen["argv"]
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    assert int(argv[argv.index("--threads") + 1]) >= 4


# --- 9: errors instead of messages ----------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/appeals/?q=%00abc", "/policies/?q=a%00", "/audit/?object_id=%00"]
)
def test_a_nul_byte_in_a_search_box_gets_a_chinese_400(client, world, url):
    client.force_login(world.office_admin)
    response = client.get(url)
    assert response.status_code == 400
    assert "空字符" in response.content.decode()


def test_a_nul_byte_in_a_form_field_gets_a_chinese_400_and_nothing_is_written(client, world):
    client.force_login(world.enterprise_a)
    before = AuditEvent.objects.count()
    response = client.post(reverse("appeals:new"), {**appeal_data(), "title": "标题\x00"})
    assert response.status_code == 400 and "空字符" in response.content.decode()
    assert not Appeal.objects.exists() and AuditEvent.objects.count() == before


def test_the_api_refuses_objects_where_strings_belong(token):
    body = json.dumps({**appeal_data(), "external_id": "T-1", "title": {"$gt": ""}})
    response = post_api(token, body)
    assert response.status_code == 400 and "“title”应为字符串" in response.json()["error"]
    assert not Appeal.objects.exists()


def test_the_api_refuses_nul_and_deep_nesting_with_messages(token):
    nul = post_api(token, json.dumps({**appeal_data(), "external_id": "T-2", "title": "a\x00"}))
    assert nul.status_code == 400 and "空字符" in nul.json()["error"]
    deep = post_api(token, "[" * 10_000 + "]" * 10_000)  # 20 KB: RecursionError before
    assert deep.status_code == 400 and "嵌套" in deep.json()["error"]
    deeper = post_api(token, "[" * 100_000 + "]" * 100_000)
    assert deeper.status_code == 413 and "请求体超过" in deeper.json()["error"]
    assert not Appeal.objects.exists()


def test_a_replay_with_a_changed_body_is_answered_409(token):
    payload = {**appeal_data(), "external_id": "T-3"}
    assert post_api(token, json.dumps(payload)).status_code == 201
    assert post_api(token, json.dumps(payload)).status_code == 200  # the same: idempotent
    changed = post_api(token, json.dumps({**payload, "content": "完全不同的内容"}))
    assert changed.status_code == 409 and "与原提交不同" in changed.json()["error"]
    appeal = Appeal.objects.get()
    assert appeal.content == payload["content"]


def test_a_second_simultaneous_rating_gets_a_message_not_a_500(world):
    appeal, _ = replied(world, NOW)
    service.record_callback(
        appeal, actor=world.office_admin, now=NOW, resolved=True, satisfaction="satisfied"
    )
    appeal.refresh_from_db()
    stale = Appeal.objects.get(pk=appeal.pk)
    assert not hasattr(stale, "rating")  # the second request checked before the first committed
    rate = dict(actor=world.enterprise_a, now=NOW, enterprise_uscc=appeal.enterprise_uscc,
                enterprise_name="甲", level=5)  # fmt: skip
    service.rate_service(**rate, appeal=appeal)
    with pytest.raises(InvalidInput, match="已经评价过了"):
        service.rate_service(**rate, appeal=stale)
    assert ServiceRating.objects.count() == 1


# --- response headers -----------------------------------------------------------------------


def test_pages_carry_a_csp_and_logged_in_pages_are_not_stored(client, world):
    public = client.get(reverse("web:login"))
    assert "script-src 'self'" in public["Content-Security-Policy"]
    client.force_login(world.office_admin)
    page = client.get(reverse("audit:list"))
    assert page["Cache-Control"] == "no-store"
    assert (
        "unsafe-inline" not in page["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )


def test_the_policy_comes_from_django_csp_and_forbids_framing_and_plugins(client, world):
    from django.conf import settings

    assert "csp.middleware.CSPMiddleware" in settings.MIDDLEWARE
    header = client.get(reverse("web:login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in header.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"


def test_no_template_carries_an_inline_script_or_event_handler():
    """``script-src 'self'`` holds only while no page needs inline script: a new template
    with ``<script>…</script>`` or ``onclick=`` would break in the browser, so it fails here."""
    import re
    from pathlib import Path

    import qinqing

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*[^<\s]", re.IGNORECASE)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(Path(qinqing.__file__).parent))
        for path in Path(qinqing.__file__).parent.rglob("*.html")
        if inline_script.search(text := path.read_text(encoding="utf-8")) or handler.search(text)
    ]
    assert offenders == []


# Templates that still carry inline styles, so style-src keeps 'unsafe-inline' (docs/security.md).
INLINE_STYLE_LEFT: set[str] = set()


def test_no_template_but_the_listed_ones_carries_an_inline_style():
    """Styles live in static CSS files so that style-src can one day drop 'unsafe-inline': a
    new ``style=`` attribute or ``<style>`` block outside the shrinking list fails here."""
    import re
    from pathlib import Path

    import qinqing

    inline_style = re.compile(r"<style\b|<[^>]+\sstyle\s*=", re.IGNORECASE)
    root = Path(qinqing.__file__).parent
    offenders = {
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if inline_style.search(path.read_text(encoding="utf-8"))
    }
    assert offenders <= INLINE_STYLE_LEFT


def test_no_template_shows_a_file_path_of_the_repository():
    """People read the pages, not the repository: a page names a guide by its title, never by
    a path such as docs/….md."""
    import re
    from pathlib import Path

    import qinqing

    repo_path = re.compile(r"\b(?:docs|bench|scripts|tests)/[\w./-]+\.(?:md|py|sh)\b")
    root = Path(qinqing.__file__).parent
    offenders = {
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if repo_path.search(path.read_text(encoding="utf-8"))
    }
    assert offenders == set()
