import pytest

from tests.assessment.support import indicators_registered


@pytest.fixture
def feed():
    """Registers the test indicators for one test and returns their value feed."""
    with indicators_registered() as values:
        yield values


@pytest.fixture
def counties(world):
    """Two more counties of 示例市, so that county rankings have several rows."""
    from qinqing.core.orgs.models import UnitKind
    from qinqing.core.orgs.service import create_unit

    east = create_unit(actor="test-setup", name="东城区", kind=UnitKind.COUNTY, parent=world.city)
    west = create_unit(
        actor="test-setup", name="西山县", kind=UnitKind.COUNTY, parent=world.city,
        aliases=["西山"],
    )  # fmt: skip
    return [world.county, east, west]
