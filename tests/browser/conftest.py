"""Browser tests: Debian's chromium driven by Playwright (no browser download).

Every page visited through ``visit`` is checked for JavaScript errors and, when asked,
for accessibility violations with axe-core (bundled in the axe-playwright-python wheel).
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("QINQING_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Qinqing-test-2026"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run
    # inside one unless told this is deliberate (tests only, never in deployment)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM), (
        f"Chromium not found at {CHROMIUM}: run scripts/ensure-chromium.sh"
    )
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright, tmp_path_factory):
    browser = _playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    yield browser
    browser.close()


class Tab:
    """A page plus the errors it raised, with helpers for the common steps."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.js_errors: list[str] = []
        page.on("pageerror", lambda exc: self.js_errors.append(str(exc)))
        page.on("console", self._on_console)

    def _on_console(self, msg):
        # HTTP error statuses (a tested 403) are reported as console errors; they are not
        # JavaScript errors
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.js_errors.append(msg.text)

    def visit(self, path: str):
        self.page.goto(self.base_url + path)
        return self.page

    def login(self, username: str, password: str = PASSWORD):
        self.visit("/login/")
        self.page.get_by_label("用户名").fill(username)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        self.page.wait_for_load_state()
        self.pass_second_factor(username)

    def pass_second_factor(self, username: str):
        """Staff sign in with a TOTP code (docs/security.md): enter the code of the user's
        device, computed from its stored key as the phone authenticator would."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.totp import next_code

        if "/account/otp/" not in self.page.url:
            return
        device = TOTPDevice.objects.filter(user__username=username).order_by("-confirmed").first()
        self.page.get_by_label("动态口令").fill(next_code(device))
        self.page.get_by_role(
            "button", name="绑定" if "/setup/" in self.page.url else "验证"
        ).click()
        self.page.wait_for_load_state()

    def assert_accessible(self):
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        violations = results.response.get("violations", [])
        serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
        assert not serious, "\n".join(
            f"{v['id']}: {v['help']} ({len(v['nodes'])}) {v['nodes'][0]['target']}" for v in serious
        )

    def assert_no_js_errors(self):
        assert not self.js_errors, self.js_errors


@pytest.fixture
def tab(browser, live_server):
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    t = Tab(page, live_server.url)
    yield t
    context.close()
