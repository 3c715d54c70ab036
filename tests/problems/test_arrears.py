"""清欠: totals by debtor, county and year always equal the principal less the payments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinqing.core.errors import InvalidInput
from qinqing.problems import queries, service
from qinqing.problems.models import Arrears, ArrearsEntry
from tests.problems.conftest import NOW
from tests.world import USCC_A, USCC_B

cents = st.integers(min_value=1, max_value=5_000_00).map(lambda c: Decimal(c) / 100)
steps = st.lists(st.tuples(st.sampled_from(["pay", "correct"]), st.integers(0, 2), cents),
                 max_size=14)  # fmt: skip


def _register(world, debtor, county, uscc, principal, year):
    return service.register_arrears(
        actor=world.office_admin, kind="arrears", creditor_uscc=uscc, creditor_name="甲",
        debtor_name=debtor.name, debtor_unit=debtor, county=county, principal=principal,
        incurred_on=dt.date(year, 3, 1), now=NOW,
    )  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seq=steps)
def test_totals_reconcile_with_payments(world, seq):
    items = [
        _register(world, world.market, world.city, USCC_A, "10000.00", 2023),
        _register(world, world.tax, world.county, USCC_B, "20000.00", 2024),
        _register(world, world.market, world.county, USCC_A, "5000.00", 2024),
    ]
    for action, which, amount in seq:
        arrears = items[which]
        if action == "pay":
            try:
                service.record_payment(arrears, actor=world.office_admin, amount=amount,
                                       paid_on=dt.date(2025, 1, 2), now=NOW)  # fmt: skip
            except InvalidInput:
                assert amount > service.balance_of(arrears)
        else:
            entry = arrears.entries.filter(kind="payment", corrections__isnull=True).first()
            if entry is not None:
                service.correct_entry(entry, actor=world.office_admin, now=NOW)
    mine = Arrears.objects.filter(pk__in=[a.pk for a in items])
    totals = queries.arrears_totals(mine)
    paid = sum((e.amount for e in ArrearsEntry.objects.filter(arrears__in=mine)), Decimal("0"))
    assert totals["paid"] == paid
    assert totals["outstanding"] == Decimal("35000.00") - paid
    for key in ("by_debtor", "by_county", "by_year"):
        assert sum((v for _, v in totals[key]), Decimal("0")) == totals["outstanding"]
    for arrears in items:
        balance = service.balance_of(arrears)
        assert Decimal("0") <= balance <= arrears.principal


def test_overpayment_refused_and_correction_only_once(world):
    arrears = _register(world, world.market, world.city, USCC_A, "100.00", 2024)
    with pytest.raises(InvalidInput, match="超过尚欠"):
        service.record_payment(arrears, actor=world.office_admin, amount="100.01",
                               paid_on=dt.date(2025, 1, 2), now=NOW)  # fmt: skip
    entry = service.record_payment(arrears, actor=world.office_admin, amount="40",
                                   paid_on=dt.date(2025, 1, 2), now=NOW)  # fmt: skip
    service.correct_entry(entry, actor=world.office_admin, now=NOW)
    from qinqing.core.errors import IllegalTransition

    with pytest.raises(IllegalTransition):
        service.correct_entry(entry, actor=world.office_admin, now=NOW)
    assert service.balance_of(arrears) == Decimal("100.00")


def test_dashboard_and_visibility(world, client):
    _register(world, world.market, world.county, USCC_A, "300.00", 2024)
    client.force_login(world.leader)
    assert "300.00" in client.get("/problems/arrears/").content.decode()
    client.force_login(world.other_officer)
    assert "300.00" not in client.get("/problems/arrears/").content.decode()
    client.force_login(world.tax_clerk)
    assert queries.visible_arrears_for_user(world.tax_clerk).count() == 0
