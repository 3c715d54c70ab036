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


# Pages whose styles moved from style attributes and <style> blocks into static CSS files.
STYLED_PAGES = [
    "/",
    "/plans/",
    "/onsite/",
    "/appeals/figures/",
    "/assessment/external/",
    "/inspections/campaigns/new/",
    "/enterprises/import/",
    "/cockpit/",
]


def test_pages_need_no_inline_style(tab, browser_world, settings):
    """A report-only policy without 'unsafe-inline' for styles: the browser reports every
    style attribute or <style> block it would refuse; these pages have none left."""
    directives = dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])
    directives["style-src"] = ["'self'"]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": directives}
    _listen(tab.page)
    tab.login("office_admin")
    for path in STYLED_PAGES:
        response = tab.page.goto(tab.base_url + path)
        tab.page.wait_for_load_state("networkidle")
        assert "style-src 'self'" in response.headers["content-security-policy-report-only"]
        assert tab.page.locator("h1").count() >= 1, path
        assert _violations(tab.page) == [], path
    tab.assert_no_js_errors()
    # the control: the same policy does report a style attribute when a page has one
    tab.page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')"
    )
    tab.page.wait_for_function("window.__cspViolations.length > 0")
    assert any(v.startswith("style-src") for v in _violations(tab.page))
