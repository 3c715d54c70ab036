import os
import subprocess
import sys

import pytest
from django.test import override_settings

from qinqing.core.accounts.access import has_capability, visible_units

ROLE_HOME_TITLES = {
    "office_admin": "营商办工作台",
    "market_clerk": "本单位待办",
    "leader": "领导驾驶舱",
    "enterprise_a": "企业服务",
    "site_admin": "系统管理",
    "discipline": "纪检监察线索",
}


@pytest.mark.parametrize(("persona", "title"), ROLE_HOME_TITLES.items())
def test_each_role_has_its_home_page(world, client_for, persona, title):
    user = getattr(world, persona)
    body = client_for(user).get("/").content.decode()
    assert title in body
    assert user.profile.role.name in body


def test_navigation_follows_capabilities(world, client_for):
    office = client_for(world.office_admin).get("/").content.decode()
    assert "机构库" in office and "审计日志" in office
    enterprise = client_for(world.enterprise_a).get("/").content.decode()
    assert "机构库" not in enterprise and "审计日志" not in enterprise


def test_enterprise_name_is_escaped_in_the_shell(world, client_for):
    body = client_for(world.enterprise_a).get("/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "甲企业&lt;script&gt;" in body


def test_scope_of_each_role(world):
    city_units = set(visible_units(world.office_admin))
    assert world.county_office in city_units and world.market in city_units
    assert world.other_office not in city_units
    assert set(visible_units(world.market_clerk)) == {world.market}
    assert set(visible_units(world.county_officer)) == {world.county, world.county_office}
    assert not visible_units(world.enterprise_a).exists()
    assert not has_capability(world.leader, "directory.edit")
    assert has_capability(world.leader, "directory.view")


def test_login_throttled_after_repeated_failures(world, client):
    for _ in range(5):
        client.post("/login/", {"username": "market_clerk", "password": "wrong"})
    r = client.post("/login/", {"username": "market_clerk", "password": "Qinqing-test-2026"})
    assert "登录失败次数过多" in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_with_right_password_then_the_code_reaches_home(world, client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.totp import next_code

    r = client.post(
        "/login/", {"username": "market_clerk", "password": "Qinqing-test-2026"}, follow=True
    )
    assert "输入动态口令" in r.content.decode()  # staff pass a second factor (等保 level 3)
    device = TOTPDevice.objects.get(user=world.market_clerk, confirmed=True)
    r = client.post("/account/otp/", {"otp_token": next_code(device), "next": "/"}, follow=True)
    assert "本单位待办" in r.content.decode()


def test_passwords_are_hashed_with_argon2(world):
    assert world.market_clerk.password.startswith("argon2")


def test_logout_needs_post_with_csrf(world, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.market_clerk)
    r = strict.post("/logout/")
    assert r.status_code == 403
    assert "页面已过期" in r.content.decode()


@override_settings(DEBUG=False)
def test_unknown_page_is_a_chinese_404(world, client_for):
    r = client_for(world.office_admin).get("/no-such-page/")
    assert r.status_code == 404
    assert "页面不存在" in r.content.decode()


def test_deploy_check_is_clean_in_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        QINQING_HTTPS="1",
        QINQING_SECRET_KEY="x" * 20 + "production-secret-key-with-enough-entropy-2026!",
        QINQING_ALLOWED_HOSTS="qinqing.example.gov.cn",
        QINQING_VAR_DIR=str(tmp_path),
    )
    proc = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
