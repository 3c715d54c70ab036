"""Fixtures of the adversarial suite (uploads go to a temporary folder, tests/conftest.py); the policy fixtures
(``pw``) and the appeals fixtures (``appeals_world``, the appeals ``scene``) are shared with
the apps' own tests, so the sweep attacks the same data the apps' tests build."""

from tests.appeals.conftest import (  # noqa: F401 (fixtures)
    _fresh_cache,
    appeals_world,
    demo_model_path,
)
from tests.appeals.test_access import scene  # noqa: F401 (fixture)
from tests.policies.conftest import pw  # noqa: F401 (fixture)
