"""The demo world: directory, personas with generated passwords, and each domain's demo data.

A domain adds to the demo by naming a function in its manifest (``AppManifest.demo_seed``)::

    demo_seed="qinqing.plans.seeds.load_demo",   # load_demo(*, city, users, log) -> None
    demo_after=["problems"],  # labels of apps whose demo data the seed reads: they run first

Seeds must be idempotent: ``qinqing demo`` can run on an existing database.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.module_loading import import_string

from qinqing.core.accounts.roles import ensure_builtin_roles
from qinqing.core.accounts.service import create_user_with_role
from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.manifest import demo_seeds
from qinqing.core.orgs.models import Unit
from qinqing.core.orgs.seeds import CITY_OFFICE, build_demo_directory


def demo_uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


ENTERPRISE_A = ("示例智造科技有限公司", demo_uscc("91110000MA01AAAA0"))
ENTERPRISE_B = ("示例绿源食品有限公司", demo_uscc("91110000MA01BBBB1"))

# username, full name, role, unit name (None for enterprises), enterprise
PERSONAS = [
    ("office_admin", "王营商", "office_admin", CITY_OFFICE, None),
    ("office_checker", "赵复核", "office_admin", CITY_OFFICE, None),
    ("market_clerk", "李市监", "unit_staff", "示例市市场监督管理局", None),
    ("tax_clerk", "张税务", "unit_staff", "国家税务总局示例市税务局", None),
    ("county_clerk", "刘县办", "unit_staff", "示例县", None),
    ("county_officer", "陈县营商", "office_admin", "示例县营商环境建设办公室", None),
    ("leader", "周市长", "leader", "示例市人民政府办公室", None),
    ("discipline", "孙纪检", "discipline", "示例市纪委监委", None),
    ("enterprise_a", "钱经理", "enterprise", None, ENTERPRISE_A),
    ("enterprise_b", "吴会计", "enterprise", None, ENTERPRISE_B),
    ("siteadmin", "系统管理员", "site_admin", "示例市政务服务和大数据管理局", None),
]


def demo_password() -> str:
    """A random password that meets the complexity rule (upper, lower, digit, symbol)."""
    return "Qq-" + secrets.token_urlsafe(9) + "-9"


def demo_totp_uri(user) -> str:
    """The persona's TOTP secret as an ``otpauth://`` URI (staff roles only; "" otherwise),
    so a phone authenticator or a browser test can produce the codes of the demo accounts.
    The device is created once and kept across demo runs."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qinqing.core.accounts.security import second_factor_required

    if not second_factor_required(user):
        return ""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="演示验证器", confirmed=True)
    return device.config_url


@transaction.atomic
def build_demo_people(
    city: Unit, *, reset_passwords: bool = True
) -> tuple[dict, list[tuple[str, str, str, str]]]:
    """Create (or find) the personas; returns users by name and
    (username, role, password, otpauth URI or "") rows."""
    user_model = get_user_model()
    users, credentials = {}, []
    for username, full_name, role, unit_name, enterprise in PERSONAS:
        password = demo_password()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            unit = (
                Unit.objects.get(name=unit_name, path__startswith=city.path) if unit_name else None
            )
            user = create_user_with_role(
                actor="demo",
                username=username,
                password=password,
                role_code=role,
                unit=unit,
                uscc=enterprise[1] if enterprise else "",
                enterprise_name=enterprise[0] if enterprise else "",
                full_name=full_name,
                email=f"{username}@example.invalid",
                is_superuser=(role == "site_admin"),
            )
        elif reset_passwords:
            user.set_password(password)
            user.save(update_fields=["password"])
        users[username] = user
        credentials.append((username, user.profile.role.name, password, demo_totp_uri(user)))
    return users, credentials


def run_domain_seeds(*, city: Unit, users: dict, log: Callable[[str], None]) -> None:
    for manifest in demo_seeds():  # a seed runs after the seeds it reads (``demo_after``)
        assert manifest.demo_seed is not None
        title = manifest.demo_title or apps.get_app_config(manifest.label).verbose_name
        log(f"载入演示数据：{title} …")
        import_string(manifest.demo_seed)(city=city, users=users, log=log)


def build_demo(
    log: Callable[[str], None] = print, *, with_domains: bool = True
) -> list[tuple[str, str, str, str]]:
    ensure_builtin_roles()
    city = build_demo_directory(actor="demo")
    users, credentials = build_demo_people(city)
    if with_domains:
        run_domain_seeds(city=city, users=users, log=log)
    return credentials
