"""Defect 12: the 协办单位 picker is a searchable list of checkboxes, not a Ctrl-click list."""

from __future__ import annotations

from tests.appeals.conftest import NOW
from tests.appeals.factories import make_appeal


def test_assisting_units_are_checkboxes_that_can_be_filtered(appeals_world, as_user, clock):
    w = appeals_world
    appeal = make_appeal(w, NOW)
    body = as_user(w.office_admin).get(appeal.get_absolute_url()).content.decode()
    assert 'data-filterable="协办单位"' in body
    assert 'type="checkbox" name="assisting_units"' in body
    assert '<select name="assisting_units"' not in body
    r = as_user(w.office_admin).post(
        f"/appeals/{appeal.pk}/dispatch/",
        {"primary_unit": w.market.pk, "assisting_units": [w.tax.pk, w.ndrc.pk]},
    )
    assert r.status_code == 302
    assert set(appeal.tickets.values_list("unit_id", flat=True)) == {
        w.market.pk, w.tax.pk, w.ndrc.pk,
    }  # fmt: skip
