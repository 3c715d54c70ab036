"""Defect 7 on policy pages: what an enterprise or the public reads names the policy by its
document and article, and codes by their names. No rule ids (``district18-art2``), no seed
file numbers ("种子文件 001", "依据：004 (四)"), no bare industry or region codes.

Every enterprise-facing policy page is rendered for the demo's two enterprises (and the
public pages without login) after the policies' demo seed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qinqing.policies import seeds
from qinqing.policies.models import Application, Delivery, MatchResult, Policy

# goes through the demo: the clock is pinned (tests/conftest.py)
pytestmark = pytest.mark.date_sensitive

SEED_NUMBER = re.compile(r"种子文件|依据：\s*\d{3}|\b\d{3}\s*[（(][一二三四五六七八九十]+[）)]")
BARE_INDUSTRY = re.compile(r"(?<!（)\b[A-T]\d{2,4}\b")
BARE_REGION = re.compile(r"(?<!（)\b\d{6}\b")


def visible_text(html: str) -> str:
    main = html.split('<main id="main">', 1)[1] if '<main id="main">' in html else html
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.fixture
def demo(db, monkeypatch):
    from qinqing.core.accounts.roles import ensure_builtin_roles
    from qinqing.core.orgs.seeds import build_demo_directory
    from qinqing.web.demo import build_demo_people

    monkeypatch.setattr(seeds, "SAMPLE", Path("/nonexistent/sample_10k.csv"))
    ensure_builtin_roles()
    city = build_demo_directory(actor="demo")
    users, _ = build_demo_people(city, reset_passwords=False)
    seeds.load_demo(city=city, users=users, log=lambda _line: None)
    return users


def pages_for(client, uscc: str | None) -> dict[str, str]:
    urls = ["/policies/"] + [f"/policies/p/{p.code}/" for p in Policy.objects.all()]
    if uscc:
        urls += ["/policies/mine/", "/policies/applications/"]
        urls += [
            f"/policies/mine/results/{r.pk}/"
            for r in MatchResult.objects.filter(enterprise__uscc=uscc)
        ]
        urls += [f"/policies/applications/{a.pk}/" for a in Application.objects.filter(uscc=uscc)]
        urls += [
            f"/policies/p/{p.code}/apply/"
            for p in Policy.objects.filter(delivery=Delivery.APPLICATION)
        ]
    pages = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            pages[url] = visible_text(response.content.decode())
    return pages


def problems(pages: dict[str, str]) -> list[str]:
    codes = list(Policy.objects.values_list("code", flat=True))
    found = []
    for url, text in pages.items():
        for code in codes:
            if code in text:
                found.append(f"{url}: rule id {code}")
        for pattern in (SEED_NUMBER, BARE_INDUSTRY, BARE_REGION):
            for match in pattern.finditer(text):
                start = max(match.start() - 20, 0)
                found.append(f"{url}: {text[start : match.end() + 20]!r}")
    return found


def test_demo_enterprises_and_the_public_read_no_internal_ids_or_bare_codes(demo, client):
    from qinqing.web.demo import ENTERPRISE_A, ENTERPRISE_B

    public = pages_for(client, None)
    assert len(public) == 1 + Policy.objects.count()
    seen = dict(public)
    for username, (_name, uscc) in (("enterprise_a", ENTERPRISE_A), ("enterprise_b", ENTERPRISE_B)):
        client.force_login(demo[username])
        pages = pages_for(client, uscc)
        # the pages that carry the risky text were all rendered: a result, an application
        assert any("/mine/results/" in url for url in pages), username
        seen.update({f"{username} {url}": text for url, text in pages.items()})
        client.logout()
    assert any("/applications/" in url and "/apply/" not in url for url in seen)
    assert problems(seen) == []
    # the names are there instead: the document and article, the industry's 门类
    mine_result = next(text for url, text in seen.items() if "/mine/results/" in url)
    assert "依据：《" in mine_result
    apply_page = next(text for url, text in seen.items() if url.endswith("/apply/"))
    assert "制造业（C39）" in apply_page or "制造业（C14）" in apply_page


def test_the_checks_catch_what_they_look_for():
    """The patterns of the test above do find the defects as they were reported."""
    assert SEED_NUMBER.search("依据：004 (四)") and SEED_NUMBER.search(
        "《工作措施（种子文件 001）》"
    )
    assert BARE_INDUSTRY.search("行业代码 C39") and not BARE_INDUSTRY.search("制造业（C39）")
    assert BARE_REGION.search("行政区划代码 420602")
    assert not BARE_REGION.search("襄城区（420602）")
    assert not BARE_REGION.search("统一社会信用代码 91110000MA01AAAA0W")
