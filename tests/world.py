"""One named test world (STYLE.md §9), shared by every test.

Units: 示例市 (city) with 示例市营商环境办 (coordinating), 市市场监管局, 市税务局,
市发展和改革委员会, 示例市纪委监委, and 示例县 (county) with 示例县营商办; a second city
邻市 with its own office, to prove that one city's office cannot see another's data.

Personas: office_admin, market_clerk, tax_clerk, county_clerk, county_officer, leader,
discipline, enterprise_a, enterprise_b, site_admin, other_officer (邻市).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qinqing.core.accounts.roles import ensure_builtin_roles
from qinqing.core.accounts.service import create_user_with_role
from qinqing.core.enterprises.uscc import uscc_check_char
from qinqing.core.orgs.models import Unit, UnitKind
from qinqing.core.orgs.service import create_group, create_unit


def make_uscc(body17: str) -> str:
    return body17 + uscc_check_char(body17)


USCC_A = make_uscc("91110000MA01AAAA0")
USCC_B = make_uscc("91110000MA01BBBB1")


@dataclass
class World:
    province: Unit
    city: Unit
    office: Unit
    market: Unit
    tax: Unit
    ndrc: Unit
    discipline_unit: Unit
    county: Unit
    county_office: Unit
    other_city: Unit
    other_office: Unit
    users: dict = field(default_factory=dict)

    def __getattr__(self, name):  # world.office_admin etc.
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def build_world() -> World:
    ensure_builtin_roles()
    sys = "test-setup"
    province = create_unit(actor=sys, name="示例省", kind=UnitKind.PROVINCE, parent=None)
    city = create_unit(actor=sys, name="示例市", kind=UnitKind.CITY, parent=province)
    office = create_unit(
        actor=sys, name="示例市营商环境办", kind=UnitKind.PARTY_GOV, parent=city, coordinating=True,
        aliases=["市营商办"],
    )  # fmt: skip
    market = create_unit(
        actor=sys,
        name="市市场监管局",
        kind=UnitKind.DEPARTMENT,
        parent=city,
        aliases=["市场监管局"],
    )
    tax = create_unit(actor=sys, name="市税务局", kind=UnitKind.CENTRAL_PROVINCIAL, parent=city)
    ndrc = create_unit(actor=sys, name="市发展和改革委员会", kind=UnitKind.DEPARTMENT, parent=city)
    gov_office = create_unit(actor=sys, name="市政府办公室", kind=UnitKind.PARTY_GOV, parent=city)
    discipline_unit = create_unit(
        actor=sys, name="示例市纪委监委", kind=UnitKind.PARTY_GOV, parent=city
    )
    county = create_unit(actor=sys, name="示例县", kind=UnitKind.COUNTY, parent=city)
    county_office = create_unit(
        actor=sys, name="示例县营商办", kind=UnitKind.PARTY_GOV, parent=county, coordinating=True
    )
    other_city = create_unit(actor=sys, name="邻市", kind=UnitKind.CITY, parent=province)
    other_office = create_unit(
        actor=sys, name="邻市营商办", kind=UnitKind.PARTY_GOV, parent=other_city, coordinating=True
    )
    create_group(actor=sys, name="市政府各部门", area=city, members=[market, tax, ndrc])
    create_group(actor=sys, name="各县（区）人民政府", area=city, members=[county])
    w = World(
        province=province, city=city, office=office, market=market, tax=tax, ndrc=ndrc,
        discipline_unit=discipline_unit, county=county, county_office=county_office,
        other_city=other_city, other_office=other_office,
    )  # fmt: skip
    people = [
        ("office_admin", "office_admin", office, ""),
        ("office_checker", "office_admin", office, ""),
        ("market_clerk", "unit_staff", market, ""),
        ("tax_clerk", "unit_staff", tax, ""),
        ("county_clerk", "unit_staff", county, ""),
        ("county_officer", "office_admin", county_office, ""),
        ("leader", "leader", gov_office, ""),
        ("discipline", "discipline", discipline_unit, ""),
        ("enterprise_a", "enterprise", None, USCC_A),
        ("enterprise_b", "enterprise", None, USCC_B),
        ("site_admin", "site_admin", office, ""),
        ("other_officer", "office_admin", other_office, ""),
    ]
    for username, role, unit, uscc in people:
        w.users[username] = create_user_with_role(
            actor=sys,
            username=username,
            password="Qinqing-test-2026",
            role_code=role,
            unit=unit,
            uscc=uscc,
            enterprise_name={USCC_A: "甲企业<script>alert(1)</script>", USCC_B: "乙企业"}.get(
                uscc, ""
            ),
            full_name=username,
            email=f"{username}@example.invalid",
            is_superuser=(role == "site_admin"),
        )
    _confirm_totp_devices(w.users.values())
    return w


def _confirm_totp_devices(users) -> None:
    """Staff sign in with password + TOTP (docs/security.md); like the demo personas, the
    world's staff each have a confirmed authenticator (tests compute codes from its key)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from qinqing.core.accounts.security import second_factor_required

    for user in users:
        if second_factor_required(user):
            TOTPDevice.objects.create(user=user, name="test", confirmed=True)
