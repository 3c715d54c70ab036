"""The Content-Security-Policy in a real browser: an injected inline script is refused, and
the pages people use (login, home, audit log, figures with charts) render without a single
policy violation."""

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/audit/", "/appeals/figures/", "/cockpit/"]


@pytest.fixture
def browser_world(transactional_db):
    from tests.world import build_world

    return build_world()


def _violations(page):
    return page.evaluate("window.__cspViolations || []")


def _listen(page):
    page.add_init_script(
        "window.__cspViolations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )


def test_an_injected_inline_script_is_refused_by_the_browser(tab, browser_world):
    _listen(tab.page)
    tab.visit("/login/")
    ran = tab.page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = 1'; document.body.appendChild(s);"
        " return window.__injected === 1; }"
    )
    assert ran is False
    tab.page.wait_for_function("window.__cspViolations.length > 0")
    assert any(v.startswith("script-src") for v in _violations(tab.page))


def test_pages_render_without_policy_violations(tab, browser_world):
    _listen(tab.page)
    tab.login("office_admin")
    for path in PAGES:
        tab.visit(path)
        tab.page.wait_for_load_state("networkidle")
        assert tab.page.locator("h1").count() >= 1, path
        assert _violations(tab.page) == [], path
    tab.assert_no_js_errors()
